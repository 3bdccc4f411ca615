//! What one can do on the page, and which of it is on screen. Each task is
//! one entry of [`TASKS`]: its id in the URL (`#score`), its title and one
//! line, and its panel. Every panel stays mounted (a hidden task keeps its
//! file, settings and results); the URL's fragment names the one shown, and
//! a fragment that names no task is a sample link (`#ifInOctets11=…&…`),
//! which opens the sample task with that sample.

use leptos::prelude::*;

use crate::batch::Batch;
use crate::browser;
use crate::learn::LearnNormal;
use crate::predict::SampleTask;
use crate::retrain::Retrain;
use crate::state::AppState;
use crate::summary::ModelView;

/// One task of the page.
pub struct Task {
    /// Its name in the URL's fragment.
    pub id: &'static str,
    pub title: &'static str,
    /// One line under the title in the task list.
    pub blurb: &'static str,
    pub panel: fn() -> AnyView,
}

pub const SCORE: &str = "score";
pub const SAMPLE: &str = "sample";
/// The active model's full evaluation and its file (not a task of the list:
/// the model line above the tasks links to it).
pub const MODEL: &str = "model";
/// The task of a page opened without a fragment.
pub const DEFAULT: &str = SCORE;

/// The tasks, in the order the page lists them.
pub static TASKS: &[Task] = &[
    Task {
        id: SCORE,
        title: "Score an export",
        blurb: "Drop a CSV from your monitoring: every poll gets a verdict and its reasons.",
        panel: || view! { <Batch/> }.into_any(),
    },
    Task {
        id: "retrain",
        title: "Retrain on your data",
        blurb: "Train a forest on labelled counters from your own network.",
        panel: || view! { <Retrain/> }.into_any(),
    },
    Task {
        id: "learn",
        title: "Learn your normal",
        blurb: "Fit normal bands from an export of your ordinary traffic; no labels needed.",
        panel: || view! { <LearnNormal/> }.into_any(),
    },
    Task {
        id: SAMPLE,
        title: "Check one sample",
        blurb: "Type or paste one poll's rates and see the verdict as you type.",
        panel: || view! { <SampleTask/> }.into_any(),
    },
];

/// The view a URL fragment asks for, and the sample link it holds if any.
fn route(fragment: &str) -> (&'static str, Option<String>) {
    let f = fragment.trim_start_matches('#');
    if f.is_empty() {
        return (DEFAULT, None);
    }
    if f == MODEL {
        return (MODEL, None);
    }
    match TASKS.iter().find(|t| t.id == f) {
        Some(t) => (t.id, None),
        None => (SAMPLE, Some(f.to_string())),
    }
}

/// Show what the page's URL names, now and whenever its fragment changes.
pub fn follow_the_url(state: AppState) {
    let go = move || {
        let (view, link) = route(&browser::location_hash());
        if link.is_some() {
            state.sample_link.set(link);
        }
        state.view.set(view);
    };
    go();
    let listener = window_event_listener(leptos::ev::hashchange, move |_| go());
    on_cleanup(move || listener.remove());
}

/// The list of tasks: links, so that each task has its own URL.
#[component]
pub fn TaskList() -> impl IntoView {
    let state = AppState::get();
    let items = TASKS
        .iter()
        .map(|t| {
            let id = t.id;
            view! {
                <li>
                    <a class="task-link" href=format!("#{id}") data-task=id
                        aria-current=move || (state.view.get() == id).then_some("page")>
                        <span class="task-title">{t.title}</span>
                        <span class="task-blurb">{t.blurb}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="tasks" aria-label="Tasks">
            <ul>{items}</ul>
        </nav>
    }
}

/// Every task's panel and the model view, all mounted, one shown.
#[component]
pub fn Panels() -> impl IntoView {
    let state = AppState::get();
    let panel = move |id: &'static str, content: AnyView| {
        view! {
            <div class="panel" id=format!("task-{id}") data-panel=id hidden=move || state.view.get() != id>
                {content}
            </div>
        }
    };
    let tasks = TASKS
        .iter()
        .map(|t| panel(t.id, (t.panel)()))
        .collect_view();
    view! {
        {tasks}
        {panel(MODEL, view! { <ModelView/> }.into_any())}
    }
}
