//! One training on several Web Workers: each grows a share of every forest's
//! trees from the same file (tree `i` seeded `seed + i`, so the shares merged
//! in order are the forests one worker grows, byte for byte), progress is
//! summed over the workers; then every worker gets every share's trees and
//! the evaluation's tasks are handed out to whichever worker is free (the
//! forests' figures to the first, the baselines and ranges of the
//! permutation importance to all), and the first worker assembles the
//! pieces into the model and report one worker would make (the core's
//! `train::assemble`). Cancel stops them all; a worker that fails ends the
//! run with its message and nothing else changes. No shared memory is
//! needed (no cross-origin isolation), so this works on any static host.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use mibwatch_core::model::CvSummary;
use mibwatch_core::protocol::{FromWorker, ToWorker, TrainRequest};
use mibwatch_core::train::{self, LearnerScore, Task};

use crate::browser::now_ms;
use crate::jobs::{Job, WorkerHandle};

/// What a training on the pool reports.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainEvent {
    Progress {
        phase: String,
        done: usize,
        total: usize,
        elapsed_ms: f64,
    },
    Done {
        model: Vec<u8>,
        elapsed_ms: f64,
        baselines: Vec<LearnerScore>,
        cv: Option<CvSummary>,
    },
    Failed(String),
}

/// Workers a training may use here: the browser's logical cores, at most
/// one per tree, and no more than the device's memory holds copies of the
/// file and its prepared rows (about eight times the file each).
pub fn workers_for(trees: usize, file_bytes: usize) -> usize {
    let window = web_sys::window();
    let cores = cores();
    // navigator.deviceMemory (GB, Chromium only, capped at 8); else 4 GB.
    let memory_gb = window
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"deviceMemory".into()).ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(4.0);
    let per_worker = (file_bytes as f64 * 8.0).max(64e6);
    let by_memory = ((memory_gb * 1e9 / 2.0) / per_worker).floor().max(1.0) as usize;
    cores.min(trees.max(1)).min(by_memory).clamp(1, 32)
}

/// Keep worker `i`'s part of a run on several workers and stop that worker,
/// unless it is the first (which merges); once every part is in, all of them
/// in worker order, for the first worker.
pub fn gather(
    parts: &mut [Option<Vec<u8>>],
    handles: &[WorkerHandle],
    i: usize,
    bytes: Option<Vec<u8>>,
) -> Option<Vec<Vec<u8>>> {
    parts[i] = Some(bytes.unwrap_or_default());
    if i != 0 {
        handles[i].terminate();
    }
    parts
        .iter()
        .all(Option::is_some)
        .then(|| parts.iter_mut().filter_map(Option::take).collect())
}

/// The browser's logical cores (`navigator.hardwareConcurrency`).
pub fn cores() -> usize {
    web_sys::window()
        .map_or(1.0_f64, |w| w.navigator().hardware_concurrency())
        .max(1.0) as usize
}

/// Where the workers are.
struct Run {
    handles: Vec<WorkerHandle>,
    /// Trees done per worker.
    done: Vec<usize>,
    /// Each share's trees, once its worker has them.
    shares: Vec<Option<Vec<u8>>>,
    /// Every share is in: the workers do the evaluation's tasks, then the
    /// first finishes.
    finishing: bool,
    /// The evaluation's tasks not yet handed out (the first worker's list).
    tasks: VecDeque<Task>,
    /// Tasks handed out in all, and the pieces of those done.
    handed: usize,
    pieces: Vec<Vec<u8>>,
    start: f64,
    over: bool,
}

impl Run {
    /// Give worker `i` its next task, or stop it when none is left (the
    /// first worker waits to finish); once every piece is in, the first
    /// worker finishes.
    fn next_task(&mut self, i: usize) {
        let task = if i == 0 {
            self.tasks.pop_front()
        } else {
            // Helpers skip the figures: the first worker has its forests.
            let at = self.tasks.iter().position(|t| *t != Task::Figures);
            at.and_then(|at| self.tasks.remove(at))
        };
        match task {
            Some(task) => {
                self.handed += 1;
                self.handles[i].post(&ToWorker::TrainTask(task), &[]);
            }
            None if i != 0 => self.handles[i].terminate(),
            None => {}
        }
        if self.tasks.is_empty() && self.pieces.len() == self.handed {
            let pieces = std::mem::take(&mut self.pieces);
            self.handles[0].post(&ToWorker::TrainFinish, &pieces);
        }
    }
}

/// Train `request` on the CSV bytes with `workers` workers (one: the plain
/// single-worker training); `on_event` hears the progress and the end. The
/// jobs belong to the caller's [`crate::jobs::JobSlot`] (Cancel stops them).
pub fn train_on(
    workers: usize,
    request: TrainRequest,
    csv: Vec<u8>,
    on_event: impl FnMut(TrainEvent) + 'static,
) -> Result<Vec<Job>, String> {
    let on_event: Rc<RefCell<dyn FnMut(TrainEvent)>> = Rc::new(RefCell::new(on_event));
    if workers <= 1 {
        let job = Job::start(ToWorker::Train(request), vec![csv], move |msg, bytes| {
            if let Some(e) = event(msg, bytes) {
                (on_event.borrow_mut())(e);
            }
        })?;
        return Ok(vec![job]);
    }
    let shares = train::shares(request.params.n_trees as usize, workers);
    let w = shares.len();
    let run = Rc::new(RefCell::new(Run {
        handles: Vec::new(),
        done: vec![0; w],
        shares: vec![None; w],
        finishing: false,
        tasks: VecDeque::new(),
        handed: 0,
        pieces: Vec::new(),
        start: now_ms(),
        over: false,
    }));
    let mut jobs = Vec::with_capacity(w);
    for (i, share) in shares.iter().enumerate() {
        let (run2, on_event) = (run.clone(), on_event.clone());
        let job = Job::start(
            ToWorker::TrainShare {
                request: request.clone(),
                share: (share.start, share.end),
            },
            vec![csv.clone()],
            move |msg, bytes| on_message(&run2, &on_event, i, msg, bytes),
        )
        .inspect_err(|_| {
            for j in &jobs {
                let j: &Job = j;
                j.handle().terminate();
            }
        })?;
        run.borrow_mut().handles.push(job.handle());
        jobs.push(job);
    }
    Ok(jobs)
}

/// One worker's message, for the run.
fn on_message(
    run: &Rc<RefCell<Run>>,
    on_event: &Rc<RefCell<dyn FnMut(TrainEvent)>>,
    i: usize,
    msg: Result<FromWorker, String>,
    bytes: Option<Vec<u8>>,
) {
    if run.borrow().over {
        return;
    }
    match msg {
        Ok(FromWorker::Progress {
            phase, done, total, ..
        }) => {
            let (done, elapsed_ms) = {
                let mut r = run.borrow_mut();
                if !r.finishing {
                    r.done[i] = done;
                }
                // While the first worker finishes, every tree is grown.
                let sum = if r.finishing {
                    total
                } else {
                    r.done.iter().sum()
                };
                (sum, now_ms() - r.start)
            };
            (on_event.borrow_mut())(TrainEvent::Progress {
                phase,
                done: done.min(total),
                total,
                elapsed_ms,
            });
        }
        Ok(FromWorker::ShareDone { tasks }) => {
            let mut r = run.borrow_mut();
            let r = &mut *r;
            r.shares[i] = Some(bytes.unwrap_or_default());
            if i == 0 {
                r.tasks = tasks.into();
            }
            if r.shares.iter().all(Option::is_some) {
                r.finishing = true;
                let shares: Vec<Vec<u8>> = r.shares.iter_mut().filter_map(Option::take).collect();
                for (w, h) in r.handles.iter().enumerate() {
                    h.post(&ToWorker::TrainForests { keep_final: w == 0 }, &shares);
                }
                drop(shares);
                for w in 0..r.handles.len() {
                    r.next_task(w);
                }
            }
        }
        Ok(FromWorker::TaskDone) => {
            let mut r = run.borrow_mut();
            r.pieces.push(bytes.unwrap_or_default());
            r.next_task(i);
        }
        other => {
            let Some(e) = event(other, bytes) else {
                return;
            };
            let e = match e {
                TrainEvent::Done {
                    model,
                    baselines,
                    cv,
                    ..
                } => TrainEvent::Done {
                    model,
                    elapsed_ms: now_ms() - run.borrow().start,
                    baselines,
                    cv,
                },
                e => e,
            };
            {
                let mut r = run.borrow_mut();
                r.over = true;
                for h in &r.handles {
                    h.terminate();
                }
            }
            (on_event.borrow_mut())(e);
        }
    }
}

/// The event of a single worker's message (none for messages the screen
/// does not show).
fn event(msg: Result<FromWorker, String>, bytes: Option<Vec<u8>>) -> Option<TrainEvent> {
    match msg {
        Ok(FromWorker::Progress {
            phase,
            done,
            total,
            elapsed_ms,
        }) => Some(TrainEvent::Progress {
            phase,
            done,
            total,
            elapsed_ms,
        }),
        Ok(FromWorker::Done {
            elapsed_ms,
            baselines,
            cv,
        }) => Some(TrainEvent::Done {
            model: bytes.unwrap_or_default(),
            elapsed_ms,
            baselines,
            cv,
        }),
        Ok(FromWorker::Failed { error }) | Err(error) => Some(TrainEvent::Failed(error)),
        Ok(_) => None,
    }
}
