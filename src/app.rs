//! The page: what the app does in one sentence, the tasks, the active model
//! in one line, and the task on screen. State lives in [`AppState`],
//! provided here as context.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model;

use crate::models::ModelNotice;
use crate::state::AppState;
use crate::summary::ModelLine;
use crate::tasks::{self, Panels, TaskList};
use crate::verdict::TimingLine;

/// The embedded default model, built by `make model` (`mibwatch train`).
static DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.mwm");

#[component]
pub fn App() -> impl IntoView {
    let default = match model::decode(DEFAULT_MODEL) {
        Ok(m) => Arc::new(m),
        Err(e) => {
            return view! {
                <div class="app">
                    <Header/>
                    <main>
                        <p class="error" role="alert">
                            {format!("The embedded model could not be loaded: {e}")}
                        </p>
                    </main>
                </div>
            }
            .into_any();
        }
    };
    let state = AppState::new(default);
    provide_context(state);
    tasks::follow_the_url(state);
    view! {
        <div class="app">
            <Header/>
            <main>
                <Panels/>
            </main>
            <footer class="footer">
                <p>"Runs entirely in your browser: no data leaves this machine."</p>
                <p hidden=move || state.view.get() != tasks::SAMPLE><TimingLine/></p>
            </footer>
        </div>
    }
    .into_any()
}

/// What the app does, what one can do with it, and the model it uses.
#[component]
fn Header() -> impl IntoView {
    let with_state = use_context::<AppState>().is_some();
    view! {
        <header class="top">
            <div class="brand">
                <h1>"mibwatch"</h1>
                <p class="tagline">
                    "Checks SNMP counter exports for network attacks with a random forest over MIB-II rates, "
                    "entirely in your browser: no data leaves this machine."
                </p>
            </div>
            {with_state.then(|| view! {
                <TaskList/>
                <ModelLine/>
                <ModelNotice/>
            })}
        </header>
    }
}
