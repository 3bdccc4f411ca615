use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::metrics::Evaluation;
use mibwatch_core::model::Model;

use crate::report::{ClassTable, ConfusionHeatmap, ImportanceBars, pct};

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
            <details class="model-details">
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
