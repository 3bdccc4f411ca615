use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model::Model;

use crate::report::{ClassTable, ConfusionHeatmap, ImportanceBars};

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// What the active model is, and how well it did on held-out data: the honest
/// time-ordered figure first, beside its trivial baselines.
#[component]
pub fn ModelSummary(model: RwSignal<Arc<Model>>) -> impl IntoView {
    let m = move || model.get();
    view! {
        <section class="card summary" aria-labelledby="summary-title">
            <h2 id="summary-title">"Active model"</h2>
            <p class="source" data-testid="model-source">{move || m().source.clone()}</p>
            <p>
                {move || {
                    let m = m();
                    format!(
                        "{} trees over {} inputs (per-second rates; gauges as polled) and the {} features computed from them ({}), trained on {} rows.",
                        m.forest.trees.len(),
                        m.inputs.len(),
                        m.features.len(),
                        m.feature_set.name(),
                        m.report.rows,
                    )
                }}
            </p>
            <p class="classes" data-testid="model-classes">
                "Classes: "
                {move || m().classes.join(", ")}
            </p>
            <table class="metrics" data-testid="model-metrics">
                <thead>
                    <tr>
                        <th scope="col">"Held-out evaluation"</th>
                        <th scope="col">"Accuracy"</th>
                        <th scope="col">"Macro F1"</th>
                        <th scope="col">"Normal vs attack"</th>
                        <th scope="col">"Balanced"</th>
                    </tr>
                </thead>
                <tbody>
                    <tr data-testid="time-ordered-row">
                        <th scope="row">"Time-ordered (last 30% of each capture)"</th>
                        <td data-testid="time-ordered-accuracy">
                            {move || pct(m().report.time_ordered.accuracy)}
                        </td>
                        <td>{move || format!("{:.2}", m().report.time_ordered.macro_f1)}</td>
                        <td>{move || pct(m().report.time_ordered.binary.accuracy)}</td>
                        <td>{move || pct(m().report.time_ordered.binary.balanced_accuracy)}</td>
                    </tr>
                    {move || m().report.by_session.clone().map(|e| view! {
                        <tr data-testid="by-session-row">
                            <th scope="row">"Whole capture sessions held out"</th>
                            <td>{pct(e.accuracy)}</td>
                            <td>{format!("{:.2}", e.macro_f1)}</td>
                            <td>{pct(e.binary.accuracy)}</td>
                            <td>{pct(e.binary.balanced_accuracy)}</td>
                        </tr>
                    })}
                    <tr class="baseline">
                        <th scope="row">"Trivial baseline"</th>
                        <td>{move || pct(m().report.time_ordered.majority_accuracy)}</td>
                        <td>"–"</td>
                        <td>{move || pct(m().report.time_ordered.binary.always_attack_accuracy)}</td>
                        <td>"50.0%"</td>
                    </tr>
                    <tr class="leaky">
                        <th scope="row">"Random split (leaks the capture session)"</th>
                        <td>{move || pct(m().report.random.accuracy)}</td>
                        <td>{move || format!("{:.2}", m().report.random.macro_f1)}</td>
                        <td>{move || pct(m().report.random.binary.accuracy)}</td>
                        <td>{move || pct(m().report.random.binary.balanced_accuracy)}</td>
                    </tr>
                </tbody>
            </table>
            {move || m().report.session_caveat().map(|c| view! { <p class="note caveat" data-testid="session-caveat">{c}</p> })}
            <details class="model-details">
                <summary>"Per-class figures, confusion matrix and feature importance"</summary>
                {move || {
                    let m = m();
                    view! {
                        <div class="report-grid">
                            <ConfusionHeatmap eval=m.report.time_ordered.clone() title="Time-ordered held-out confusion matrix".to_string()/>
                            <div>
                                <ClassTable eval=m.report.time_ordered.clone()/>
                                <ImportanceBars features=m.features.clone() importance=m.report.importance.clone()/>
                            </div>
                        </div>
                    }
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
