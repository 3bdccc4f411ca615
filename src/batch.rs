//! Score a whole file with the active model, in the worker: raw counter
//! exports or per-second rates, a timeline of the anomaly probability, a
//! table of rows with their top reasons, class counts, accuracy against the
//! file's labels when it has them, and the scored CSV to download.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::capture::{Capture, Values};
use mibwatch_core::columns::{self, Understood};
use mibwatch_core::ingest::{self, Preview};
use mibwatch_core::model;
use mibwatch_core::params::POLL_INTERVAL;
use mibwatch_core::protocol::{FromWorker, ScoreRequest, ToWorker};
use mibwatch_core::schema::LABEL_COLUMN;
use mibwatch_core::score::{Fill, LISTED_ROWS, ScoreOptions, ScoreSummary, missing_inputs};

use crate::browser;
use crate::jobs::{Job, JobSlot};
use crate::report::{ConfusionHeatmap, pct, share};
use crate::state::AppState;
use crate::upload::UploadBox;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Scoring {
        done: usize,
        total: usize,
    },
    Done {
        summary: Arc<ScoreSummary>,
        csv: Arc<Vec<u8>>,
    },
    Failed(String),
}

/// A file chosen for scoring: its preview and what its columns mean.
#[derive(Debug, Clone, PartialEq)]
struct Chosen {
    name: String,
    preview: Preview,
    understood: Understood,
}

#[component]
pub fn Batch() -> impl IntoView {
    let model = AppState::get().model;
    let file = StoredValue::new_local(None::<Vec<u8>>);
    let chosen = RwSignal::new(None::<Chosen>);
    let reading = RwSignal::new(false);
    let status = RwSignal::new(Status::Idle);
    let running = JobSlot::new();
    let kind = RwSignal::new("rates".to_string());
    let interval = RwSignal::new("15".to_string());
    let time_col = RwSignal::new(String::new());
    let fill = RwSignal::new("refuse".to_string());
    let fill_value = RwSignal::new("0".to_string());
    let filter = RwSignal::new(String::new());

    let stop = move || running.stop();

    let loaded = Callback::new(move |(name, bytes): (String, Vec<u8>)| {
        match ingest::preview(&bytes, &name, 0) {
            Ok(p) => {
                // The core reads the file's columns: label, time, session.
                let understood = columns::understand(&p, Some(LABEL_COLUMN));
                time_col.set(understood.time.clone().unwrap_or_default());
                chosen.set(Some(Chosen {
                    name,
                    preview: p,
                    understood,
                }));
                file.set_value(Some(bytes));
                status.set(Status::Idle);
            }
            Err(e) => status.set(Status::Failed(e.to_string())),
        }
    });
    let refused = Callback::new(move |e: String| status.set(Status::Failed(e)));

    let missing = move || {
        let m = model.get();
        chosen
            .get()
            .map(|c| {
                let mut cols: Vec<String> =
                    c.preview.columns.iter().map(|c| c.name.clone()).collect();
                if kind.get() == "timestamps" {
                    let t = time_col.get();
                    cols.retain(|c| *c != t);
                }
                missing_inputs(&m, &cols)
            })
            .unwrap_or_default()
    };

    let start = move |_| {
        let (Some(bytes), Some(c)) = (file.get_value(), chosen.get_untracked()) else {
            status.set(Status::Failed("Choose a CSV file first.".into()));
            return;
        };
        let mut capture = match kind.get_untracked().as_str() {
            "counters" => match POLL_INTERVAL.parse(&interval.get_untracked()) {
                Ok(v) => Capture::counters_every(v),
                Err(e) => {
                    status.set(Status::Failed(e));
                    return;
                }
            },
            "timestamps" => {
                let t = time_col.get_untracked();
                if t.is_empty() {
                    status.set(Status::Failed("Choose the timestamp column.".into()));
                    return;
                }
                Capture::counters_timed_by(&t)
            }
            _ => Capture::rates(),
        };
        // Counters become rates within each capture session the file names.
        if capture.values == Values::Counters {
            capture.session_column = c.understood.session.clone();
        }
        let fill = match fill.get_untracked().as_str() {
            "median" => Fill::Median,
            "value" => match fill_value.get_untracked().trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Fill::Constant(v),
                _ => {
                    status.set(Status::Failed(
                        "Fill value: enter a number ≥ 0 (per second, like the inputs).".into(),
                    ));
                    return;
                }
            },
            _ => Fill::Refuse,
        };
        let m = model.get_untracked();
        let model_bytes = match model::encode(&m) {
            Ok(b) => b,
            Err(e) => {
                status.set(Status::Failed(e.to_string()));
                return;
            }
        };
        // Text columns (host names, dates) cannot be scored: read the numeric ones.
        let request = ToWorker::Score(ScoreRequest {
            file_name: c.name,
            label_column: LABEL_COLUMN.into(),
            columns: Some(columns::numeric_columns(&c.preview, LABEL_COLUMN)),
            options: ScoreOptions {
                capture,
                fill,
                ..ScoreOptions::default()
            },
        });
        stop();
        status.set(Status::Scoring { done: 0, total: 0 });
        let job = Job::start(
            request,
            vec![bytes, model_bytes],
            move |msg, bytes| match msg {
                Ok(FromWorker::Scoring { done, total }) => {
                    status.set(Status::Scoring { done, total })
                }
                Ok(FromWorker::Scored(summary)) => status.set(Status::Done {
                    summary: Arc::new(*summary),
                    csv: Arc::new(bytes.unwrap_or_default()),
                }),
                Ok(FromWorker::Failed { error }) | Err(error) => status.set(Status::Failed(error)),
                Ok(_) => {}
            },
        );
        match job {
            Ok(job) => running.set(job),
            Err(e) => status.set(Status::Failed(e)),
        }
    };

    let numeric_columns = move || {
        chosen
            .get()
            .map(|c| {
                c.preview
                    .columns
                    .into_iter()
                    .filter(|c| c.numeric)
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let session_note = move || {
        let counters = kind.get() != "rates";
        chosen.get().and_then(|c| c.understood.session).filter(|_| counters).map(|s| {
            view! {
                <p class="hint" data-testid="batch-session">
                    "Counters become rates within each capture session of the column "<code>{s}</code>"."
                </p>
            }
        })
    };

    view! {
        <section class="card batch" aria-labelledby="batch-title">
            <h2 id="batch-title">"Score an export"</h2>
            <p class="hint">
                "One row per poll: each row gets the model's class, the probability that it is not normal "
                "and its top reasons. Columns are matched by name; the others (host names, dates…) pass through to the download."
            </p>
            <div class="score-setup">
                <UploadBox testid="batch-file" accept=".csv,text/csv" label="Choose a CSV export"
                    note="Rates or cumulative counters, one row per poll; up to 268 MB."
                    on_file=loaded on_error=refused busy=reading
                    loaded=Signal::derive(move || chosen.get().map(|c| c.name))/>
                <div class="train-form">
                    <label>
                        "The file holds"
                        <select data-testid="batch-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="rates" selected=true>"per-second rates"</option>
                            <option value="counters">"cumulative counters, fixed interval"</option>
                            <option value="timestamps">"cumulative counters, timestamp column"</option>
                        </select>
                        <small>"SNMP exports hold counters that wrap; they are turned into per-second rates first."</small>
                    </label>
                    {move || (kind.get() == "counters").then(|| view! {
                        <label>
                            "Polling interval (s)"
                            <input type="text" inputmode="decimal" data-testid="batch-interval"
                                prop:value=move || interval.get() on:input=move |ev| interval.set(event_target_value(&ev))/>
                            <small>{POLL_INTERVAL.hint}</small>
                        </label>
                    })}
                    {move || (kind.get() == "timestamps").then(|| view! {
                        <label>
                            "Timestamp column (seconds)"
                            <select data-testid="batch-time" on:change=move |ev| time_col.set(event_target_value(&ev))>
                                <option value="" selected=move || time_col.get().is_empty()>"(choose)"</option>
                                {numeric_columns().into_iter().map(|c| {
                                    let sel = c == time_col.get_untracked();
                                    view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    })}
                    <label>
                        "Missing inputs"
                        <select data-testid="batch-fill" on:change=move |ev| fill.set(event_target_value(&ev))>
                            <option value="refuse" selected=true>"refuse the file"</option>
                            <option value="median">"fill with the training median"</option>
                            <option value="value">"fill with a value"</option>
                        </select>
                    </label>
                    {move || (fill.get() == "value").then(|| view! {
                        <label>
                            "Fill value"
                            <input type="text" inputmode="decimal" data-testid="batch-fill-value"
                                prop:value=move || fill_value.get() on:input=move |ev| fill_value.set(event_target_value(&ev))/>
                        </label>
                    })}
                </div>
            </div>
            {session_note}
            {move || {
                let m = missing();
                (!m.is_empty()).then(|| view! {
                    <p class="warn" data-testid="batch-missing">
                        {format!("The file lacks {} input(s) of the active model: {}.", m.len(), m.join(", "))}
                    </p>
                })
            }}
            <div class="train-actions">
                <button type="button" class="primary" data-testid="batch-start" on:click=start
                    disabled=move || reading.get() || matches!(status.get(), Status::Scoring { .. })>"Score"</button>
                <span class="file-name">{move || chosen.get().map(|c| format!("File: {} ({} rows)", c.name, c.preview.rows))}</span>
            </div>
            <div aria-live="polite" data-testid="batch-status">
                {move || match status.get() {
                    Status::Idle => ().into_any(),
                    Status::Scoring { done, total } => view! {
                        <progress max=total.max(1).to_string() value=done.to_string()></progress>
                        <p>{format!("Scoring: {done} of {total} rows")}</p>
                    }.into_any(),
                    Status::Failed(e) => view! { <p class="error" role="alert" data-testid="batch-error">{e}</p> }.into_any(),
                    Status::Done { summary, csv } => view! {
                        <BatchResult summary=summary csv=csv filter=filter/>
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
fn BatchResult(
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
