//! One batch scoring on several Web Workers: each reads and captures the
//! whole file (rates need every poll), scores its share of the rows (the
//! core's [`ranges`](mibwatch_core::score::ranges) split), and the first
//! worker merges every share's rows into the scored file — byte for byte
//! what one worker writes, alarm events across share borders included.
//! Progress is summed over the workers; a worker that fails ends the run
//! with its message.

use std::cell::RefCell;
use std::rc::Rc;

use mibwatch_core::protocol::{FromWorker, ScoreRequest, ToWorker};

use crate::jobs::{Job, WorkerHandle};

type Handler = Rc<RefCell<dyn FnMut(Result<FromWorker, String>, Option<Vec<u8>>)>>;

/// Where the workers are.
struct Run {
    handles: Vec<WorkerHandle>,
    /// Rows scored per worker.
    done: Vec<usize>,
    /// Each share's scored rows, once its worker has them.
    parts: Vec<Option<Vec<u8>>>,
    over: bool,
}

/// Score `request` on the file with `workers` workers (one: the plain
/// single-worker scoring); `on_message` hears `Scoring` (summed), `Scored`
/// and `Failed` as from one worker. The jobs belong to the caller's
/// [`crate::jobs::JobSlot`] (a new file or leaving stops them).
pub fn score_on(
    workers: usize,
    request: ScoreRequest,
    file: Vec<u8>,
    model: Vec<u8>,
    on_message: impl FnMut(Result<FromWorker, String>, Option<Vec<u8>>) + 'static,
) -> Result<Vec<Job>, String> {
    if workers <= 1 {
        return Ok(vec![Job::start(
            ToWorker::Score(request),
            vec![file, model],
            on_message,
        )?]);
    }
    let handler: Handler = Rc::new(RefCell::new(on_message));
    let run = Rc::new(RefCell::new(Run {
        handles: Vec::new(),
        done: vec![0; workers],
        parts: vec![None; workers],
        over: false,
    }));
    let mut jobs: Vec<Job> = Vec::with_capacity(workers);
    for i in 0..workers {
        let (run2, handler) = (run.clone(), handler.clone());
        let job = Job::start(
            ToWorker::ScoreShare {
                request: request.clone(),
                share: (i, workers),
            },
            vec![file.clone(), model.clone()],
            move |msg, bytes| on_share(&run2, &handler, i, msg, bytes),
        )
        .inspect_err(|_| {
            for j in &jobs {
                j.handle().terminate();
            }
        })?;
        run.borrow_mut().handles.push(job.handle());
        jobs.push(job);
    }
    Ok(jobs)
}

/// One worker's message, for the run.
fn on_share(
    run: &Rc<RefCell<Run>>,
    handler: &Handler,
    i: usize,
    msg: Result<FromWorker, String>,
    bytes: Option<Vec<u8>>,
) {
    if run.borrow().over {
        return;
    }
    match msg {
        Ok(FromWorker::Scoring { done, total }) => {
            let done = {
                let mut r = run.borrow_mut();
                r.done[i] = done;
                r.done.iter().sum::<usize>()
            };
            (handler.borrow_mut())(
                Ok(FromWorker::Scoring {
                    done: done.min(total),
                    total,
                }),
                None,
            );
        }
        Ok(FromWorker::ScorePart) => {
            let mut r = run.borrow_mut();
            let r = &mut *r;
            if let Some(parts) = crate::pool::gather(&mut r.parts, &r.handles, i, bytes) {
                r.handles[0].post(&ToWorker::ScoreFinish, &parts);
            }
        }
        Ok(FromWorker::Ready) | Ok(FromWorker::Progress { .. }) => {}
        other => {
            {
                let mut r = run.borrow_mut();
                r.over = true;
                for h in &r.handles {
                    h.terminate();
                }
            }
            (handler.borrow_mut())(other, bytes);
        }
    }
}
