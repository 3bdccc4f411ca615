//! The active model: one line above the tasks (what it was trained on and
//! its honest headline figure), and the model view with its full held-out
//! evaluation and the model file's controls.

use leptos::prelude::*;
use mibwatch_core::metrics::Evaluation;

use crate::models::ModelControls;
use crate::report::{ClassTable, ConfusionHeatmap, ImportanceBars, pct};
use crate::state::AppState;
use crate::tasks::MODEL;

/// The active model in one line: its source, its data, and its time-ordered
/// accuracy beside the trivial baseline; the full evaluation one click away.
#[component]
pub fn ModelLine() -> impl IntoView {
    let state = AppState::get();
    let m = move || state.model.get();
    view! {
        <p class="model-line" data-testid="model-line">
            <span class="ml-label">"Model"</span>
            <span class="ml-source" data-testid="model-source" title=move || m().source.clone()>
                {move || m().source.clone()}
            </span>
            <span class="ml-figure" data-testid="model-headline">{move || {
                let m = m();
                match &m.report {
                    Some(r) => format!(
                        "{} rows · {} classes · time-ordered accuracy {} (trivial baseline {})",
                        r.rows,
                        m.classes.len(),
                        pct(r.time_ordered.accuracy),
                        pct(r.time_ordered.majority_accuracy),
                    ),
                    None => match &m.baseline {
                        // A baseline of normal traffic alone: its held-out figure.
                        Some(b) => format!(
                            "normal baseline · {} rows · {} features · held-out false alarms {}",
                            b.calibration.rows,
                            b.features.len(),
                            pct(b.calibration.heldout_rate()),
                        ),
                        None => format!("{} classes · no held-out evaluation", m.classes.len()),
                    },
                }
            }}</span>
            <a class="ml-link" href=format!("#{MODEL}") data-task=MODEL
                aria-current=move || (state.view.get() == MODEL).then_some("page")>
                "Full evaluation"
            </a>
        </p>
    }
}

/// The model view: the model file's controls, then the held-out evaluation.
#[component]
pub fn ModelView() -> impl IntoView {
    view! {
        <section class="card model-file" aria-labelledby="model-file-title">
            <h2 id="model-file-title">"Model file"</h2>
            <p class="hint">
                "The active model is kept in this browser. Download it, load one trained here or by "
                <code>"mibwatch train"</code>", or go back to the embedded default."
            </p>
            <ModelControls/>
        </section>
        <ModelSummary/>
    }
}

/// What the active model is, and how well it did on held-out data: the honest
/// time-ordered figure first, beside its trivial baselines.
#[component]
fn ModelSummary() -> impl IntoView {
    let state = AppState::get();
    let m = move || state.model.get();
    view! {
        <section class="card summary" aria-labelledby="summary-title">
            <h2 id="summary-title">"Active model"</h2>
            <p class="source">{move || m().source.clone()}</p>
            <p>
                {move || {
                    let m = m();
                    format!(
                        "{} over {} inputs (per-second rates; gauges as polled) and the {} features computed from them ({}){}.",
                        m.classifier.as_ref().map_or_else(|| "No classifier".to_string(), |c| {
                            let d = c.describe();
                            d[..1].to_uppercase() + &d[1..]
                        }),
                        m.inputs.len(),
                        m.features.len(),
                        m.feature_set.name(),
                        m.report.as_ref().map_or_else(String::new, |r| format!(", trained on {} rows", r.rows)),
                    )
                }}
            </p>
            <p class="classes" data-testid="model-classes">
                "Classes: "
                {move || m().classes.join(", ")}
            </p>
            <table class="metrics" data-testid="model-metrics" tabindex="0">
                <thead>
                    <tr>
                        <th scope="col">"Held-out evaluation"</th>
                        <th scope="col">"Accuracy"</th>
                        <th scope="col">"Macro F1"</th>
                        <th scope="col">"Normal vs attack"</th>
                        <th scope="col">"Balanced"</th>
                        <th scope="col">"Detection"</th>
                        <th scope="col">"False alarms"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || m().report.clone().map(|r| {
                        let t = &r.time_ordered;
                        view! {
                            <EvalRow name="Time-ordered (last 30% of each capture)" class="" testid="time-ordered-row" eval=t.clone()/>
                            {r.by_session.clone().map(|e| view! {
                                <EvalRow name="Whole capture sessions held out" class="" testid="by-session-row" eval=e/>
                            })}
                            <tr class="baseline">
                                <th scope="row">"Trivial baseline (majority class / always attack)"</th>
                                <td>{pct(t.majority_accuracy)}</td>
                                <td>"–"</td>
                                <td>{pct(t.binary.always_attack_accuracy)}</td>
                                <td>"50.0%"</td>
                                <td>"100.0%"</td>
                                <td>"100.0%"</td>
                            </tr>
                            <EvalRow name="Random split (leaks the capture session)" class="leaky" testid="random-row" eval=r.random.clone()/>
                        }
                    })}
                </tbody>
            </table>
            {move || m().report.as_ref().and_then(|r| r.session_caveat()).map(|c| view! { <p class="note caveat" data-testid="session-caveat">{c}</p> })}
            <details class="model-details" open>
                <summary>"Per-class figures, confusion matrix and feature importance"</summary>
                {move || {
                    let m = m();
                    m.report.clone().map(|r| view! {
                        <div class="report-grid">
                            <ConfusionHeatmap eval=r.time_ordered.clone() title="Time-ordered held-out confusion matrix".to_string()/>
                            <div>
                                <ClassTable eval=r.time_ordered.clone()/>
                                <ImportanceBars features=m.features.clone() importance=r.importance.clone()/>
                            </div>
                        </div>
                    })
                }}
            </details>
            <p class="note">
                "Each class of the training data was captured in one session on one transit router. "
                "The time-ordered figure is the honest one; the random split flatters the model. "
                "Low-rate attacks (slowloris, slowpost) barely move a router's counters and are often "
                "confused with normal traffic. Counters from a host rather than a router look different: "
                "retrain on your own data for them."
            </p>
        </section>
    }
}

/// One held-out evaluation as a table row, binary figures included.
#[component]
fn EvalRow(
    name: &'static str,
    class: &'static str,
    testid: &'static str,
    eval: Evaluation,
) -> impl IntoView {
    let b = &eval.binary;
    view! {
        <tr class=class data-testid=testid>
            <th scope="row">{name}</th>
            <td data-testid=format!("{testid}-accuracy")>{pct(eval.accuracy)}</td>
            <td>{format!("{:.2}", eval.macro_f1)}</td>
            <td>{pct(b.accuracy)}</td>
            <td>{pct(b.balanced_accuracy)}</td>
            <td>{pct(b.detection_rate)}</td>
            <td>{pct(b.false_alarm_rate)}</td>
        </tr>
    }
}
