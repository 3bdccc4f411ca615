//! "Learn your normal": a baseline of one's own ordinary traffic from an
//! export of it (no labels needed), fitted by the core's
//! `train::learn_normal` in the worker, with a progress bar and Cancel. The
//! result shows the rows and sessions used, the false-alarm rate on normal
//! polls held out from the fit, and each input's normal band; it can be put
//! in use (beside the active model's forest, or alone), downloaded, and
//! reverted to the model that was active before.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::columns::{self, Understood};
use mibwatch_core::export::{self, ReadOptions, SeriesKind};
use mibwatch_core::ingest::{self, Preview};
use mibwatch_core::model::{self, Model};
use mibwatch_core::params::{FALSE_ALARM_TARGET, POLL_INTERVAL};
use mibwatch_core::protocol::{ColumnChoice, FromWorker, LearnRequest, ToWorker};
use mibwatch_core::score::missing_inputs;
use mibwatch_core::train::LEARN_STEPS;

use crate::bands::BandChart;
use crate::browser;
use crate::column_select::ColumnSelect;
use crate::jobs::{Job, JobSlot};
use crate::report::pct;
use crate::state::AppState;
use crate::upload::UploadBox;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Learning {
        phase: String,
        done: usize,
        total: usize,
    },
    Done {
        model: Arc<Model>,
        bytes: Arc<Vec<u8>>,
        elapsed_ms: f64,
    },
    Failed(String),
    Cancelled,
}

/// What the chosen file is: a CSV with its columns read, or another
/// export whose format the core recognised.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Csv {
        preview: Preview,
        understood: Understood,
    },
    /// What the core's reader understood of it (format, hosts, kinds,
    /// polls) and the inputs it found.
    Export {
        understanding: String,
        inputs: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Chosen {
    name: String,
    kind: Kind,
}

/// What the file is, from its first bytes (a monitoring export is read
/// here to say what was understood of it); the sentence why not otherwise.
fn recognise(name: &str, bytes: &[u8]) -> Result<Kind, String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    match export::detect_format(&head) {
        Some(f) if f != export::Format::PlainCsv => {
            let e = export::read_export(bytes, name, &ReadOptions::default())
                .map_err(|e| e.to_string())?;
            Ok(Kind::Export {
                understanding: e.understanding.to_string(),
                inputs: e
                    .understanding
                    .inputs
                    .iter()
                    .map(|i| i.to_string())
                    .collect(),
            })
        }
        _ => {
            let preview = ingest::preview(bytes, name, 0).map_err(|e| e.to_string())?;
            let understood = columns::understand(&preview, None);
            Ok(Kind::Csv {
                preview,
                understood,
            })
        }
    }
}

/// The form's choices.
#[derive(Clone, Copy)]
struct Form {
    /// "found", "rates" or "counters".
    values: RwSignal<String>,
    interval: RwSignal<String>,
    time: RwSignal<String>,
    session: RwSignal<String>,
    target: RwSignal<String>,
    beside: RwSignal<bool>,
}

impl Form {
    fn new() -> Self {
        Form {
            values: RwSignal::new("found".into()),
            interval: RwSignal::new(String::new()),
            time: RwSignal::new(String::new()),
            session: RwSignal::new(String::new()),
            target: RwSignal::new("1".into()),
            beside: RwSignal::new(false),
        }
    }

    /// The request for `c`, each setting checked against the core's range.
    fn request(&self, c: &Chosen, beside: bool) -> Result<LearnRequest, String> {
        let rate = FALSE_ALARM_TARGET.parse(&self.target.get_untracked())? / 100.0;
        let interval = match self.interval.get_untracked().trim() {
            "" => None,
            t => Some(POLL_INTERVAL.parse(t)?),
        };
        // A CSV's columns are as chosen here; other exports bring their own.
        let column = |v: String| match (&c.kind, v.is_empty()) {
            (Kind::Export { .. }, _) => ColumnChoice::Found,
            (Kind::Csv { .. }, true) => ColumnChoice::Nothing,
            (Kind::Csv { .. }, false) => ColumnChoice::Named(v),
        };
        Ok(LearnRequest {
            file_name: c.name.clone(),
            kind: match self.values.get_untracked().as_str() {
                "rates" => Some(SeriesKind::Rate),
                "counters" => Some(SeriesKind::Counter),
                _ => None,
            },
            interval,
            time_column: column(self.time.get_untracked()),
            session_column: column(self.session.get_untracked()),
            false_alarm_rate: rate,
            beside,
        })
    }
}

/// "one capture session", "3 capture sessions".
fn sessions(n: u32) -> String {
    if n == 1 {
        "one capture session".into()
    } else {
        format!("{n} capture sessions")
    }
}

fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

#[component]
pub fn LearnNormal() -> impl IntoView {
    let state = AppState::get();
    let file = StoredValue::new_local(None::<Vec<u8>>);
    let chosen = RwSignal::new(None::<Chosen>);
    let reading = RwSignal::new(false);
    let status = RwSignal::new(Status::Idle);
    let running = JobSlot::new();
    let form = Form::new();
    // The active model has a forest the baseline can sit beside.
    let has_forest = Memo::new(move |_| state.model.with(|m| m.classifier.is_some()));

    let loaded =
        Callback::new(
            move |(name, bytes): (String, Vec<u8>)| match recognise(&name, &bytes) {
                Ok(kind) => {
                    let m = state.model.get_untracked();
                    let same_inputs = match &kind {
                        Kind::Csv {
                            preview,
                            understood,
                        } => {
                            form.time.set(understood.time.clone().unwrap_or_default());
                            form.session
                                .set(understood.session.clone().unwrap_or_default());
                            let cols: Vec<String> =
                                preview.columns.iter().map(|c| c.name.clone()).collect();
                            missing_inputs(&m, &cols).is_empty()
                        }
                        Kind::Export { inputs, .. } => missing_inputs(&m, inputs).is_empty(),
                    };
                    form.beside.set(m.classifier.is_some() && same_inputs);
                    chosen.set(Some(Chosen { name, kind }));
                    file.set_value(Some(bytes));
                    status.set(Status::Idle);
                }
                Err(e) => {
                    chosen.set(None);
                    file.set_value(None);
                    status.set(Status::Failed(e));
                }
            },
        );
    let refused = Callback::new(move |e: String| {
        chosen.set(None);
        file.set_value(None);
        status.set(Status::Failed(e));
    });

    let start = move |_| {
        let (Some(bytes), Some(c)) = (file.get_value(), chosen.get_untracked()) else {
            status.set(Status::Failed(
                "Choose an export of ordinary traffic first.".into(),
            ));
            return;
        };
        let beside = form.beside.get_untracked() && has_forest.get_untracked();
        let request = match form.request(&c, beside) {
            Ok(r) => r,
            Err(e) => {
                status.set(Status::Failed(e));
                return;
            }
        };
        let mut payloads = vec![bytes];
        if beside {
            match model::encode(&state.model.get_untracked()) {
                Ok(b) => payloads.push(b),
                Err(e) => {
                    status.set(Status::Failed(e.to_string()));
                    return;
                }
            }
        }
        running.stop();
        // The worker's steps: reading the file, then the core's.
        status.set(Status::Learning {
            phase: "starting the worker".into(),
            done: 0,
            total: LEARN_STEPS.len() + 1,
        });
        let job = Job::start(
            ToWorker::LearnNormal(request),
            payloads,
            move |msg, bytes| match msg {
                Ok(FromWorker::Progress {
                    phase, done, total, ..
                }) => status.set(Status::Learning { phase, done, total }),
                Ok(FromWorker::Done { elapsed_ms, .. }) => {
                    let bytes = bytes.unwrap_or_default();
                    status.set(match model::decode(&bytes) {
                        Ok(m) if m.baseline.is_some() => Status::Done {
                            model: Arc::new(m),
                            bytes: Arc::new(bytes),
                            elapsed_ms,
                        },
                        Ok(_) => Status::Failed("The learned model carries no baseline.".into()),
                        Err(e) => {
                            Status::Failed(format!("The learned model could not be read: {e}"))
                        }
                    });
                }
                Ok(FromWorker::Failed { error }) | Err(error) => status.set(Status::Failed(error)),
                Ok(_) => {}
            },
        );
        match job {
            Ok(job) => running.set(job),
            Err(e) => status.set(Status::Failed(e)),
        }
    };
    let cancel = move |_| {
        running.stop();
        status.set(Status::Cancelled);
    };
    let busy = move || reading.get() || matches!(status.get(), Status::Learning { .. });
    // A CSV's numeric columns, for its timestamp and session choices.
    let csv_columns = move || match chosen.get()?.kind {
        Kind::Csv { preview, .. } => Some(
            preview
                .columns
                .into_iter()
                .filter(|c| c.numeric)
                .map(|c| c.name)
                .collect::<Vec<_>>(),
        ),
        Kind::Export { .. } => None,
    };

    view! {
        <section class="card learn" aria-labelledby="learn-title">
            <h2 id="learn-title">"Learn your normal"</h2>
            <p class="hint">
                "An export of your network's ordinary traffic (counters or rates, no labels needed): each input's "
                "normal band is learned from it, and polls outside the bands become alarms with their reasons. "
                "The alarm threshold is set on normal polls held out from the fit. Nothing leaves your machine."
            </p>
            <UploadBox testid="learn-file" accept=".csv,.txt,.json,.xml,.prom,text/csv" label="Choose an export of normal traffic"
                note="A CSV with MIB-named columns, or an export mibwatch reads (Prometheus, Telegraf, snmpwalk, rrdtool, Cacti…). Rows labelled other than normal are left out."
                on_file=loaded on_error=refused busy=reading
                loaded=Signal::derive(move || chosen.get().map(|c| c.name))/>
            {move || chosen.get().map(|c| view! { <FileLine chosen=c/> })}
            <div class="train-form">
                {move || csv_columns().map(|numeric| view! {
                    <ColumnSelect numeric=numeric.clone() testid="learn-time" title="Timestamp column" value=form.time
                        hint="Seconds: the time between polls, and gaps that split captures."/>
                    <ColumnSelect numeric=numeric testid="learn-session" title="Session column" value=form.session
                        hint="Rates never span two sessions; calibration holds whole sessions out."/>
                })}
                <label>
                    "The file holds"
                    <select data-testid="learn-values" on:change=move |ev| form.values.set(event_target_value(&ev))>
                        <option value="found" selected=true>"as found in the file"</option>
                        <option value="counters">"cumulative counters"</option>
                        <option value="rates">"per-second rates"</option>
                    </select>
                    <small>"Counters become per-second rates within each capture session."</small>
                </label>
                <label>
                    {POLL_INTERVAL.name}" (s)"
                    <input type="text" inputmode="decimal" data-testid="learn-interval" placeholder="from the file's clock"
                        prop:value=move || form.interval.get() on:input=move |ev| form.interval.set(event_target_value(&ev))/>
                    <small>{POLL_INTERVAL.hint}</small>
                </label>
                <label>
                    {FALSE_ALARM_TARGET.name}
                    <input type="text" inputmode="decimal" data-testid="learn-target"
                        prop:value=move || form.target.get() on:input=move |ev| form.target.set(event_target_value(&ev))/>
                    <small>{format!("{} From {} to {}.", FALSE_ALARM_TARGET.hint, FALSE_ALARM_TARGET.min, FALSE_ALARM_TARGET.max)}</small>
                </label>
                <fieldset class="task">
                    <legend>"The model made"</legend>
                    <label><input type="radio" name="learn-beside" data-testid="learn-beside"
                        disabled=move || !has_forest.get()
                        prop:checked=move || form.beside.get() && has_forest.get()
                        on:change=move |_| form.beside.set(true)/>" beside the active model's forest"</label>
                    <label><input type="radio" name="learn-beside" data-testid="learn-alone"
                        prop:checked=move || !(form.beside.get() && has_forest.get())
                        on:change=move |_| form.beside.set(false)/>" baseline only"</label>
                </fieldset>
            </div>
            <div class="train-actions">
                <button type="button" class="primary" data-testid="learn-start" disabled=busy on:click=start>"Learn"</button>
                <button type="button" data-testid="learn-cancel" disabled=move || !busy() on:click=cancel>"Cancel"</button>
            </div>
            <div class="train-status" aria-live="polite" data-testid="learn-status">
                {move || match status.get() {
                    Status::Idle => ().into_any(),
                    Status::Learning { phase, done, total } => view! {
                        <progress max=total.to_string() value=done.to_string() data-testid="learn-progress"></progress>
                        <p>{format!("Step {} of {total}: {phase}…", (done + 1).min(total))}</p>
                    }.into_any(),
                    Status::Cancelled => view! {
                        <p data-testid="learn-cancelled">"Learning cancelled. The active model is unchanged."</p>
                    }.into_any(),
                    Status::Failed(e) => view! { <p class="error" role="alert" data-testid="learn-error">{e}</p> }.into_any(),
                    Status::Done { model, bytes, elapsed_ms } => view! {
                        <Learned model=model bytes=bytes elapsed_ms=elapsed_ms/>
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

/// What the chosen file is, in one line.
#[component]
fn FileLine(chosen: Chosen) -> impl IntoView {
    let text = match &chosen.kind {
        Kind::Export { understanding, .. } => format!(
            "{}: {understanding}. Its clock, hosts and interfaces come from the file.",
            chosen.name
        ),
        Kind::Csv { preview, .. } => format!(
            "{}: {} rows × {} columns.",
            chosen.name,
            preview.rows,
            preview.columns.len()
        ),
    };
    view! { <p class="file-kind" data-testid="learn-file-kind">{text}</p> }
}

/// The learned model: what it was learned from, its held-out false-alarm
/// rate, its bands, and Use / Download / Revert.
#[component]
fn Learned(model: Arc<Model>, bytes: Arc<Vec<u8>>, elapsed_ms: f64) -> impl IntoView {
    let state = AppState::get();
    let Some(b) = model.baseline.clone() else {
        return ().into_any();
    };
    let c = b.calibration.clone();
    // The model active before "Use", for Revert.
    let previous = RwSignal::new(None::<Arc<Model>>);
    let in_use = {
        let m = model.clone();
        Memo::new(move |_| Arc::ptr_eq(&state.model.get(), &m))
    };
    let use_it = {
        let (m, bytes) = (model.clone(), bytes.clone());
        move |_| {
            previous.set(Some(state.model.get_untracked()));
            state.activate(m.clone(), &bytes);
        }
    };
    let revert = move |_| {
        let Some(p) = previous.get_untracked() else {
            return;
        };
        if Arc::ptr_eq(&p, &state.default_model.get_value()) {
            state.revert();
        } else {
            match model::encode(&p) {
                Ok(bytes) => state.activate(p, &bytes),
                Err(e) => state.notice.set(Some(format!(
                    "The previous model could not be put back: {e}."
                ))),
            }
        }
        previous.set(None);
    };
    let download = move |_| browser::download("mibwatch-normal.mwm", &bytes);
    // The result comes into view when it arrives, below the form.
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            el.scroll_into_view();
        }
    });
    let kind = if model.classifier.is_some() {
        "beside the forest of the model that was active"
    } else {
        "on its own (no forest)"
    };
    view! {
        <div class="train-result" data-testid="learn-result" node_ref=node>
            <p data-testid="learn-summary">{format!(
                "Learned in {} from {} rows in {}, over {} inputs; the baseline sits {kind}.",
                seconds(elapsed_ms), c.rows, sessions(c.sessions), b.n_inputs())}</p>
            <p data-testid="learn-false-alarms"><strong>{format!(
                "False alarms on held-out normal polls: {} (target {}).",
                pct(c.heldout_rate()), pct(c.target_rate))}</strong>" "{c.describe()}</p>
            <p class="hint">{format!("An alarm event is an alarm in {}.", b.rule.describe())}</p>
            <div class="train-actions">
                <button type="button" class="primary" data-testid="learn-use" disabled=in_use on:click=use_it>
                    {move || if in_use.get() { "In use" } else { "Use this model" }}
                </button>
                <button type="button" data-testid="learn-download" on:click=download>"Download model file"</button>
                <button type="button" data-testid="learn-revert" disabled=move || previous.with(Option::is_none)
                    on:click=revert>"Revert"</button>
            </div>
            <BandChart baseline=Arc::new(b)/>
        </div>
    }
    .into_any()
}
