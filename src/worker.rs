//! The core's Web Worker: receives a CSV and a [`TrainRequest`],
//! [`ScoreRequest`] or [`LearnRequest`], runs the core's one call for it off
//! the page's main thread, and posts its progress and its result.
//! Cancelling is the page terminating the worker.

use mibwatch_core::export;
use mibwatch_core::forest::Control;
use mibwatch_core::ingest;
use mibwatch_core::model::{self, CvSummary};
use mibwatch_core::protocol::{FromWorker, LearnRequest, ScoreRequest, ToWorker, TrainRequest};
use mibwatch_core::score::{ScoreSummary, ranges, score_with_progress, scored_csv};
use mibwatch_core::train::{self, LearnerScore};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn post(scope: &DedicatedWorkerGlobalScope, msg: &FromWorker, bytes: Option<&[u8]>) {
    let arr = js_sys::Array::new();
    arr.push(&JsValue::from_str(&msg.to_json()));
    if let Some(b) = bytes {
        arr.push(&js_sys::Uint8Array::from(b));
    }
    let _ = scope.post_message(&arr);
}

/// The trained model file, the baselines' scores on the same split and the
/// optional cross-validation.
type Trained = (Vec<u8>, Vec<LearnerScore>, Option<CvSummary>);

/// Posts each step of a training as [`FromWorker::Progress`], timed from
/// `start`; `total` replaces the step's own total when given (a share
/// counts its trees against the whole plan's).
fn progress_poster(
    scope: &DedicatedWorkerGlobalScope,
    start: f64,
    total: Option<usize>,
) -> impl FnMut(&train::Progress) -> Control + '_ {
    move |p| {
        post(
            scope,
            &FromWorker::Progress {
                phase: p.phase.clone(),
                done: p.done,
                total: total.unwrap_or(p.total),
                elapsed_ms: js_sys::Date::now() - start,
            },
            None,
        );
        Control::Continue
    }
}

/// What the page gets of a finished training.
fn trained(t: &train::Trained) -> Result<Trained, String> {
    Ok((
        model::encode(&t.model).map_err(|e| e.to_string())?,
        t.baselines(),
        t.cv(),
    ))
}

fn train(
    scope: &DedicatedWorkerGlobalScope,
    req: TrainRequest,
    csv: Vec<u8>,
) -> Result<Trained, String> {
    let start = js_sys::Date::now();
    let table = ingest::read_csv(&csv, &req.ingest()).map_err(|e| e.to_string())?;
    drop(csv);
    let t = train::train(
        &table,
        &req.options(),
        &mut progress_poster(scope, start, None),
    )
    .map_err(|e| e.to_string())?;
    trained(&t)
}

/// The prepared data of this worker's share, kept for the tasks and the
/// finish, and the plan's forests once every share is in.
struct Share {
    req: TrainRequest,
    prepared: train::Prepared,
    plan: train::Plan,
    start: f64,
    forests: Vec<mibwatch_core::forest::Forest>,
}

thread_local! {
    static SHARE: std::cell::RefCell<Option<Share>> = const { std::cell::RefCell::new(None) };
}

/// Call `f` with this worker's kept share.
fn with_share<T>(f: impl FnOnce(&mut Share) -> Result<T, String>) -> Result<T, String> {
    SHARE.with(|s| match s.borrow_mut().as_mut() {
        Some(share) => f(share),
        None => Err("this worker grew no share of the trees".into()),
    })
}

/// Grow this worker's share of every forest of the training plan; the
/// evaluation's tasks and the trees as bytes. Progress counts this share's
/// trees against the whole plan's.
fn train_share(
    scope: &DedicatedWorkerGlobalScope,
    req: TrainRequest,
    share: (usize, usize),
    csv: Vec<u8>,
) -> Result<(Vec<train::Task>, Vec<u8>), String> {
    let start = js_sys::Date::now();
    let table = ingest::read_csv(&csv, &req.ingest()).map_err(|e| e.to_string())?;
    drop(csv);
    let opts = req.options();
    let prepared = train::prepare(&table, &opts).map_err(|e| e.to_string())?;
    drop(table);
    let plan = train::training_plan(&prepared, &opts);
    let total = plan.total_trees();
    let trees = train::grow_share(
        &prepared,
        &plan,
        share.0..share.1,
        &mut progress_poster(scope, start, Some(total)),
    )
    .map_err(|e| e.to_string())?;
    let tasks = train::tasks(&plan, prepared.n_features(), prepared.classes.len());
    SHARE.with(|s| {
        *s.borrow_mut() = Some(Share {
            req,
            prepared,
            plan,
            start,
            forests: Vec::new(),
        })
    });
    Ok((tasks, train::encode_share(&trees)))
}

/// Keep the plan's forests merged from every share's trees (the final one
/// only when this worker finishes).
fn train_forests(shares: &[Vec<u8>], keep_final: bool) -> Result<(), String> {
    with_share(|s| {
        let forests = train::forests_from_shares(&s.prepared, shares).map_err(|e| e.to_string())?;
        s.forests = if keep_final {
            forests
        } else {
            train::without_final(&s.plan, forests)
        };
        Ok(())
    })
}

/// One task of the evaluation, with the kept forests: its piece as bytes.
fn train_task(scope: &DedicatedWorkerGlobalScope, task: train::Task) -> Result<Vec<u8>, String> {
    with_share(|s| {
        let piece = train::run_task(
            &s.prepared,
            &s.plan,
            &s.forests,
            &task,
            &mut progress_poster(scope, s.start, Some(s.plan.total_trees())),
        )
        .map_err(|e| e.to_string())?;
        Ok(piece.encode())
    })
}

/// Finish the training with every task's piece: the model and report.
fn train_finish(pieces: &[Vec<u8>]) -> Result<Trained, String> {
    let Share {
        req,
        prepared,
        plan,
        forests,
        ..
    } = SHARE
        .with(|s| s.borrow_mut().take())
        .ok_or("this worker grew no share to finish")?;
    let pieces = pieces
        .iter()
        .map(|b| train::Piece::decode(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let t = train::assemble(&prepared, &req.options(), &plan, forests, pieces)
        .map_err(|e| e.to_string())?;
    trained(&t)
}

/// Score a file with a model: read by the core's one reader and captured
/// as the request's choices say (as `mibwatch score` does), the summary for
/// the page and the scored CSV.
fn score(
    scope: &DedicatedWorkerGlobalScope,
    req: ScoreRequest,
    bytes: &[u8],
    model_bytes: &[u8],
) -> Result<(ScoreSummary, String), String> {
    let start = js_sys::Date::now();
    let m = model::decode(model_bytes).map_err(|e| e.to_string())?;
    // Host names and the like pass through to the scored file.
    let export = req
        .choices
        .read(bytes, &req.file_name, false)
        .map_err(|e| e.to_string())?;
    let options = req.options(req.choices.capture(&export, None));
    let read = js_sys::Date::now();
    let scored = score_with_progress(&m, export.table, &options, &mut |done, total| {
        post(scope, &FromWorker::Scoring { done, total }, None)
    })
    .map_err(|e| e.to_string())?;
    let done = js_sys::Date::now();
    let text = scored_csv(&m, &scored, &req.choices.label_column, req.escape_formulas);
    Ok((
        ScoreSummary::of(&m, &scored, read - start, done - read),
        text,
    ))
}

/// The file of the first share of a scoring on several workers, kept for
/// the merge: the request, the model, the captured rows, and when reading
/// started and ended.
struct ScoringShare {
    req: ScoreRequest,
    model: model::Model,
    prepared: ranges::Prepared,
    start: f64,
    read: f64,
}

thread_local! {
    static SCORING: std::cell::RefCell<Option<ScoringShare>> = const { std::cell::RefCell::new(None) };
}

/// Score share `i` of `w` of a file: its rows as bytes. Progress counts
/// this share's rows against the whole file's.
fn score_share(
    scope: &DedicatedWorkerGlobalScope,
    req: ScoreRequest,
    (i, w): (usize, usize),
    bytes: &[u8],
    model_bytes: &[u8],
) -> Result<Vec<u8>, String> {
    let start = js_sys::Date::now();
    let m = model::decode(model_bytes).map_err(|e| e.to_string())?;
    let export = req
        .choices
        .read(bytes, &req.file_name, false)
        .map_err(|e| e.to_string())?;
    let options = req.options(req.choices.capture(&export, None));
    let prepared = ranges::prepare(&m, export.table, &options).map_err(|e| e.to_string())?;
    let read = js_sys::Date::now();
    let range = prepared.shares(w).get(i).cloned().unwrap_or(0..0);
    let first = range.start;
    let rows = ranges::score_range(&m, &prepared, range, 1, &mut |done, total| {
        post(
            scope,
            &FromWorker::Scoring {
                done: done - first,
                total,
            },
            None,
        )
    });
    if i == 0 {
        SCORING.with(|s| {
            *s.borrow_mut() = Some(ScoringShare {
                req,
                model: m,
                prepared,
                start,
                read,
            })
        });
    }
    Ok(ranges::encode_part(&rows))
}

/// Merge every share's rows into the scored file (this worker's file).
fn score_finish(parts: &[Vec<u8>]) -> Result<(ScoreSummary, String), String> {
    let ScoringShare {
        req,
        model: m,
        prepared,
        start,
        read,
    } = SCORING
        .with(|s| s.borrow_mut().take())
        .ok_or("this worker scored no share to finish")?;
    let parts = parts
        .iter()
        .map(|b| ranges::decode_part(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let scored = ranges::merge(&m, prepared, parts).map_err(|e| e.to_string())?;
    let done = js_sys::Date::now();
    let text = scored_csv(&m, &scored, &req.choices.label_column, req.escape_formulas);
    Ok((
        ScoreSummary::of(&m, &scored, read - start, done - read),
        text,
    ))
}

/// Learn normal from an export of ordinary traffic, alone or beside the
/// forest of `base` (the active model's file): the model file's bytes.
/// Progress: reading the file, then the core's steps.
fn learn_normal(
    scope: &DedicatedWorkerGlobalScope,
    req: LearnRequest,
    data: Vec<u8>,
    base: &[u8],
) -> Result<Vec<u8>, String> {
    let start = js_sys::Date::now();
    let total = train::LEARN_STEPS.len() + 1;
    let step = |phase: &str, done: usize| {
        post(
            scope,
            &FromWorker::Progress {
                phase: phase.to_string(),
                done,
                total,
                elapsed_ms: js_sys::Date::now() - start,
            },
            None,
        )
    };
    step("reading the file", 0);
    let base = if req.beside {
        Some(model::decode(base).map_err(|e| format!("The active model: {e}"))?)
    } else {
        None
    };
    let e = export::read_export(&data, &req.file_name, &req.read_options())
        .map_err(|e| e.to_string())?;
    drop(data);
    let opts = req.options(&e);
    let learned =
        train::learn_normal_with_progress(&e.table, &opts, base.as_ref(), &mut |done, _, phase| {
            step(phase, done + 1)
        })
        .map_err(|e| e.to_string())?;
    model::encode(&learned.model).map_err(|e| e.to_string())
}

/// The bytes of the message's item `i` (empty when it holds none).
fn bytes_at(arr: &js_sys::Array, i: u32) -> Vec<u8> {
    arr.get(i)
        .dyn_into::<js_sys::Uint8Array>()
        .map(|a| a.to_vec())
        .unwrap_or_default()
}

/// The bytes of every item of the message after the request.
fn parts_of(arr: &js_sys::Array) -> Vec<Vec<u8>> {
    (1..arr.length())
        .filter_map(|i| arr.get(i).dyn_into::<js_sys::Uint8Array>().ok())
        .map(|a| a.to_vec())
        .collect()
}

/// The answer to a trained model: `Done` with the model file beside it.
fn done(start: f64, (model, baselines, cv): Trained) -> (FromWorker, Option<Vec<u8>>) {
    let msg = FromWorker::Done {
        elapsed_ms: js_sys::Date::now() - start,
        baselines,
        cv,
    };
    (msg, Some(model))
}

/// The answer to a scored file: its summary with the scored CSV beside it.
fn scored((summary, csv): (ScoreSummary, String)) -> (FromWorker, Option<Vec<u8>>) {
    (
        FromWorker::Scored(Box::new(summary)),
        Some(csv.into_bytes()),
    )
}

/// Decode one message of the page (the request, then the bytes it carries),
/// call the core, post the answer or the failure.
fn handle(scope: &DedicatedWorkerGlobalScope, data: JsValue) {
    let start = js_sys::Date::now();
    let arr: js_sys::Array = data.dyn_into().unwrap_or_default();
    let request = arr
        .get(0)
        .as_string()
        .ok_or_else(|| "the page sent no request".to_string())
        .and_then(|s| ToWorker::from_json(&s));
    let bytes = bytes_at(&arr, 1);
    // The forests need no answer: the tasks that follow answer, or a failure.
    let answer = request.and_then(|request| match request {
        ToWorker::TrainForests { keep_final } => {
            train_forests(&parts_of(&arr), keep_final).map(|()| None)
        }
        ToWorker::Train(req) => train(scope, req, bytes).map(|t| Some(done(start, t))),
        ToWorker::TrainShare { request, share } => train_share(scope, request, share, bytes)
            .map(|(tasks, trees)| Some((FromWorker::ShareDone { tasks }, Some(trees)))),
        ToWorker::TrainTask(task) => {
            train_task(scope, task).map(|piece| Some((FromWorker::TaskDone, Some(piece))))
        }
        ToWorker::TrainFinish => train_finish(&parts_of(&arr)).map(|t| Some(done(start, t))),
        ToWorker::Score(req) => {
            score(scope, req, &bytes, &bytes_at(&arr, 2)).map(|s| Some(scored(s)))
        }
        ToWorker::ScoreShare { request, share } => {
            score_share(scope, request, share, &bytes, &bytes_at(&arr, 2))
                .map(|rows| Some((FromWorker::ScorePart, Some(rows))))
        }
        ToWorker::ScoreFinish => score_finish(&parts_of(&arr)).map(|s| Some(scored(s))),
        ToWorker::LearnNormal(req) => learn_normal(scope, req, bytes, &bytes_at(&arr, 2))
            .map(|model| Some(done(start, (model, Vec::new(), None)))),
    });
    match answer {
        Ok(None) => {}
        Ok(Some((msg, beside))) => post(scope, &msg, beside.as_deref()),
        Err(error) => post(scope, &FromWorker::Failed { error }, None),
    }
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        handle(&handler_scope, ev.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &FromWorker::Ready, None);
}
