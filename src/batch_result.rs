//! The results of scoring a whole file: class counts, the anomaly
//! probability over the file, and when the model has a baseline of normal
//! traffic, the anomaly score over time with its alarm events shaded, the
//! inputs most often outside their normal bands, the events and the
//! verdicts against the file's labels (false alarms beside detection);
//! the rows with their reasons and the scored CSV to download.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::score::{LISTED_ROWS, ScoreSummary};

use crate::browser;
use crate::report::{ConfusionHeatmap, pct, share};

#[component]
pub fn BatchResult(
    summary: Arc<ScoreSummary>,
    csv: Arc<Vec<u8>>,
    filter: RwSignal<String>,
) -> impl IntoView {
    let s = summary.clone();
    let rate = s.rows as f64 / (s.score_ms / 1000.0).max(1e-9);
    let counts = s
        .classes
        .iter()
        .zip(&s.counts)
        .map(|(c, n)| view! { <li><strong>{c.clone()}</strong>{format!(": {n}")}</li> })
        .collect_view();
    let unfamiliar = (s.unfamiliar > 0).then(|| {
        view! {
            <p class="guard-warning" role="note" data-testid="batch-unfamiliar">{format!(
                "{} of {} rows ({}) are unlike anything the model was trained on (likely another kind of device or vantage point); their verdicts mean little. Retrain on labelled data from your own network.",
                s.unfamiliar, s.rows, share(s.unfamiliar, s.rows))}</p>
        }
    });
    let wraps = s.wraps.map(|w| {
        format!(
            " Counters → rates: {w} wraps handled, {} resets dropped.",
            s.resets.unwrap_or(0)
        )
    });
    let accuracy = s.evaluation.as_ref().map(|e| {
        view! {
            <p data-testid="batch-accuracy">{format!(
                "Against the file's labels: accuracy {}, macro-F1 {:.2}, balanced normal-vs-attack {} (a fair test only for rows the model was not trained on).",
                pct(e.accuracy), e.macro_f1, pct(e.binary.balanced_accuracy))}</p>
        }
    });
    let confusion = s.evaluation.clone().map(|e| {
        view! { <ConfusionHeatmap eval=e title="Scored file against its labels".to_string()/> }
    });
    let classes = s.classes.clone();
    let s2 = s.clone();
    let rows = move || {
        let f = filter.get();
        s2.listed
            .iter()
            .filter(|r| f.is_empty() || r.class.is_some_and(|c| s2.classes[c] == f))
            .take(LISTED_ROWS)
            .map(|r| {
                let reasons = r
                    .reasons
                    .iter()
                    .map(|(n, d)| format!("{n} {:+.0}", d * 100.0))
                    .collect::<Vec<_>>()
                    .join(", ");
                view! {
                    <tr>
                        <td>{r.row}</td>
                        <td>{r.class.map(|c| s2.classes[c].clone()).unwrap_or_default()}</td>
                        <td>{format!("{:.2}", r.p_anomalous)}</td>
                        <td>{if r.unfamiliar { "unfamiliar" } else { "" }}</td>
                        <td class="reasons-cell">{reasons}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let download = move |_| browser::download("scored.csv", &csv);
    view! {
        <div class="batch-result" data-testid="batch-result">
            <div class="result-head">
                <p data-testid="batch-summary">{format!(
                    "Scored {} rows in {:.2} s ({:.0} rows/s; reading the file took {:.2} s more).{}",
                    s.rows, s.score_ms / 1000.0, rate, s.read_ms / 1000.0, wraps.unwrap_or_default())}</p>
                <button type="button" class="primary" data-testid="batch-download" on:click=download>"Download scored CSV"</button>
            </div>
            <ul class="counts" data-testid="batch-counts" aria-label="Rows per predicted class">{counts}</ul>
            {accuracy}
            {unfamiliar}
            {s.baseline.then(|| view! { <BaselineResult summary=s.clone()/> })}
            <Timeline summary=s.clone()/>
            <h3 class="rows-title">"Rows and their reasons"</h3>
            <label class="filter">
                "Show class "
                <select data-testid="batch-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">"(all)"</option>
                    {classes.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                </select>
            </label>
            <div class="head-scroll" role="region" aria-label="Scored rows" tabindex="0">
                <table class="metrics rows-table" data-testid="batch-rows">
                    <thead><tr>
                        <th scope="col">"Row"</th><th scope="col">"Class"</th><th scope="col">"P(anomalous)"</th>
                        <th scope="col">"Guard"</th><th scope="col" class="reasons-head">"Top reasons (Δ points)"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="hint">{format!(
                "The table lists the first {LISTED_ROWS} rows of the file, or of the chosen class; the download has all {} rows.", s.rows)}</p>
            {confusion}
        </div>
    }
}

/// Anomaly probability over the file (the highest of each bucket of rows),
/// with anomalous stretches (p > 0.5) shaded.
#[component]
fn Timeline(summary: Arc<ScoreSummary>) -> impl IntoView {
    let (w, h) = (800.0, 120.0);
    let pts = &summary.timeline;
    let n = pts.len().max(1) as f64;
    let x = |i: usize| i as f64 / n * w;
    let y = |p: f64| h - p * (h - 10.0) - 5.0;
    let line: String = pts
        .iter()
        .enumerate()
        .map(|(i, (_, p))| format!("{:.1},{:.1}", x(i), y(*p)))
        .collect::<Vec<_>>()
        .join(" ");
    let shade = pts
        .iter()
        .enumerate()
        .filter(|(_, (_, p))| *p > 0.5)
        .map(|(i, _)| view! { <rect x=x(i) y="0" width=(w / n).max(1.0) height=h class="tl-shade"></rect> })
        .collect_view();
    view! {
        <figure class="timeline" data-testid="batch-timeline">
            <svg viewBox=format!("0 0 {w} {h}") preserveAspectRatio="none" role="img"
                aria-label="Probability that each stretch of rows is not normal traffic, in file order">
                {shade}
                <line x1="0" x2=w y1=y(0.5) y2=y(0.5) class="tl-half"></line>
                <polyline points=line class="tl-line"></polyline>
            </svg>
            <figcaption>"P(anomalous) over the file, in row order; shaded: above 0.5."</figcaption>
        </figure>
    }
}

/// What the baseline of normal traffic says about the file: the verdicts
/// against its labels, the anomaly score over time with the alarm events
/// shaded, the inputs most often outside their bands, and the events.
#[component]
fn BaselineResult(summary: Arc<ScoreSummary>) -> impl IntoView {
    let s = summary;
    let events = s.events.len();
    let head = format!(
        "The baseline of normal traffic: {} of {} polls outside the normal bands ({}), {} alarm event{}.",
        s.anomalous,
        s.rows,
        share(s.anomalous, s.rows),
        events,
        if events == 1 { "" } else { "s" }
    );
    // Detection is never shown without the false alarms beside it.
    let verdicts = s.verdicts.as_ref().map(|v| {
        let (normal, other) = s.labelled.unwrap_or((0, 0));
        view! {
            <p class="verdicts" data-testid="batch-verdicts">
                "Against the file's labels: "
                <strong>{format!("false alarms {}", pct(v.false_alarm_rate))}</strong>
                {format!(" of {normal} normal polls · detection {} of {other} others · balanced {}.",
                    pct(v.detection_rate), pct(v.balanced_accuracy))}
            </p>
        }
    });
    let reasons = (!s.top_reasons.is_empty()).then(|| {
        let items = s
            .top_reasons
            .iter()
            .map(|r| {
                view! {
                    <li>
                        <strong>{format!("{} {}", r.input, r.side)}</strong>
                        {format!(" in {} alarm polls; the most: {} (row {}).", r.polls, r.worst, r.worst_row)}
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>"Top reasons"</h3>
            <ol class="top-reasons" data-testid="batch-top-reasons">{items}</ol>
        }
    });
    let listed = s.event_spans.len();
    let event_rows = s
        .event_spans
        .iter()
        .map(|e| {
            view! {
                <tr>
                    <td>{format!("{}–{}", e.first_row, e.last_row)}</td>
                    <td>{e.end - e.start}</td>
                    <td>{format!("{:.2}", e.peak)}</td>
                    <td>{e.label.clone().unwrap_or_default()}</td>
                    <td class="reasons-cell">{e.deviating.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let has_labels = s.event_spans.iter().any(|e| e.label.is_some());
    view! {
        <div class="baseline-result" data-testid="batch-baseline">
            <p data-testid="batch-baseline-summary">{head}</p>
            {verdicts}
            <ScoreTimeline summary=s.clone()/>
            {reasons}
            {(listed > 0).then(|| view! {
                <details class="events">
                    <summary>{if listed < events {
                        format!("Alarm events (the first {listed} of {events})")
                    } else {
                        format!("Alarm events ({events})")
                    }}</summary>
                    <div class="head-scroll" role="region" aria-label="Alarm events" tabindex="0">
                        <table class="metrics" data-testid="batch-events">
                            <thead><tr>
                                <th scope="col">"Rows"</th><th scope="col">"Polls"</th><th scope="col">"Peak score"</th>
                                <th scope="col">{if has_labels { "Labelled" } else { "" }}</th>
                                <th scope="col" class="reasons-head">"Deviating at the peak"</th>
                            </tr></thead>
                            <tbody>{event_rows}</tbody>
                        </table>
                    </div>
                </details>
            })}
        </div>
    }
}

/// The anomaly score over the file (the highest of each bucket of rows),
/// alarm events shaded.
#[component]
fn ScoreTimeline(summary: Arc<ScoreSummary>) -> impl IntoView {
    let (w, h) = (800.0, 140.0);
    let pts = &summary.score_timeline;
    let rows = summary.rows.max(1) as f64;
    let top = pts
        .iter()
        .map(|p| p.1)
        .fold(0.0f64, f64::max)
        .max(1.0)
        .ceil();
    let x = |row: usize| row as f64 / rows * w;
    let y = |v: f64| h - v / top * (h - 12.0) - 6.0;
    let bucket = pts.get(1).map_or(1, |p| p.0).max(1);
    let line: String = pts
        .iter()
        .map(|(i, v)| format!("{:.1},{:.1}", x(*i + bucket / 2), y(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    let shade = summary
        .events
        .iter()
        .map(|&(a, b)| {
            view! { <rect x=x(a) y="0" width=(x(b) - x(a)).max(1.0) height=h class="tl-event"></rect> }
        })
        .collect_view();
    view! {
        <figure class="timeline" data-testid="batch-score-timeline">
            <svg viewBox=format!("0 0 {w} {h}") preserveAspectRatio="none" role="img"
                aria-label=format!("Anomaly score over the file, in row order, from 0 to {top}; {} alarm events shaded", summary.events.len())>
                {shade}
                <line x1="0" x2=w y1=y(0.0) y2=y(0.0) class="tl-half"></line>
                <polyline points=line class="tl-score"></polyline>
            </svg>
            <figcaption>{format!(
                "Anomaly score over the file, in row order (0: inside the normal bands; 1: ten times beyond; top {top}); shaded: alarm events of the baseline's rule.")}</figcaption>
        </figure>
    }
}
