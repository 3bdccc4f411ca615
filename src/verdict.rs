//! The verdict for one sample: Normal / Anomalous with the class, a bar per
//! class (share of tree votes), the inputs that drive the prediction, and the
//! inputs outside the training range. All computed by the core.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::explain::{self, Contribution, RangeFlag};
use mibwatch_core::model::{Model, Prediction};
use mibwatch_core::schema::Verdict;

use crate::browser::now_ms;
use crate::report::pct;
use crate::state::AppState;

/// Repetitions when timing one prediction: browsers coarsen their clock.
const TIMING_REPS: usize = 20;

/// Everything shown about one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub row: Vec<f64>,
    pub prediction: Prediction,
    pub contributions: Vec<Contribution>,
    pub flags: Vec<RangeFlag>,
    /// Mean time of one forest prediction, in milliseconds.
    pub predict_ms: f64,
    /// Time of the explanation (one prediction per input), in milliseconds.
    pub explain_ms: f64,
}

impl Analysis {
    pub fn of(model: &Model, row: &[f64]) -> Self {
        let t0 = now_ms();
        let mut prediction = model.predict(row);
        for _ in 1..TIMING_REPS {
            prediction = model.predict(row);
        }
        let t1 = now_ms();
        let contributions = explain::contributions(model, &prediction.features);
        let t2 = now_ms();
        Analysis {
            row: row.to_vec(),
            prediction,
            contributions,
            flags: explain::range_flags(model, row),
            predict_ms: (t1 - t0) / TIMING_REPS as f64,
            explain_ms: t2 - t1,
        }
    }
}

/// Measured cost of the last prediction, for the page footer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub trees: usize,
    pub predict_ms: f64,
    pub explain_ms: f64,
}

/// The footer line with the measured prediction time.
#[component]
pub fn TimingLine() -> impl IntoView {
    let timing = AppState::get().timing;
    move || {
        timing.get().map(|t| {
            view! {
                <span class="timing" data-testid="timing">
                    {format!(
                        "Last prediction: {:.3} ms for {} trees (mean of {TIMING_REPS} runs); explanation {:.2} ms.",
                        t.predict_ms,
                        t.trees,
                        t.explain_ms,
                    )}
                </span>
            }
        })
    }
}

/// Top inputs by |Δ probability| in the explanation chart.
const TOP_REASONS: usize = 8;

#[component]
pub fn VerdictPanel(analysis: Memo<Option<Analysis>>) -> impl IntoView {
    let model = AppState::get().model;
    view! {
        // Scrolls on its own on wide screens: focusable so that the keyboard can scroll it.
        <div class="verdict-panel" role="region" aria-label="Verdict" tabindex="0">
            <div aria-live="polite" aria-atomic="true" data-testid="verdict-panel">
                {move || match analysis.get() {
                    None => view! {
                        <p class="verdict invalid" data-testid="verdict">
                            "Fix the highlighted fields to see a verdict."
                        </p>
                    }
                    .into_any(),
                    Some(a) => verdict_view(&model.get(), &a.prediction).into_any(),
                }}
            </div>
            {move || analysis.get().map(|a| {
                let m = model.get();
                view! {
                    <GuardWarning model=m.clone() analysis=a.clone()/>
                    <RangeWarnings model=m.clone() flags=a.flags.clone()/>
                    <Reasons model=m.clone() analysis=a.clone()/>
                }
            })}
        </div>
    }
}

fn verdict_view(m: &Arc<Model>, p: &Prediction) -> impl IntoView + use<> {
    let (cls, icon) = match p.verdict {
        Verdict::Normal => ("verdict normal", "✓"),
        Verdict::Anomalous => ("verdict anomalous", "⚠"),
    };
    let mut order: Vec<usize> = (0..m.classes.len()).collect();
    order.sort_by(|&a, &b| p.probabilities[b].total_cmp(&p.probabilities[a]));
    let bars = order
        .into_iter()
        .map(|c| {
            let pr = p.probabilities[c];
            let name = m.classes[c].clone();
            let label = name.clone();
            view! {
                <li class="bar" data-class=name data-p=pr.to_string()>
                    <span class="bar-label">{label}</span>
                    <span class="bar-track" aria-hidden="true">
                        <span class="bar-fill" style:width=format!("{:.1}%", pr * 100.0)></span>
                    </span>
                    <span class="bar-value">{pct(pr)}</span>
                </li>
            }
        })
        .collect_view();
    let forest = p.class.map(|c| (m.classes[c].clone(), p.probabilities[c]));
    // The baseline decides; when it finds the row normal and the forest
    // names an attack, both are shown, with what the forest is worth here.
    let disagrees = p.verdict == Verdict::Normal
        && p.baseline.is_some()
        && p.class
            .is_some_and(|c| Verdict::of_class(&m.classes[c]) == Verdict::Anomalous);
    let forest_false_alarms = m
        .report
        .as_ref()
        .map(|r| r.time_ordered.binary.false_alarm_rate);
    view! {
        <p class=cls data-testid="verdict">
            <span aria-hidden="true">{icon}" "</span>
            {p.verdict.label()}
        </p>
        <BaselineLine model=m.clone() prediction=p.clone()/>
        {p.attack.map(|(c, pr)| view! {
            <p class="looks-like" data-testid="looks-like">
                "Looks like "<strong>{m.classes[c].clone()}</strong>
                {format!(" ({} of trees).", pct(pr))}
            </p>
        })}
        {forest.map(|(class, agree)| view! {
            <p class="predicted">
                {if p.baseline.is_some() { "The forest's class: " } else { "Predicted class: " }}
                <strong data-testid="predicted-class">{class}</strong>
                {format!(" ({} of trees agree)", pct(agree))}
            </p>
        })}
        {disagrees.then(|| view! {
            <p class="note" data-testid="forest-disagrees">
                "The forest calls it an attack, but inside your normal bands the baseline of normal traffic decides"
                {forest_false_alarms.map(|f| format!(
                    ": on its own this model's forest raised false alarms on {} of held-out normal rows.",
                    pct(f)
                )).unwrap_or_else(|| ".".into())}
            </p>
        })}
        {(!m.classes.is_empty()).then(|| view! {
            <ul class="bars" aria-label="Class probabilities (share of tree votes)">{bars}</ul>
        })}
    }
}

/// What the baseline of normal traffic says about the sample: the inputs
/// outside their normal bands, in words, or that every input is inside.
#[component]
fn BaselineLine(model: Arc<Model>, prediction: Prediction) -> impl IntoView {
    let (Some(b), Some(s)) = (&model.baseline, &prediction.baseline) else {
        return ().into_any();
    };
    if !s.alarm {
        return view! {
            <p class="baseline-line" data-testid="baseline-normal">
                "Every input is inside its normal band (the baseline of normal traffic)."
            </p>
        }
        .into_any();
    }
    let items = b
        .reasons(s, 3)
        .into_iter()
        .map(|r| view! { <li>{r}</li> })
        .collect_view();
    view! {
        <div class="baseline-line" data-testid="baseline-reasons">
            <p>"Outside your normal:"</p>
            <ul>{items}</ul>
        </div>
    }
    .into_any()
}

/// The verdict in one line, kept in view at the bottom of a phone's screen
/// while the inputs are edited (wide screens show the panel beside the form).
/// A visual echo of the panel's live region, so hidden from screen readers.
#[component]
pub fn VerdictBar(analysis: Memo<Option<Analysis>>) -> impl IntoView {
    let model = AppState::get().model;
    view! {
        <div class="verdict-bar" aria-hidden="true" data-testid="verdict-bar">
            {move || match analysis.get() {
                None => view! { <span class="vb-verdict invalid">"Fix the highlighted fields"</span> }.into_any(),
                Some(a) => {
                    let m = model.get();
                    let p = &a.prediction;
                    let (cls, icon) = match p.verdict {
                        Verdict::Normal => ("vb-verdict normal", "✓"),
                        Verdict::Anomalous => ("vb-verdict anomalous", "⚠"),
                    };
                    let looks = p.attack.map(|(c, pr)| format!("looks like {} · {} of trees", m.classes[c], pct(pr)));
                    let forest = p.class.map(|c| format!("{} · {} of trees", m.classes[c], pct(p.probabilities[c])));
                    view! {
                        <span class=cls>{icon}" "{p.verdict.label()}</span>
                        <span class="vb-class">{format!(
                            "{}{}",
                            looks.or(forest).unwrap_or_default(),
                            if p.guard.unfamiliar { " · unfamiliar traffic" } else { "" },
                        )}</span>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}

/// The unfamiliar-traffic warning: too many features outside their training ranges.
#[component]
fn GuardWarning(model: Arc<Model>, analysis: Analysis) -> impl IntoView {
    let g = &analysis.prediction.guard;
    g.unfamiliar.then(|| {
        let names: Vec<String> = g.outside.iter().take(6).map(|&j| model.features[j].clone()).collect();
        let more = g.outside.len().saturating_sub(names.len());
        view! {
            <div class="guard-warning" role="alert" data-testid="guard-warning">
                <p><strong>"Unfamiliar traffic: "</strong>
                    {format!(
                        "{} of {} features lie outside anything this model was trained on ({}{}).",
                        g.outside.len(),
                        model.features.len(),
                        names.join(", "),
                        if more > 0 { format!(", and {more} more") } else { String::new() },
                    )}
                </p>
                <p>
                    "This looks like another kind of device or vantage point than the training data ("
                    {model.source.clone()}
                    "), so the verdict above means little. Retrain on labelled counters from your own network."
                </p>
            </div>
        }
    })
}

#[component]
fn RangeWarnings(model: Arc<Model>, flags: Vec<RangeFlag>) -> impl IntoView {
    (!flags.is_empty()).then(|| {
        let items = flags
            .iter()
            .map(|f| view! { <li>{f.message(&model.inputs[f.feature])}</li> })
            .collect_view();
        view! {
            <div class="range-warnings" role="note" data-testid="range-warnings">
                <p><strong>"Outside the training data: "</strong>
                    {format!("{} input(s) lie outside the range this model was trained on.", flags.len())}
                </p>
                <ul>{items}</ul>
            </div>
        }
    })
}

#[component]
fn Reasons(model: Arc<Model>, analysis: Analysis) -> impl IntoView {
    let class = analysis
        .prediction
        .class
        .map_or_else(String::new, |c| model.classes[c].clone());
    let top: Vec<&Contribution> = analysis.contributions.iter().take(TOP_REASONS).collect();
    let scale = top
        .iter()
        .map(|c| c.delta.abs())
        .fold(0.0, f64::max)
        .max(1e-9);
    let rows = top
        .iter()
        .map(|c| {
            let name = model.features[c.feature].clone();
            let label = name.clone();
            let width = c.delta.abs() / scale * 50.0;
            // CSSOM properties, not a style attribute: the page's CSP has no
            // 'unsafe-inline' for styles.
            let (cls, left) = if c.delta >= 0.0 {
                ("reason-fill pos", 50.0)
            } else {
                ("reason-fill neg", 50.0 - width)
            };
            view! {
                <li class="reason" data-feature=name>
                    <span class="reason-label">{label}</span>
                    <span class="reason-track" aria-hidden="true">
                        <span
                            class=cls
                            style:left=format!("{left:.1}%")
                            style:width=format!("{width:.1}%")
                        ></span>
                    </span>
                    <span class="reason-value">{format!("{:+.0} pts", c.delta * 100.0)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="reasons" data-testid="reasons">
            <h3>"Why " {class}</h3>
            {if top.is_empty() {
                view! { <p class="hint">"Every input is at its training median: nothing to explain."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">
                        "Change in the probability of this class when a feature is set to its training median "
                        "(+: the value supports this class, −: it argues against it). Mix features such as bytesPerPktIn are computed from the inputs."
                    </p>
                    <ul class="reason-list">{rows}</ul>
                }
                .into_any()
            }}
        </div>
    }
}
