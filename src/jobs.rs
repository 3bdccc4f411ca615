//! Running a job in the core's Web Worker: start it, send the request once
//! it is ready, hand each message to the screen, terminate it when done or
//! cancelled. Training and batch scoring both go through [`Job::start`]; a
//! worker that stops on its own (out of memory, a crash) is reported as a
//! failure, like a failed request.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use mibwatch_core::protocol::{FromWorker, ToWorker};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// Where the worker's loader is served (trunk `data-loader-shim`).
const WORKER_URL: &str = "./mibwatch-worker_loader.js";

/// What the screen is told: a message and the bytes beside it, or why the
/// worker failed.
type Handler = Rc<RefCell<dyn FnMut(Result<FromWorker, String>, Option<Vec<u8>>)>>;

/// A running worker and its handlers (kept alive together).
pub struct Job {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl Job {
    /// Start a worker, send `request` with `payloads` (raw bytes) when it is
    /// ready, and call `on_message(message, bytes)` for every later message;
    /// the bytes are the one beside the message, if any. The worker is
    /// terminated after a final message (`Done`, `Scored`, `Failed`).
    pub fn start(
        request: ToWorker,
        payloads: Vec<Vec<u8>>,
        on_message: impl FnMut(Result<FromWorker, String>, Option<Vec<u8>>) + 'static,
    ) -> Result<Job, String> {
        let worker = Worker::new(WORKER_URL)
            .map_err(|_| "The browser could not start a Web Worker.".to_string())?;
        let handler: Handler = Rc::new(RefCell::new(on_message));
        let on_error = {
            let (handler, handle) = (handler.clone(), worker.clone());
            Closure::<dyn FnMut(ErrorEvent)>::new(move |ev: ErrorEvent| {
                handle.terminate();
                let why = ev.message();
                (handler.borrow_mut())(
                    Err(format!(
                        "A worker stopped: {} (the browser may have run out of memory for it). Nothing was changed.",
                        if why.is_empty() {
                            "no reason given".to_string()
                        } else {
                            why
                        }
                    )),
                    None,
                );
            })
        };
        let handle = worker.clone();
        let mut payloads = Some(payloads);
        let closure = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let arr: js_sys::Array = ev.data().dyn_into().unwrap_or_default();
            let msg = arr
                .get(0)
                .as_string()
                .ok_or_else(|| "empty message from the worker".to_string())
                .and_then(|s| FromWorker::from_json(&s));
            if let Ok(FromWorker::Ready) = msg {
                let out = js_sys::Array::new();
                out.push(&JsValue::from_str(&request.to_json()));
                for p in payloads.take().unwrap_or_default() {
                    out.push(&js_sys::Uint8Array::from(p.as_slice()));
                }
                let _ = handle.post_message(&out);
                return;
            }
            let bytes = arr
                .get(1)
                .dyn_into::<js_sys::Uint8Array>()
                .ok()
                .map(|a| a.to_vec());
            let last = matches!(
                msg,
                Ok(FromWorker::Done { .. })
                    | Ok(FromWorker::Scored(_))
                    | Ok(FromWorker::Failed { .. })
                    | Err(_)
            );
            (handler.borrow_mut())(msg, bytes);
            if last {
                handle.terminate();
            }
        });
        worker.set_onmessage(Some(closure.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Job {
            worker,
            _on_message: closure,
            _on_error: on_error,
        })
    }

    /// A handle to send the worker further requests or stop it.
    pub fn handle(&self) -> WorkerHandle {
        WorkerHandle(self.worker.clone())
    }

    /// Stop the job at once.
    pub fn stop(self) {
        self.worker.terminate();
    }
}

/// A running job's worker, to send it further requests or stop it.
#[derive(Clone)]
pub struct WorkerHandle(Worker);

impl WorkerHandle {
    /// Send the worker a further request with `payloads`.
    pub fn post(&self, request: &ToWorker, payloads: &[Vec<u8>]) {
        let out = js_sys::Array::new();
        out.push(&JsValue::from_str(&request.to_json()));
        for p in payloads {
            out.push(&js_sys::Uint8Array::from(p.as_slice()));
        }
        let _ = self.0.post_message(&out);
    }

    /// Stop the worker at once.
    pub fn terminate(&self) {
        self.0.terminate();
    }
}

/// The one job a screen runs at a time (one worker, or several working
/// together); stopped when a new one starts, on Cancel, and when the screen
/// goes away.
#[derive(Clone, Copy)]
pub struct JobSlot(StoredValue<Vec<Job>, LocalStorage>);

impl JobSlot {
    pub fn new() -> Self {
        let slot = JobSlot(StoredValue::new_local(Vec::new()));
        on_cleanup(move || slot.stop());
        slot
    }

    pub fn stop(&self) {
        self.0.update_value(|jobs| {
            for job in jobs.drain(..) {
                job.stop();
            }
        })
    }

    /// Run `job` in this slot, stopping the previous one.
    pub fn set(&self, job: Job) {
        self.set_all(vec![job]);
    }

    /// Run several workers' jobs in this slot, stopping the previous ones.
    pub fn set_all(&self, jobs: Vec<Job>) {
        self.stop();
        self.0.set_value(jobs);
    }
}
