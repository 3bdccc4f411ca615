//! Keep, export and restore models: load a model file, download the active
//! model, revert to the embedded default. Every change of the active model
//! goes through [`AppState::activate`], which stores it first.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model;

use crate::browser;
use crate::state::AppState;
use crate::upload::UploadBox;

#[component]
pub fn ModelControls() -> impl IntoView {
    let state = AppState::get();
    let loaded =
        Callback::new(
            move |(name, bytes): (String, Vec<u8>)| match model::decode(&bytes) {
                Ok(m) => state.activate(Arc::new(m), &bytes),
                Err(e) => state
                    .notice
                    .set(Some(format!("{name}: {e} The active model is unchanged."))),
            },
        );
    let refused = Callback::new(move |e: String| state.notice.set(Some(e)));
    let download = move |_| match model::encode(&state.model.get_untracked()) {
        Ok(bytes) => browser::download("mibwatch-model.mwm", &bytes),
        Err(e) => state.notice.set(Some(e.to_string())),
    };
    view! {
        <div class="model-controls">
            <UploadBox testid="model-file" accept=".mwm,application/octet-stream" label="Load model file…"
                compact=true on_file=loaded on_error=refused/>
            <button type="button" data-testid="model-download" on:click=download>"Download active model"</button>
            <button type="button" data-testid="model-revert" on:click=move |_| state.revert()>"Use the default model"</button>
        </div>
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
