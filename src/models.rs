//! Keep, export and restore models: load a model file, download the active
//! model, revert to the embedded default. Every change of the active model
//! goes through [`activate`], which stores it first.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model::{self, Model};

use crate::{browser, storage, upload};

/// Make `m` the active model and keep it in the browser. A storage error is
/// reported in `notice`; the model is then active for this session only.
pub fn activate(
    model: RwSignal<Arc<Model>>,
    notice: RwSignal<Option<String>>,
    m: Arc<Model>,
    bytes: &[u8],
) {
    match storage::save(bytes) {
        Ok(()) => notice.set(None),
        Err(e) => notice.set(Some(format!(
            "Could not keep the model in this browser: {e}."
        ))),
    }
    model.set(m);
}

#[component]
pub fn ModelControls(
    model: RwSignal<Arc<Model>>,
    notice: RwSignal<Option<String>>,
    default: Arc<Model>,
) -> impl IntoView {
    let on_file = move |ev: leptos::ev::Event| {
        let Some(f) = upload::chosen_file(&ev) else {
            return;
        };
        // Clear the input so that choosing the same file again loads it again.
        let input: web_sys::HtmlInputElement = event_target(&ev);
        input.set_value("");
        upload::read_file(
            f,
            |_, _| {},
            move |name, bytes| match bytes {
                Err(e) => notice.set(Some(e)),
                Ok(bytes) => match model::decode(&bytes) {
                    Ok(m) => activate(model, notice, Arc::new(m), &bytes),
                    Err(e) => {
                        notice.set(Some(format!("{name}: {e} The active model is unchanged.")))
                    }
                },
            },
        )
    };
    let download = move |_| match model::encode(&model.get_untracked()) {
        Ok(bytes) => browser::download("mibwatch-model.mwm", &bytes),
        Err(e) => notice.set(Some(e.to_string())),
    };
    let revert = move |_| {
        storage::clear();
        notice.set(None);
        model.set(default.clone());
    };
    view! {
        <div class="model-controls">
            <label class="button-like">
                "Load model file…"
                <input type="file" accept=".mwm,application/octet-stream" class="visually-hidden"
                    data-testid="model-file" on:change=on_file/>
            </label>
            <button type="button" data-testid="model-download" on:click=download>"Download active model"</button>
            <button type="button" data-testid="model-revert" on:click=revert>"Use the default model"</button>
        </div>
        {move || notice.get().map(|n| view! { <p class="notice error" role="alert" data-testid="model-notice">{n}</p> })}
    }
}
