use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model::{self, Model};

use crate::batch::Batch;
use crate::models::ModelControls;
use crate::predict::PredictForm;
use crate::retrain::Retrain;
use crate::storage;
use crate::summary::ModelSummary;
use crate::verdict::{Timing, TimingLine};

/// The embedded default model, built by `make model` (`mibwatch train`).
static DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.mwm");

#[component]
pub fn App() -> impl IntoView {
    let model = match model::decode(DEFAULT_MODEL) {
        Ok(m) => Arc::new(m),
        Err(e) => {
            return view! {
                <main class="app">
                    <Header/>
                    <p class="error" role="alert">
                        {format!("The embedded model could not be loaded: {e}")}
                    </p>
                </main>
            }
            .into_any();
        }
    };
    let default = model;
    let notice = RwSignal::new(None::<String>);
    let active = match storage::load() {
        storage::Stored::None => default.clone(),
        storage::Stored::Model(m) => Arc::new(*m),
        storage::Stored::Corrupt(why) => {
            notice.set(Some(format!(
                "The model kept in this browser could not be read ({why}); using the embedded default model."
            )));
            default.clone()
        }
    };
    let model: RwSignal<Arc<Model>> = RwSignal::new(active);
    let timing = RwSignal::new(None::<Timing>);
    view! {
        <main class="app">
            <Header/>
            <ModelSummary model=model/>
            <section class="card" aria-label="Models">
                <ModelControls model=model notice=notice default=default/>
            </section>
            // The form follows the active model's inputs: rebuilt when it changes.
            {move || {
                let _ = model.get();
                view! { <PredictForm model=model timing=timing/> }
            }}
            <Batch model=model/>
            <Retrain model=model notice=notice/>
            <footer class="footer">
                <p>"Runs entirely in your browser: no data leaves this machine."</p>
                <p><TimingLine timing=timing/></p>
            </footer>
        </main>
    }
    .into_any()
}

#[component]
fn Header() -> impl IntoView {
    view! {
        <header class="header">
            <h1>"mibwatch"</h1>
            <p class="tagline">"Network-traffic anomaly detection from SNMP MIB counters"</p>
        </header>
    }
}
