//! Keep, export and restore models: load a model file, download the active
//! model, revert to the embedded default. Every change of the active model
//! goes through [`AppState::activate`], which stores it first.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model::{self, format::MAGIC, onnx as model_onnx};

use crate::browser;
use crate::onnx_import::{OnnxImport, PendingOnnx};
use crate::state::AppState;
use crate::upload::UploadBox;

#[component]
pub fn ModelControls() -> impl IntoView {
    let state = AppState::get();
    let pending = RwSignal::new(None::<PendingOnnx>);
    // A mibwatch model file is used at once; an ONNX tree ensemble waits
    // for a sample of traffic in the import panel.
    let loaded = Callback::new(move |(name, bytes): (String, Vec<u8>)| {
        if bytes.starts_with(MAGIC) {
            pending.set(None);
            match model::decode(&bytes) {
                Ok(m) => state.activate(Arc::new(m), &bytes),
                Err(e) => state
                    .notice
                    .set(Some(format!("{name}: {e} The active model is unchanged."))),
            }
            return;
        }
        match mibwatch_core::onnx::import(&bytes) {
            Ok(imported) => {
                state.notice.set(None);
                pending.set(Some(PendingOnnx {
                    name,
                    bytes: Arc::new(bytes),
                    description: imported.description,
                }))
            }
            Err(e @ mibwatch_core::onnx::OnnxError::Decode(_)) => state.notice.set(Some(format!(
                "{name}: neither a mibwatch model file nor an ONNX tree ensemble ({e}). The active model is unchanged."
            ))),
            Err(e) => state.notice.set(Some(format!(
                "{name}: {}. The active model is unchanged.",
                e.to_string().trim_end_matches('.')
            ))),
        }
    });
    let refused = Callback::new(move |e: String| state.notice.set(Some(e)));
    let download = move |_| match model::encode(&state.model.get_untracked()) {
        Ok(bytes) => browser::download("mibwatch-model.mwm", &bytes),
        Err(e) => state.notice.set(Some(e.to_string())),
    };
    let download_onnx = move |_| match model_onnx::to_onnx(&state.model.get_untracked()) {
        Ok(bytes) => browser::download("mibwatch-model.onnx", &bytes),
        Err(e) => state
            .notice
            .set(Some(format!("This model cannot be written as ONNX: {e}"))),
    };
    view! {
        <div class="model-controls">
            <UploadBox testid="model-file" accept=".mwm,.onnx,application/octet-stream" label="Load model file (.mwm or ONNX)…"
                compact=true on_file=loaded on_error=refused/>
            <button type="button" data-testid="model-download" on:click=download>"Download active model"</button>
            <button type="button" data-testid="model-download-onnx" on:click=download_onnx>"Download as ONNX"</button>
            <button type="button" data-testid="model-revert" on:click=move |_| state.revert()>"Use the default model"</button>
        </div>
        <OnnxImport pending=pending/>
    }
}

/// A message about the models kept in this browser, shown above every task.
#[component]
pub fn ModelNotice() -> impl IntoView {
    let state = AppState::get();
    move || {
        state.notice.get().map(
            |n| view! { <p class="notice error" role="alert" data-testid="model-notice">{n}</p> },
        )
    }
}
