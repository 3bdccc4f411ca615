//! The training worker: receives a CSV and a [`TrainRequest`], trains with the
//! core off the page's main thread, and posts progress after every tree and
//! the model file at the end. Cancelling is the page terminating the worker.

use mibwatch_core::baselines::{LearnerScore, quick_baselines};
use mibwatch_core::forest::Control;
use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::model::{self, CvSummary, Phase};
use mibwatch_core::protocol::{
    FromWorker, ScoreRequest, ScoreSummary, ToWorker, TrainRequest, total_trees,
};
use mibwatch_core::score::{score_with_progress, scored_csv};
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

fn train(
    scope: &DedicatedWorkerGlobalScope,
    req: TrainRequest,
    csv: Vec<u8>,
) -> Result<Trained, String> {
    let start = js_sys::Date::now();
    let opts = IngestOptions {
        file_name: req.file_name.clone(),
        label_column: req.label_column.clone(),
        require_label: true,
        columns: req.columns.clone(),
        keep_text: false,
    };
    let table = ingest::read_csv(&csv, &opts).map_err(|e| e.to_string())?;
    drop(csv);
    let options = req.options();
    let prepared = model::prepare(&table, &options).map_err(|e| e.to_string())?;
    let folds = prepared.session_folds().map_or(0, |f| f.len());
    let n = req.params.n_trees as usize;
    let cv_folds = req.cv_folds.unwrap_or(0);
    let total = total_trees(req.params.n_trees, folds, cv_folds);
    let m = model::train_prepared(&prepared, &options, &mut |phase, done, _| {
        let (before, name) = match phase {
            Phase::RandomSplit => (0, "random split".to_string()),
            Phase::TimeOrderedSplit => (n, "time-ordered split".to_string()),
            Phase::SessionFold(k) => (n * (2 + k), format!("session fold {}", k + 1)),
            Phase::Final => (n * (2 + folds), "final model".to_string()),
        };
        post(
            scope,
            &FromWorker::Progress {
                phase: name,
                done: before + done,
                total,
                elapsed_ms: js_sys::Date::now() - start,
            },
            None,
        );
        Control::Continue
    })
    .map_err(|e| e.to_string())?;
    post(
        scope,
        &FromWorker::Progress {
            phase: "baselines".into(),
            done: total,
            total,
            elapsed_ms: js_sys::Date::now() - start,
        },
        None,
    );
    let cv = match req.cv_folds {
        None => None,
        Some(k) => {
            let before = n * (3 + folds);
            Some(
                model::cross_validate(&prepared, &options.params, k, &mut |fold, done, _| {
                    post(
                        scope,
                        &FromWorker::Progress {
                            phase: format!("cross-validation fold {}", fold + 1),
                            done: before + fold * n + done,
                            total,
                            elapsed_ms: js_sys::Date::now() - start,
                        },
                        None,
                    );
                    Control::Continue
                })
                .map_err(|e| e.to_string())?,
            )
        }
    };
    let split = prepared.time_ordered_split(options.test_fraction);
    let baselines = quick_baselines(&prepared, &split, options.params.seed);
    Ok((model::encode(&m).map_err(|e| e.to_string())?, baselines, cv))
}

/// Score a CSV with a model: the summary for the page and the scored CSV.
fn score(
    scope: &DedicatedWorkerGlobalScope,
    req: ScoreRequest,
    csv: &[u8],
    model_bytes: &[u8],
) -> Result<(ScoreSummary, String), String> {
    let start = js_sys::Date::now();
    let m = model::decode(model_bytes).map_err(|e| e.to_string())?;
    let opts = IngestOptions {
        file_name: req.file_name.clone(),
        label_column: req.label_column.clone(),
        require_label: false,
        columns: req.columns.clone(),
        // Host names and the like pass through to the scored file.
        keep_text: true,
    };
    let table = ingest::read_csv(csv, &opts).map_err(|e| e.to_string())?;
    let read = js_sys::Date::now();
    let scored = score_with_progress(&m, table, &req.options, &mut |done, total| {
        post(scope, &FromWorker::Scoring { done, total }, None)
    })
    .map_err(|e| e.to_string())?;
    let done = js_sys::Date::now();
    let text = scored_csv(&m, &scored, &req.label_column, req.options.escape_formulas);
    Ok((
        ScoreSummary::of(&m, &scored, read - start, done - read),
        text,
    ))
}

fn handle(scope: &DedicatedWorkerGlobalScope, data: JsValue) {
    let start = js_sys::Date::now();
    let arr: js_sys::Array = data.dyn_into().unwrap_or_default();
    let request = arr
        .get(0)
        .as_string()
        .ok_or_else(|| "the page sent no request".to_string())
        .and_then(|s| ToWorker::from_json(&s));
    let bytes = arr
        .get(1)
        .dyn_into::<js_sys::Uint8Array>()
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let request = match request {
        Ok(ToWorker::Score(req)) => {
            let model = arr
                .get(2)
                .dyn_into::<js_sys::Uint8Array>()
                .map(|a| a.to_vec())
                .unwrap_or_default();
            match score(scope, req, &bytes, &model) {
                Ok((summary, csv)) => post(
                    scope,
                    &FromWorker::Scored(Box::new(summary)),
                    Some(csv.as_bytes()),
                ),
                Err(error) => post(scope, &FromWorker::Failed { error }, None),
            }
            return;
        }
        Ok(ToWorker::Train(req)) => Ok(req),
        Err(e) => Err(e),
    };
    let result = request.and_then(|req| train(scope, req, bytes));
    match result {
        Ok((model, baselines, cv)) => post(
            scope,
            &FromWorker::Done {
                elapsed_ms: js_sys::Date::now() - start,
                baselines,
                cv,
            },
            Some(&model),
        ),
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
