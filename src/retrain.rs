//! Retrain on your own labelled CSV, in a Web Worker: the page stays
//! responsive, progress advances per tree, Cancel terminates the worker, and
//! a failed or cancelled training never touches the active model.

use std::sync::Arc;

use crate::browser;
use crate::jobs::JobSlot;
use crate::pool::{self, TrainEvent};
use crate::preview::{Choices, FilePreview};
use crate::report::{ClassTable, ConfusionHeatmap, ImportanceBars, pct};
use crate::state::AppState;
use crate::upload::UploadBox;
use leptos::prelude::*;
use mibwatch_core::capture::Capture;
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::ForestParams;
use mibwatch_core::ingest::{self, Preview};
use mibwatch_core::model::{self, CvSummary, Model, TrainingReport};
use mibwatch_core::params::{
    CV_FOLDS, MAX_DEPTH, MIN_SAMPLES_LEAF, MTRY, POLL_INTERVAL, Range, SEED, TEST_FRACTION, TREES,
    WORKERS,
};
use mibwatch_core::protocol::TrainRequest;
use mibwatch_core::train::LearnerScore;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Starting,
    Training {
        phase: String,
        done: usize,
        total: usize,
        elapsed_ms: f64,
    },
    Done {
        model: Arc<Model>,
        /// The trained model's held-out evaluation.
        report: Arc<TrainingReport>,
        bytes: Arc<Vec<u8>>,
        elapsed_ms: f64,
        baselines: Vec<LearnerScore>,
        cv: Option<CvSummary>,
    },
    Failed(String),
    Cancelled,
}

/// `raw` as a value of `range`; empty is `None`.
fn optional(range: &Range, raw: &str) -> Result<Option<f64>, String> {
    match raw.trim() {
        "" => Ok(None),
        t => range.parse(t).map(Some),
    }
}

/// The form's settings, as text.
#[derive(Clone, Copy)]
struct Settings {
    trees: RwSignal<String>,
    interval: RwSignal<String>,
    feature_set: RwSignal<FeatureSet>,
    max_depth: RwSignal<String>,
    min_leaf: RwSignal<String>,
    mtry: RwSignal<String>,
    test_fraction: RwSignal<String>,
    seed: RwSignal<String>,
    cv_folds: RwSignal<String>,
    /// Empty: as many as [`pool::workers_for`] allows.
    workers: RwSignal<String>,
}

/// Forest parameters, polling interval, test fraction and folds, each
/// checked against its range in the core.
type Parsed = (ForestParams, Option<f64>, f64, Option<usize>, Option<usize>);

impl Settings {
    fn new() -> Self {
        let d = ForestParams::default();
        Settings {
            trees: RwSignal::new(d.n_trees.to_string()),
            interval: RwSignal::new("15".to_string()),
            feature_set: RwSignal::new(FeatureSet::IfIpMix),
            max_depth: RwSignal::new(String::new()),
            min_leaf: RwSignal::new(d.min_samples_leaf.to_string()),
            mtry: RwSignal::new(String::new()),
            test_fraction: RwSignal::new("0.3".to_string()),
            seed: RwSignal::new(d.seed.to_string()),
            cv_folds: RwSignal::new(String::new()),
            workers: RwSignal::new(String::new()),
        }
    }

    fn parse(&self) -> Result<Parsed, String> {
        let d = ForestParams::default();
        let params = ForestParams {
            n_trees: TREES.parse(&self.trees.get_untracked())? as u16,
            max_depth: optional(&MAX_DEPTH, &self.max_depth.get_untracked())?.map(|v| v as u16),
            min_samples_leaf: optional(&MIN_SAMPLES_LEAF, &self.min_leaf.get_untracked())?
                .map_or(d.min_samples_leaf, |v| v as usize),
            mtry: optional(&MTRY, &self.mtry.get_untracked())?.map(|v| v as usize),
            seed: optional(&SEED, &self.seed.get_untracked())?.map_or(d.seed, |v| v as u64),
            ..d
        };
        let interval = optional(&POLL_INTERVAL, &self.interval.get_untracked())?;
        let test_fraction = TEST_FRACTION.parse(&self.test_fraction.get_untracked())?;
        let cv = optional(&CV_FOLDS, &self.cv_folds.get_untracked())?.map(|v| v as usize);
        let workers = optional(&WORKERS, &self.workers.get_untracked())?.map(|v| v as usize);
        Ok((params, interval, test_fraction, cv, workers))
    }
}

fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

#[component]
pub fn Retrain() -> impl IntoView {
    let state = AppState::get();
    let file = StoredValue::new_local(None::<(String, Vec<u8>)>);
    let file_name = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Preview>);
    let choices = Choices::new();
    let settings = Settings::new();
    let reading = RwSignal::new(false);
    let status = RwSignal::new(Status::Idle);
    let running = JobSlot::new();

    let stop = move || running.stop();

    let loaded = Callback::new(move |(name, bytes): (String, Vec<u8>)| {
        match ingest::preview(&bytes, &name, 5) {
            Ok(p) => {
                choices.understand(&p);
                preview.set(Some(p));
                file.set_value(Some((name.clone(), bytes)));
                file_name.set(Some(name));
                status.set(Status::Idle);
            }
            Err(e) => {
                preview.set(None);
                file.set_value(None);
                file_name.set(None);
                status.set(Status::Failed(e.to_string()));
            }
        }
    });
    let refused = Callback::new(move |e: String| {
        preview.set(None);
        file.set_value(None);
        file_name.set(None);
        status.set(Status::Failed(e));
    });

    let start = move |_| {
        let Some((name, bytes)) = file.get_value() else {
            status.set(Status::Failed("Choose a labelled CSV file first.".into()));
            return;
        };
        let (params, interval, test_fraction, cv_folds, workers) = match settings.parse() {
            Ok(p) => p,
            Err(e) => {
                status.set(Status::Failed(e));
                return;
            }
        };
        let mut columns = choices.features.get_untracked();
        let time_column = choices.time.get_untracked();
        let session_column = choices.session.get_untracked();
        columns.retain(|c| Some(c) != time_column.as_ref() && Some(c) != session_column.as_ref());
        if columns.is_empty() {
            status.set(Status::Failed("Choose at least one feature column.".into()));
            return;
        }
        let n_trees = params.n_trees as usize;
        let request = TrainRequest {
            file_name: name,
            label_column: choices.label.get_untracked(),
            params,
            feature_set: settings.feature_set.get_untracked(),
            test_fraction,
            capture: Capture {
                time_column: time_column.clone(),
                session_column: session_column.clone(),
                ..Capture::interval_or_rates(interval)
            },
            columns: Some(
                columns
                    .into_iter()
                    .chain(time_column)
                    .chain(session_column)
                    .collect(),
            ),
            normal_label: choices.normal_label.get_untracked(),
            binary: choices.binary.get_untracked(),
            cv_folds,
        };
        // The user may lower the workers, never raise them past the trees.
        let workers = workers
            .unwrap_or_else(|| pool::workers_for(n_trees, bytes.len()))
            .clamp(1, n_trees.max(1));
        stop();
        status.set(Status::Starting);
        let jobs = pool::train_on(workers, request, bytes, move |event| match event {
            TrainEvent::Progress {
                phase,
                done,
                total,
                elapsed_ms,
            } => status.set(Status::Training {
                phase,
                done,
                total,
                elapsed_ms,
            }),
            TrainEvent::Done {
                model: bytes,
                elapsed_ms,
                baselines,
                cv,
            } => {
                status.set(match model::decode(&bytes) {
                    Ok(m) => match m.report.clone() {
                        Some(report) => Status::Done {
                            report: Arc::new(report),
                            model: Arc::new(m),
                            bytes: Arc::new(bytes),
                            elapsed_ms,
                            baselines,
                            cv,
                        },
                        None => Status::Failed("The trained model carries no evaluation.".into()),
                    },
                    Err(e) => Status::Failed(format!("The trained model could not be read: {e}")),
                });
            }
            TrainEvent::Failed(error) => status.set(Status::Failed(error)),
        });
        match jobs {
            Ok(jobs) => running.set_all(jobs),
            Err(e) => status.set(Status::Failed(e)),
        }
    };

    let cancel = move |_| {
        stop();
        status.set(Status::Cancelled);
    };

    let workers_placeholder = format!("all ({} here)", pool::cores());
    let busy =
        move || reading.get() || matches!(status.get(), Status::Starting | Status::Training { .. });
    let feature_select = move |ev: leptos::ev::Event| {
        if let Some(f) = FeatureSet::parse(&event_target_value(&ev)) {
            settings.feature_set.set(f);
        }
    };

    view! {
        <section class="card retrain" aria-labelledby="retrain-title">
            <h2 id="retrain-title">"Retrain on your data"</h2>
            <p class="hint">
                "A labelled CSV from your own network (one column per MIB counter, a "<code>"class"</code>
                " column). Training runs in a background worker in this tab; nothing leaves your machine."
            </p>
            <UploadBox testid="train-file" accept=".csv,text/csv" label="Choose a labelled CSV"
                note="The label column, the label of normal traffic and a timestamp column are guessed; check them in the preview."
                on_file=loaded on_error=refused busy=reading loaded=file_name/>
            {move || preview.get().map(|p| view! { <FilePreview preview=p choices=choices/> })}
            <div class="train-form">
                <Setting range=TREES testid="train-trees" value=settings.trees/>
                <Setting range=POLL_INTERVAL testid="train-interval" value=settings.interval unit=" (s)" placeholder="empty: rates"/>
                <label>
                    "Features"
                    <select data-testid="train-features" on:change=feature_select>
                        {FeatureSet::ALL.iter().map(|f| view! {
                            <option value=f.name() selected=*f == FeatureSet::IfIpMix>{f.name()}</option>
                        }).collect_view()}
                    </select>
                    <small>"Interface/IP mix suits a router's counters; rates+mix also reads a host's TCP/UDP/ICMP."</small>
                </label>
                <Setting range=MAX_DEPTH testid="train-depth" value=settings.max_depth placeholder="unlimited"/>
                <Setting range=MIN_SAMPLES_LEAF testid="train-leaf" value=settings.min_leaf/>
                <Setting range=MTRY testid="train-mtry" value=settings.mtry placeholder="√ features"/>
                <Setting range=TEST_FRACTION testid="train-test-fraction" value=settings.test_fraction/>
                <Setting range=CV_FOLDS testid="train-cv-folds" value=settings.cv_folds placeholder="off"/>
                <Setting range=SEED testid="train-seed" value=settings.seed/>
                <Setting range=WORKERS testid="train-workers" value=settings.workers
                    placeholder=workers_placeholder/>
            </div>
            <div class="train-actions">
                <button type="button" class="primary" data-testid="train-start" disabled=busy on:click=start>"Train"</button>
                <button type="button" data-testid="train-cancel" disabled=move || !busy() on:click=cancel>"Cancel"</button>
                <span class="file-name">{move || file_name.get().map(|n| format!("File: {n}"))}</span>
            </div>
            <div class="train-status" aria-live="polite" data-testid="train-status">
                {move || match status.get() {
                    Status::Idle => ().into_any(),
                    Status::Starting => view! { <p>"Starting the worker…"</p> }.into_any(),
                    Status::Training { phase, done, total, elapsed_ms } => {
                        let left = if done > 0 { elapsed_ms / done as f64 * (total - done) as f64 } else { 0.0 };
                        view! {
                            <progress max=total.to_string() value=done.to_string() data-testid="train-progress"></progress>
                            <p>{format!("Tree {done} of {total} ({phase}) · {} elapsed · about {} left", seconds(elapsed_ms), seconds(left))}</p>
                        }.into_any()
                    }
                    Status::Cancelled => view! { <p data-testid="train-cancelled">"Training cancelled. The active model is unchanged."</p> }.into_any(),
                    Status::Failed(e) => view! { <p class="error" role="alert" data-testid="train-error">{e}</p> }.into_any(),
                    Status::Done { model: m, report: r, bytes, elapsed_ms, baselines, cv } => {
                        let trees = m.classifier.as_ref().map_or(0, |c| c.n_trees());
                        let new = m.clone();
                        let in_use = {
                            let m = m.clone();
                            Memo::new(move |_| Arc::ptr_eq(&state.model.get(), &m))
                        };
                        let download = bytes.clone();
                        view! {
                            <div class="train-result" data-testid="train-result">
                                <p>{format!("Trained in {} on {} rows: {} trees over {} features ({}).",
                                    seconds(elapsed_ms), r.rows, trees, m.features.len(), m.feature_set.name())}</p>
                                <div class="train-actions">
                                    <button type="button" class="primary" data-testid="train-use" disabled=in_use on:click={
                                        let bytes = bytes.clone();
                                        move |_| state.activate(new.clone(), &bytes)
                                    }>{move || if in_use.get() { "In use" } else { "Use this model" }}</button>
                                    <button type="button" data-testid="train-download" on:click=move |_| browser::download("mibwatch-model.mwm", &download)>"Download model file"</button>
                                </div>
                                <p data-testid="train-time-ordered">{format!(
                                    "Time-ordered held-out: accuracy {}, macro-F1 {:.2}, balanced normal-vs-attack {} (always-attack baseline {}; 50% balanced), detection {}, false alarms {}.",
                                    pct(r.time_ordered.accuracy), r.time_ordered.macro_f1,
                                    pct(r.time_ordered.binary.balanced_accuracy), pct(r.time_ordered.binary.always_attack_accuracy),
                                    pct(r.time_ordered.binary.detection_rate), pct(r.time_ordered.binary.false_alarm_rate))}</p>
                                {r.by_session.as_ref().map(|e| view! {
                                    <p data-testid="train-by-session">{format!(
                                        "Whole capture sessions held out ({} sessions, grouped k-fold): accuracy {}, macro-F1 {:.2}, balanced normal-vs-attack {}.",
                                        r.sessions, pct(e.accuracy), e.macro_f1, pct(e.binary.balanced_accuracy))}</p>
                                })}
                                <p>{format!("Random split (leaks capture sessions): accuracy {}.", pct(r.random.accuracy))}</p>
                                {r.session_caveat().map(|c| view! { <p class="note">{c}</p> })}
                                {((r.random.accuracy - r.time_ordered.accuracy) > 0.10).then(|| view! {
                                    <p class="warn" data-testid="train-session-warning">
                                        "The random split scores more than 10 points above the time-ordered one: the model is learning capture sessions, not traffic patterns."
                                    </p>
                                })}
                                {cv.map(|c| view! {
                                    <p data-testid="train-cv">{format!(
                                        "Time-blocked {}-fold cross-validation: accuracy {:.1}% ± {:.1}, macro-F1 {:.2} ± {:.2}.",
                                        c.folds, c.accuracy_mean * 100.0, c.accuracy_std * 100.0, c.macro_f1_mean, c.macro_f1_std)}</p>
                                })}
                                <table class="metrics" data-testid="train-compare" tabindex="0">
                                    <thead><tr>
                                        <th scope="col">"Learner (time-ordered split)"</th>
                                        <th scope="col">"Accuracy"</th>
                                        <th scope="col">"Macro F1"</th>
                                        <th scope="col">"Balanced binary"</th>
                                    </tr></thead>
                                    <tbody>
                                        <tr>
                                            <th scope="row">{format!("mibwatch forest ({trees} trees)")}</th>
                                            <td>{pct(r.time_ordered.accuracy)}</td>
                                            <td>{format!("{:.2}", r.time_ordered.macro_f1)}</td>
                                            <td>{pct(r.time_ordered.binary.balanced_accuracy)}</td>
                                        </tr>
                                        {baselines.iter().map(|b| view! {
                                            <tr>
                                                <th scope="row">{b.learner.clone()}</th>
                                                <td>{pct(b.accuracy)}</td>
                                                <td>{format!("{:.2}", b.macro_f1)}</td>
                                                <td>{pct(b.balanced_accuracy)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {baselines.iter().find_map(|b| b.sampled).map(|s| view! {
                                    <p class="note" data-testid="train-baselines-sampled">{format!(
                                        "The baselines were {s}; the forest on every row of the split. The permutation importance shuffles at most {} held-out rows.",
                                        mibwatch_core::limits::EVALUATION_SAMPLE_ROWS)}</p>
                                })}
                                <div class="report-grid">
                                    <ConfusionHeatmap eval=r.time_ordered.clone() title="Time-ordered held-out confusion matrix".to_string()/>
                                    <div>
                                        <ClassTable eval=r.time_ordered.clone()/>
                                        <ImportanceBars features=m.features.clone() importance=r.importance.clone()/>
                                    </div>
                                </div>
                            </div>
                        }.into_any()
                    }
                }}
            </div>
        </section>
    }
}

/// One setting of the training form: its name, bounds and hint come from
/// the core's [`Range`], which also checks the value when training starts.
#[component]
fn Setting(
    range: Range,
    testid: &'static str,
    value: RwSignal<String>,
    /// After the name, e.g. " (s)".
    #[prop(optional)]
    unit: &'static str,
    #[prop(optional, into)] placeholder: String,
) -> impl IntoView {
    let inputmode = if range.integer { "numeric" } else { "decimal" };
    view! {
        <label>
            {range.name}{unit}
            <input type="text" inputmode=inputmode data-testid=testid placeholder=placeholder
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <small>{format!("{} From {} to {}.", range.hint, range.min, range.max)}</small>
        </label>
    }
}
