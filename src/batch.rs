//! Score a whole file with the active model, in the worker: a monitoring
//! export or a plain CSV, read by the core's one reader exactly as
//! `mibwatch score` reads it. Before anything runs, one line says what the
//! reader understood (format, entities, counters or rates, poll interval,
//! time span, inputs found); counters vs rates and the interface may be
//! overridden. The results are in [`crate::batch_result`].

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::capture::Values;
use mibwatch_core::export::{FileChoices, Format, INTERFACE, InterfaceChoice, SeriesKind};
use mibwatch_core::model;
use mibwatch_core::params::POLL_INTERVAL;
use mibwatch_core::protocol::{FromWorker, ScoreRequest};
use mibwatch_core::score::{Fill, ScoreSummary, missing_inputs};

use crate::batch_result::BatchResult;
use crate::column_select::ColumnSelect;
use crate::jobs::JobSlot;
use crate::state::AppState;
use crate::upload::UploadBox;

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
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

/// What the core's reader understood of the chosen file, as chosen.
#[derive(Debug, Clone, PartialEq)]
struct Understood {
    /// The reader's one line (format · entities · counters/rates · polls ·
    /// span · inputs · rows).
    line: String,
    format: Format,
    rows: usize,
    /// Most interfaces seen on one host.
    interfaces: usize,
    /// The table's numeric columns.
    columns: Vec<String>,
    /// Counters with no clock: an interval is needed.
    needs_interval: bool,
    /// The time column the reader found.
    time: Option<String>,
}

/// A file chosen for scoring.
#[derive(Debug, Clone, PartialEq)]
struct Chosen {
    name: String,
    /// Interface names, when a host has more than one.
    interfaces: Vec<String>,
}

/// The page's controls as the core's [`FileChoices`], as the CLI's options
/// would give them: "rates" is `--rates`, "counters" `--counters S`,
/// "timestamps" `--time-column T`, "auto" none; the interface
/// `--interface busiest|every|NAME`.
/// The session column is `--session-column S` ("": as read, a column named
/// `session` when there is one).
fn file_choices(
    kind: &str,
    interval: &str,
    time: &str,
    interface: &str,
    session: &str,
) -> Result<FileChoices, String> {
    let interface = match interface {
        "" | "busiest" => InterfaceChoice::Busiest,
        "every" => InterfaceChoice::Every,
        name => InterfaceChoice::Named(name.to_string()),
    };
    let base = FileChoices {
        interface,
        session_column: (!session.is_empty()).then(|| session.to_string()),
        ..FileChoices::default()
    };
    Ok(match kind {
        "rates" => FileChoices {
            kind: Some(SeriesKind::Rate),
            values: Some(Values::Rates),
            ..base
        },
        "counters" => FileChoices {
            kind: Some(SeriesKind::Counter),
            interval: Some(POLL_INTERVAL.parse(interval)?),
            values: Some(Values::Counters),
            ..base
        },
        "timestamps" if time.is_empty() => return Err("Choose the timestamp column.".into()),
        "timestamps" => FileChoices {
            values: Some(Values::Counters),
            time_column: Some(time.to_string()),
            ..base
        },
        _ => base,
    })
}

/// Read the file as chosen (the whole file: the line is about all of it).
fn understand(bytes: &[u8], name: &str, choices: &FileChoices) -> Result<Understood, String> {
    let e = choices
        .read(bytes, name, false)
        .map_err(|e| e.to_string())?;
    let c = choices.capture(&e, None);
    Ok(Understood {
        line: e.understanding.to_string(),
        format: e.format,
        rows: e.understanding.rows,
        interfaces: e.understanding.interfaces,
        needs_interval: c.values == Values::Counters
            && c.time_column.is_none()
            && c.uptime_column.is_none()
            && c.interval.is_none(),
        time: c.time_column,
        columns: e.table.columns,
    })
}

/// The interface names of a file whose hosts have several.
fn interface_names(bytes: &[u8], name: &str) -> Vec<String> {
    let every = FileChoices {
        interface: InterfaceChoice::Every,
        ..FileChoices::default()
    };
    let Ok(e) = every.read(bytes, name, false) else {
        return Vec::new();
    };
    if e.understanding.interfaces < 2 {
        return Vec::new();
    }
    let mut names: Vec<String> = e
        .table
        .text
        .iter()
        .find(|t| t.name == INTERFACE)
        .map(|t| t.values.clone())
        .unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

#[component]
pub fn Batch() -> impl IntoView {
    let model = AppState::get().model;
    let file = StoredValue::new_local(None::<Vec<u8>>);
    let chosen = RwSignal::new(None::<Chosen>);
    let reading = RwSignal::new(false);
    let status = RwSignal::new(Status::Idle);
    let running = JobSlot::new();
    let kind = RwSignal::new("auto".to_string());
    let interval = RwSignal::new("15".to_string());
    let time_col = RwSignal::new(String::new());
    let session_col = RwSignal::new(String::new());
    let interface = RwSignal::new("busiest".to_string());
    let fill = RwSignal::new("refuse".to_string());
    let fill_value = RwSignal::new("0".to_string());
    let filter = RwSignal::new(String::new());
    // Empty: every core, capped by memory (as training's Workers setting).
    let workers = RwSignal::new(String::new());
    // The last reading and its choices: a file is read once per choice.
    let last = StoredValue::new_local(None::<(FileChoices, Understood)>);

    let stop = move || running.stop();

    // What the reader makes of the file with the chosen kind and interface
    // (read again when either changes; the interval only names the polls).
    let understood = Memo::new(move |_| {
        let c = chosen.get()?;
        let (k, i) = (kind.get(), interface.get());
        let ivl = interval.get_untracked();
        let session = session_col.get();
        let choices = match file_choices(&k, &ivl, &time_col.get(), &i, &session) {
            Ok(ch) => ch,
            // An interval being typed: the line as read without it.
            Err(_) => file_choices("auto", "", "", &i, &session).ok()?,
        };
        Some(file.with_value(|b| {
            b.as_ref().map_or(Err("no file".to_string()), |b| {
                understand(b, &c.name, &choices)
            })
        }))
    });

    let loaded = Callback::new(move |(name, bytes): (String, Vec<u8>)| {
        let auto = FileChoices::default();
        match understand(&bytes, &name, &auto) {
            Ok(u) => {
                time_col.set(u.time.clone().unwrap_or_default());
                session_col.set(String::new());
                last.set_value(Some((auto, u.clone())));
                interface.set("busiest".into());
                // Their names, only when a host has several (a second read).
                let interfaces = if u.interfaces > 1 {
                    interface_names(&bytes, &name)
                } else {
                    Vec::new()
                };
                file.set_value(Some(bytes));
                chosen.set(Some(Chosen { name, interfaces }));
                status.set(Status::Idle);
            }
            Err(e) => {
                file.set_value(None);
                chosen.set(None);
                status.set(Status::Failed(e));
            }
        }
    });
    let refused = Callback::new(move |e: String| status.set(Status::Failed(e)));

    let missing = move || {
        let m = model.get();
        match understood.get() {
            Some(Ok(u)) => {
                let mut cols = u.columns;
                if kind.get() == "timestamps" {
                    let t = time_col.get();
                    cols.retain(|c| *c != t);
                }
                let s = session_col.get();
                cols.retain(|c| *c != s);
                missing_inputs(&m, &cols)
            }
            _ => Vec::new(),
        }
    };

    let start = move |_| {
        let (Some(bytes), Some(c)) = (file.get_value(), chosen.get_untracked()) else {
            status.set(Status::Failed("Choose a file first.".into()));
            return;
        };
        let choices = match file_choices(
            &kind.get_untracked(),
            &interval.get_untracked(),
            &time_col.get_untracked(),
            &interface.get_untracked(),
            &session_col.get_untracked(),
        ) {
            Ok(ch) => ch,
            Err(e) => {
                status.set(Status::Failed(e));
                return;
            }
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
        let request = ScoreRequest {
            file_name: c.name,
            choices,
            fill,
            escape_formulas: true,
        };
        stop();
        status.set(Status::Scoring { done: 0, total: 0 });
        let typed = workers.get_untracked();
        let w = match typed.trim().parse::<usize>() {
            _ if typed.trim().is_empty() => crate::pool::workers_for(usize::MAX, bytes.len()),
            Ok(w) if (1..=32).contains(&w) => w,
            _ => {
                status.set(Status::Failed(
                    "Workers: enter a whole number from 1 to 32.".into(),
                ));
                return;
            }
        };
        let jobs = crate::batch_pool::score_on(
            w,
            request,
            bytes,
            model_bytes,
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
        match jobs {
            Ok(mut jobs) if jobs.len() == 1 => {
                if let Some(job) = jobs.pop() {
                    running.set(job)
                }
            }
            Ok(jobs) => running.set_all(jobs),
            Err(e) => status.set(Status::Failed(e)),
        }
    };

    let numeric_columns = move || match understood.get() {
        Some(Ok(u)) => u.columns,
        _ => Vec::new(),
    };
    let understood_line = move || {
        understood.get().map(|u| match u {
            Ok(u) => {
                let hint = u.needs_interval.then(|| view! {
                    <p class="hint" data-testid="batch-needs-interval">
                        "The file has no clock: choose “cumulative counters, fixed interval” and give the polling interval."
                    </p>
                });
                view! {
                    <p class="understood" data-testid="batch-understood" data-format=u.format.label()>
                        <span class="ml-label">"Read as"</span>" "{u.line}
                    </p>
                    {hint}
                }
                .into_any()
            }
            Err(e) => view! { <p class="error" role="alert" data-testid="batch-understood-error">{e}</p> }.into_any(),
        })
    };
    let interfaces = move || chosen.get().map(|c| c.interfaces).unwrap_or_default();

    view! {
        <section class="card batch" aria-labelledby="batch-title">
            <h2 id="batch-title">"Score an export"</h2>
            <p class="hint">
                "One row per poll, or an export of your monitoring (Prometheus, Grafana, Telegraf, snmpwalk, snmptable, rrdtool, Cacti): "
                "each row gets the model's class, the probability that it is not normal and its top reasons. "
                "Host, interface and other text columns pass through to the download."
            </p>
            <div class="score-setup">
                <UploadBox testid="batch-file"
                    accept=".csv,.tsv,.txt,.json,.prom,.influx,.xml,text/csv,text/plain,application/json"
                    label="Choose an export"
                    note="CSV or a monitoring export; rates or cumulative counters; up to 268 MB."
                    on_file=loaded on_error=refused busy=reading
                    loaded=Signal::derive(move || chosen.get().map(|c| c.name))/>
                <div class="train-form">
                    <label>
                        "The file holds"
                        <select data-testid="batch-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="auto" selected=move || kind.get_untracked() == "auto">"as read (see the line below)"</option>
                            <option value="rates" selected=move || kind.get_untracked() == "rates">"per-second rates"</option>
                            <option value="counters" selected=move || kind.get_untracked() == "counters">"cumulative counters, fixed interval"</option>
                            <option value="timestamps" selected=move || kind.get_untracked() == "timestamps">"cumulative counters, timestamp column"</option>
                        </select>
                        <small>"SNMP counters wrap; they are turned into per-second rates first (within each host, interface and capture session)."</small>
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
                        <ColumnSelect numeric=numeric_columns() testid="batch-time"
                            title="Timestamp column (seconds)" none="(choose)" value=time_col/>
                    })}
                    {move || (!numeric_columns().is_empty()).then(|| view! {
                        <details class="batch-more">
                            <summary data-testid="batch-more">{move || {
                                let s = session_col.get();
                                if s.is_empty() {
                                    "Capture sessions: as read".to_string()
                                } else {
                                    format!("Capture sessions: column {s}")
                                }
                            }}</summary>
                            <ColumnSelect numeric=numeric_columns() testid="batch-session"
                                title="Session column" none="as read (a column named “session”, if any)"
                                value=session_col
                                hint="Rates never span two sessions: a column whose value changes where a capture starts again."/>
                        </details>
                    })}
                    {move || {
                        let names = interfaces();
                        (!names.is_empty()).then(|| view! {
                            <label>
                                "Interface"
                                <select data-testid="batch-interface" on:change=move |ev| interface.set(event_target_value(&ev))>
                                    <option value="busiest" selected=move || interface.get_untracked() == "busiest">"the busiest of each host"</option>
                                    <option value="every" selected=move || interface.get_untracked() == "every">"every interface, each its own entity"</option>
                                    {names.into_iter().map(|n| {
                                        let sel = n == interface.get_untracked();
                                        view! { <option value=n.clone() selected=sel>{n.clone()}</option> }
                                    }).collect_view()}
                                </select>
                                <small>"Which interface feeds the model's interface inputs."</small>
                            </label>
                        })
                    }}
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
            {understood_line}
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
                <label class="workers" title="Each worker reads the whole file and scores a share of its rows; the result is the same. Empty: every core, fewer when the file is large for the device's memory.">
                    "on "
                    <input type="text" inputmode="numeric" size="3" data-testid="batch-workers"
                        placeholder=format!("all {}", crate::pool::cores())
                        prop:value=move || workers.get() on:input=move |ev| workers.set(event_target_value(&ev))/>
                    " worker(s)"
                </label>
                <span class="file-name">{move || {
                    let c = chosen.get()?;
                    let rows = match understood.get() {
                        Some(Ok(u)) => u.rows,
                        _ => 0,
                    };
                    Some(format!("File: {} ({rows} rows)", c.name))
                }}</span>
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
