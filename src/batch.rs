//! Score a whole file with the active model, in the worker: raw counter
//! exports or per-second rates, a timeline of the anomaly probability, a
//! table of rows with their top reasons, class counts, accuracy against the
//! file's labels when it has them, and the scored CSV to download.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::capture::Capture;
use mibwatch_core::columns;
use mibwatch_core::ingest::{self, Preview};
use mibwatch_core::model::{self, Model};
use mibwatch_core::protocol::{FromWorker, ScoreRequest, ToWorker};
use mibwatch_core::score::{Fill, LISTED_ROWS, ScoreOptions, ScoreSummary, missing_inputs};

use crate::browser;
use crate::jobs::{Job, JobSlot};
use crate::report::{ConfusionHeatmap, pct, share};
use crate::upload;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Reading {
        done: u64,
        total: u64,
    },
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

#[component]
pub fn Batch(model: RwSignal<Arc<Model>>) -> impl IntoView {
    let file = StoredValue::new_local(None::<(String, Vec<u8>)>);
    let preview = RwSignal::new(None::<(String, Preview)>);
    let status = RwSignal::new(Status::Idle);
    let running = JobSlot::new();
    let kind = RwSignal::new("rates".to_string());
    let interval = RwSignal::new("15".to_string());
    let time_col = RwSignal::new(String::new());
    let fill = RwSignal::new("refuse".to_string());
    let fill_value = RwSignal::new("0".to_string());
    let filter = RwSignal::new(String::new());

    let stop = move || running.stop();

    let read_file = move |f: web_sys::File| {
        upload::read_file(
            f,
            move |done, total| status.set(Status::Reading { done, total }),
            move |name, bytes| match bytes.and_then(|b| {
                ingest::preview(&b, &name, 0)
                    .map(|p| (b, p))
                    .map_err(|e| e.to_string())
            }) {
                Ok((bytes, p)) => {
                    preview.set(Some((name.clone(), p)));
                    file.set_value(Some((name, bytes)));
                    status.set(Status::Idle);
                }
                Err(e) => status.set(Status::Failed(e)),
            },
        )
    };
    let on_file = move |ev: leptos::ev::Event| {
        if let Some(f) = upload::chosen_file(&ev) {
            read_file(f);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        if let Some(f) = upload::dropped_file(&ev) {
            read_file(f);
        }
    };

    let missing = move || {
        let m = model.get();
        preview
            .get()
            .map(|(_, p)| {
                let mut cols: Vec<String> = p.columns.iter().map(|c| c.name.clone()).collect();
                if kind.get() == "timestamps" {
                    let t = time_col.get();
                    cols.retain(|c| *c != t);
                }
                missing_inputs(&m, &cols)
            })
            .unwrap_or_default()
    };

    let start = move |_| {
        let Some((name, bytes)) = file.get_value() else {
            status.set(Status::Failed("Choose a CSV file first.".into()));
            return;
        };
        let capture = match kind.get_untracked().as_str() {
            "counters" => match interval.get_untracked().trim().parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => Capture::counters_every(v),
                _ => {
                    status.set(Status::Failed(
                        "Polling interval: enter seconds > 0.".into(),
                    ));
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
        let label = mibwatch_core::schema::LABEL_COLUMN;
        let columns = preview
            .get_untracked()
            .map(|(_, p)| columns::numeric_columns(&p, label));
        let request = ToWorker::Score(ScoreRequest {
            file_name: name,
            label_column: label.into(),
            columns,
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
        preview
            .get()
            .map(|(_, p)| {
                p.columns
                    .into_iter()
                    .filter(|c| c.numeric)
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };

    view! {
        <section
            class="card batch"
            aria-labelledby="batch-title"
            on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=on_drop
        >
            <h2 id="batch-title">"Score a whole file"</h2>
            <p class="hint">
                "An export from your monitoring, one row per poll: each row gets the active model's class, "
                "the probability that it is not normal, and its top reasons. Choose the file or drop it here; "
                "columns are matched by name; the other columns (host names, dates…) pass through to the download."
            </p>
            <div class="train-form">
                <label class="file">
                    "CSV file"
                    <input type="file" accept=".csv,text/csv" data-testid="batch-file" on:change=on_file/>
                </label>
                <label>
                    "The file holds"
                    <select data-testid="batch-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="rates" selected=true>"per-second rates"</option>
                        <option value="counters">"cumulative counters, fixed interval"</option>
                        <option value="timestamps">"cumulative counters with a timestamp column"</option>
                    </select>
                    <small>"SNMP exports hold counters that wrap; they are turned into per-second rates first."</small>
                </label>
                {move || (kind.get() == "counters").then(|| view! {
                    <label>
                        "Polling interval (s)"
                        <input type="text" inputmode="decimal" data-testid="batch-interval"
                            prop:value=move || interval.get() on:input=move |ev| interval.set(event_target_value(&ev))/>
                    </label>
                })}
                {move || (kind.get() == "timestamps").then(|| view! {
                    <label>
                        "Timestamp column (seconds)"
                        <select data-testid="batch-time" on:change=move |ev| time_col.set(event_target_value(&ev))>
                            <option value="">"(choose)"</option>
                            {numeric_columns().into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
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
            {move || {
                let m = missing();
                (!m.is_empty()).then(|| view! {
                    <p class="warn" data-testid="batch-missing">
                        {format!("The file lacks {} input(s) of the active model: {}.", m.len(), m.join(", "))}
                    </p>
                })
            }}
            <div class="train-actions">
                <button type="button" data-testid="batch-start" on:click=start
                    disabled=move || matches!(status.get(), Status::Reading { .. } | Status::Scoring { .. })>"Score"</button>
                <span class="file-name">{move || preview.get().map(|(n, p)| format!("File: {n} ({} rows)", p.rows))}</span>
            </div>
            <div aria-live="polite" data-testid="batch-status">
                {move || match status.get() {
                    Status::Idle => ().into_any(),
                    Status::Reading { done, total } => view! {
                        <p>{format!("Reading the file: {:.1} of {:.1} MB", done as f64 / 1e6, total as f64 / 1e6)}</p>
                    }.into_any(),
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
    let eval = s.evaluation.clone().map(|e| {
        view! {
            <p data-testid="batch-accuracy">{format!(
                "Against the file's labels: accuracy {}, macro-F1 {:.2}, balanced normal-vs-attack {} (a fair test only for rows the model was not trained on).",
                pct(e.accuracy), e.macro_f1, pct(e.binary.balanced_accuracy))}</p>
            <ConfusionHeatmap eval=e title="Scored file against its labels".to_string()/>
        }
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
            <p data-testid="batch-summary">{format!(
                "Scored {} rows in {:.2} s ({:.0} rows/s; reading the file took {:.2} s more).{}",
                s.rows, s.score_ms / 1000.0, rate, s.read_ms / 1000.0, wraps.unwrap_or_default())}</p>
            <ul class="counts" data-testid="batch-counts">{counts}</ul>
            {unfamiliar}
            <Timeline summary=s.clone()/>
            {eval}
            <button type="button" data-testid="batch-download" on:click=download>"Download scored CSV"</button>
            <label class="filter">
                " Show class "
                <select data-testid="batch-filter" on:change=move |ev| filter.set(event_target_value(&ev))>
                    <option value="">"(all)"</option>
                    {classes.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                </select>
            </label>
            <div class="head-scroll" role="region" aria-label="Scored rows" tabindex="0">
                <table class="metrics" data-testid="batch-rows">
                    <thead><tr>
                        <th scope="col">"Row"</th><th scope="col">"Class"</th><th scope="col">"P(anomalous)"</th>
                        <th scope="col">"Guard"</th><th scope="col">"Top reasons (Δ points)"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="hint">{format!(
                "The table lists the first {LISTED_ROWS} rows of the file, or of the chosen class; the download has all {} rows.", s.rows)}</p>
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
