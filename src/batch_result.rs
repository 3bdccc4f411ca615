//! The results of scoring a whole file: class counts, the anomaly
//! probability over the file, the rows with their reasons and the scored
//! CSV to download.

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
