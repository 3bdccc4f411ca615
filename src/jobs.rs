//! Running a job in the core's Web Worker: start it, send the request once
//! it is ready, hand each message to the screen, terminate it when done or
//! cancelled. Training and batch scoring both go through [`Job::start`].

use leptos::prelude::*;
use mibwatch_core::protocol::{FromWorker, ToWorker};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

/// Where the worker's loader is served (trunk `data-loader-shim`).
const WORKER_URL: &str = "./mibwatch-worker_loader.js";

/// A running worker and its message handler (kept alive together).
pub struct Job {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Job {
    /// Start a worker, send `request` with `payloads` (raw bytes) when it is
    /// ready, and call `on_message(message, bytes)` for every later message;
    /// the bytes are the one beside the message, if any. The worker is
    /// terminated after a final message (`Done`, `Scored`, `Failed`).
    pub fn start(
        request: ToWorker,
        payloads: Vec<Vec<u8>>,
        mut on_message: impl FnMut(Result<FromWorker, String>, Option<Vec<u8>>) + 'static,
    ) -> Result<Job, String> {
        let worker = Worker::new(WORKER_URL)
            .map_err(|_| "The browser could not start a Web Worker.".to_string())?;
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
            on_message(msg, bytes);
            if last {
                handle.terminate();
            }
        });
        worker.set_onmessage(Some(closure.as_ref().unchecked_ref()));
        Ok(Job {
            worker,
            _on_message: closure,
        })
    }

    /// Stop the job at once.
    pub fn stop(self) {
        self.worker.terminate();
    }
}

/// The one job a screen runs at a time; stopped when a new one starts, on
/// Cancel, and when the screen goes away.
#[derive(Clone, Copy)]
pub struct JobSlot(StoredValue<Option<Job>, LocalStorage>);

impl JobSlot {
    pub fn new() -> Self {
        let slot = JobSlot(StoredValue::new_local(None));
        on_cleanup(move || slot.stop());
        slot
    }

    pub fn stop(&self) {
        self.0.update_value(|j| {
            if let Some(job) = j.take() {
                job.stop();
            }
        })
    }

    /// Run `job` in this slot, stopping the previous one.
    pub fn set(&self, job: Job) {
        self.stop();
        self.0.set_value(Some(job));
    }
}
