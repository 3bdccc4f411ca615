//! Retrain on your own labelled CSV, in a Web Worker: the page stays
//! responsive, progress advances per tree, Cancel terminates the worker, and
//! a failed or cancelled training never touches the active model.

use std::sync::Arc;

use crate::browser;
use crate::jobs::{Job, JobSlot};
use crate::report::{ClassTable, ConfusionHeatmap, ImportanceBars, pct};
use crate::upload;
use leptos::prelude::*;
use mibwatch_core::capture::{Capture, Values};
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::ForestParams;
use mibwatch_core::ingest::{self, Preview};
use mibwatch_core::model::{self, CvSummary, Model, TrainingReport};
use mibwatch_core::protocol::{FromWorker, ToWorker, TrainRequest};
use mibwatch_core::train::LearnerScore;

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Reading {
        done: u64,
        total: u64,
    },
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

/// The label that names normal traffic: `normal` when present, else none.
fn default_normal(p: &Preview, label: &str) -> Option<String> {
    p.columns.iter().find(|c| c.name == label).and_then(|c| {
        c.distinct
            .iter()
            .find(|d| d.eq_ignore_ascii_case("normal"))
            .cloned()
    })
}

/// Forest parameters from the form's text fields (empty = the default).
fn read_params(
    n_trees: u16,
    depth: &str,
    leaf: &str,
    mtry: &str,
    seed: &str,
) -> Result<ForestParams, String> {
    let opt = |s: &str, what: &str| -> Result<Option<u64>, String> {
        match s.trim() {
            "" => Ok(None),
            t => t
                .parse::<u64>()
                .ok()
                .filter(|v| *v >= 1)
                .map(Some)
                .ok_or_else(|| format!("{what}: enter a whole number ≥ 1, or leave it empty.")),
        }
    };
    let d = ForestParams::default();
    Ok(ForestParams {
        n_trees,
        max_depth: opt(depth, "Max depth")?.map(|v| v.min(u16::MAX as u64) as u16),
        min_samples_leaf: opt(leaf, "Min samples per leaf")?
            .map_or(d.min_samples_leaf, |v| v as usize),
        mtry: opt(mtry, "Features per split")?.map(|v| v as usize),
        seed: match seed.trim() {
            "" => d.seed,
            t => t
                .parse()
                .map_err(|_| "Seed: enter a whole number.".to_string())?,
        },
        ..d
    })
}

fn seconds(ms: f64) -> String {
    format!("{:.1} s", ms / 1000.0)
}

#[component]
pub fn Retrain(model: RwSignal<Arc<Model>>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let file = StoredValue::new_local(None::<(String, Vec<u8>)>);
    let file_name = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Preview>);
    let label_col = RwSignal::new("class".to_string());
    let chosen = RwSignal::new(Vec::<String>::new());
    let normal_label = RwSignal::new(None::<String>);
    let binary = RwSignal::new(false);
    let time_col = RwSignal::new(None::<String>);
    let status = RwSignal::new(Status::Idle);
    let running = JobSlot::new();
    let trees = RwSignal::new("100".to_string());
    let counters = RwSignal::new("15".to_string());
    let feature_set = RwSignal::new(FeatureSet::IfIpMix);
    let max_depth = RwSignal::new(String::new());
    let min_leaf = RwSignal::new("1".to_string());
    let mtry = RwSignal::new(String::new());
    let test_fraction = RwSignal::new("0.3".to_string());
    let seed = RwSignal::new("42".to_string());
    let cv_folds = RwSignal::new(String::new());

    let stop = move || running.stop();

    let read_file = move |f: web_sys::File| {
        upload::read_file(
            f,
            move |done, total| status.set(Status::Reading { done, total }),
            move |name, bytes| match bytes.and_then(|b| {
                ingest::preview(&b, &name, 5)
                    .map(|p| (b, p))
                    .map_err(|e| e.to_string())
            }) {
                Ok((bytes, p)) => {
                    let label = p
                        .columns
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case("class"))
                        .or_else(|| p.columns.iter().rev().find(|c| !c.numeric))
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| "class".to_string());
                    chosen.set(
                        p.columns
                            .iter()
                            .filter(|c| c.numeric && c.name != label)
                            .map(|c| c.name.clone())
                            .collect(),
                    );
                    normal_label.set(default_normal(&p, &label));
                    time_col.set(None);
                    label_col.set(label);
                    preview.set(Some(p));
                    file.set_value(Some((name.clone(), bytes)));
                    file_name.set(Some(name));
                    status.set(Status::Idle);
                }
                Err(e) => {
                    preview.set(None);
                    file.set_value(None);
                    file_name.set(None);
                    status.set(Status::Failed(e));
                }
            },
        )
    };
    let on_file = move |ev: leptos::ev::Event| {
        if let Some(f) = upload::chosen_file(&ev) {
            read_file(f);
        }
    };
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: leptos::ev::DragEvent| {
        dragging.set(false);
        if let Some(f) = upload::dropped_file(&ev) {
            read_file(f);
        }
    };

    let start = move |_| {
        let Some((name, bytes)) = file.get_value() else {
            status.set(Status::Failed("Choose a labelled CSV file first.".into()));
            return;
        };
        let n_trees = match trees.get_untracked().trim().parse::<u16>() {
            Ok(n) if (1..=mibwatch_core::limits::MAX_TREES).contains(&n) => n,
            _ => {
                status.set(Status::Failed(format!(
                    "Trees: enter a whole number from 1 to {}.",
                    mibwatch_core::limits::MAX_TREES
                )));
                return;
            }
        };
        let counters_interval = match counters.get_untracked().trim() {
            "" => None,
            s => match s.parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => Some(v),
                _ => {
                    status.set(Status::Failed(
                        "Polling interval: enter seconds > 0, or leave it empty when the file already holds per-second rates.".into(),
                    ));
                    return;
                }
            },
        };
        let params = match read_params(
            n_trees,
            &max_depth.get_untracked(),
            &min_leaf.get_untracked(),
            &mtry.get_untracked(),
            &seed.get_untracked(),
        ) {
            Ok(p) => p,
            Err(e) => {
                status.set(Status::Failed(e));
                return;
            }
        };
        let test_fraction = match test_fraction.get_untracked().trim().parse::<f64>() {
            Ok(f) if (0.05..=0.5).contains(&f) => f,
            _ => {
                status.set(Status::Failed(
                    "Test fraction: enter a number from 0.05 to 0.5.".into(),
                ));
                return;
            }
        };
        let cv_folds = match cv_folds.get_untracked().trim() {
            "" => None,
            t => match t.parse::<usize>() {
                Ok(k) if (2..=10).contains(&k) => Some(k),
                _ => {
                    status.set(Status::Failed(
                        "Cross-validation folds: enter 2 to 10, or leave it empty.".into(),
                    ));
                    return;
                }
            },
        };
        let mut columns = chosen.get_untracked();
        let time_column = time_col.get_untracked();
        columns.retain(|c| Some(c) != time_column.as_ref());
        if columns.is_empty() {
            status.set(Status::Failed("Choose at least one feature column.".into()));
            return;
        }
        let request = ToWorker::Train(TrainRequest {
            file_name: name,
            label_column: label_col.get_untracked(),
            params,
            feature_set: feature_set.get_untracked(),
            test_fraction,
            capture: Capture {
                values: if counters_interval.is_some() {
                    Values::Counters
                } else {
                    Values::Rates
                },
                interval: counters_interval,
                time_column: time_column.clone(),
                ..Capture::default()
            },
            columns: Some(columns.into_iter().chain(time_column).collect()),
            normal_label: normal_label.get_untracked(),
            binary: binary.get_untracked(),
            cv_folds,
        });
        stop();
        status.set(Status::Starting);
        let job = Job::start(request, vec![bytes], move |msg, bytes| match msg {
            Ok(FromWorker::Progress {
                phase,
                done,
                total,
                elapsed_ms,
            }) => status.set(Status::Training {
                phase,
                done,
                total,
                elapsed_ms,
            }),
            Ok(FromWorker::Done {
                elapsed_ms,
                baselines,
                cv,
            }) => {
                let bytes = bytes.unwrap_or_default();
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
            Ok(FromWorker::Failed { error }) | Err(error) => status.set(Status::Failed(error)),
            Ok(_) => {}
        });
        match job {
            Ok(job) => running.set(job),
            Err(e) => status.set(Status::Failed(e)),
        }
    };

    let cancel = move |_| {
        stop();
        status.set(Status::Cancelled);
    };

    let busy = move || {
        matches!(
            status.get(),
            Status::Starting | Status::Training { .. } | Status::Reading { .. }
        )
    };

    view! {
        <section
            class="card retrain"
            class:dragging=move || dragging.get()
            aria-labelledby="retrain-title"
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <h2 id="retrain-title">"Retrain on your own data"</h2>
            <p class="hint">
                "Upload a labelled CSV (one column per MIB counter, a "<code>"class"</code>
                " column): choose it below or drop it on this box. Training runs in a background worker in this tab; nothing leaves your machine."
            </p>
            {move || preview.get().map(|p| view! {
                <FilePreview preview=p label_col=label_col chosen=chosen normal_label=normal_label binary=binary time_col=time_col/>
            })}
            <div class="train-form">
                <label class="file">
                    "Labelled CSV file"
                    <input type="file" accept=".csv,text/csv" data-testid="train-file" on:change=on_file/>
                </label>
                <Setting label="Trees" testid="train-trees" value=trees inputmode="numeric"
                    hint="More trees: steadier votes, slower training (1–1000)."/>
                <Setting label="Polling interval (s)" testid="train-interval" value=counters inputmode="decimal"
                    hint="Cumulative counters are turned into per-second rates; leave empty if the file already holds rates."/>
                <label>
                    "Features"
                    <select data-testid="train-features" on:change=move |ev| {
                        if let Some(f) = FeatureSet::parse(&event_target_value(&ev)) {
                            feature_set.set(f);
                        }
                    }>
                        {FeatureSet::ALL.iter().map(|f| view! {
                            <option value=f.name() selected=*f == FeatureSet::IfIpMix>{f.name()}</option>
                        }).collect_view()}
                    </select>
                    <small>"Interface/IP mix suits a router's counters; rates+mix also reads a host's TCP/UDP/ICMP."</small>
                </label>
                <Setting label="Max depth" testid="train-depth" value=max_depth inputmode="numeric" placeholder="unlimited"
                    hint="Deepest split a tree may make; empty grows until leaves are pure."/>
                <Setting label="Min samples per leaf" testid="train-leaf" value=min_leaf inputmode="numeric"
                    hint="Larger values smooth the trees against noise."/>
                <Setting label="Features per split" testid="train-mtry" value=mtry inputmode="numeric" placeholder="√ features"
                    hint="Candidates drawn at each split; empty = square root of the feature count."/>
                <Setting label="Test fraction" testid="train-test-fraction" value=test_fraction inputmode="decimal"
                    hint="Share of each capture held out for evaluation (the last part in time)."/>
                <Setting label="Cross-validation folds" testid="train-cv-folds" value=cv_folds inputmode="numeric" placeholder="off"
                    hint="Optional k (2–10): each capture is cut into k time blocks, each tested once; trains k more forests."/>
                <Setting label="Seed" testid="train-seed" value=seed inputmode="numeric"
                    hint="Same file, settings and seed: the same model."/>
            </div>
            <div class="train-actions">
                <button type="button" data-testid="train-start" disabled=busy on:click=start>"Train"</button>
                <button type="button" data-testid="train-cancel" disabled=move || !busy() on:click=cancel>"Cancel"</button>
                <span class="file-name">{move || file_name.get().map(|n| format!("File: {n}"))}</span>
            </div>
            <div class="train-status" aria-live="polite" data-testid="train-status">
                {move || match status.get() {
                    Status::Idle => ().into_any(),
                    Status::Reading { done, total } => view! {
                        <progress max=total.to_string() value=done.to_string() data-testid="read-progress"></progress>
                        <p data-testid="read-status">{format!("Reading the file: {:.1} of {:.1} MB", done as f64 / 1e6, total as f64 / 1e6)}</p>
                    }.into_any(),
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
                        let download = bytes.clone();
                        view! {
                            <div class="train-result" data-testid="train-result">
                                <p>{format!("Trained in {} on {} rows: {} trees over {} features ({}).",
                                    seconds(elapsed_ms), r.rows, trees, m.features.len(), m.feature_set.name())}</p>
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
                                <div class="report-grid">
                                    <ConfusionHeatmap eval=r.time_ordered.clone() title="Time-ordered held-out confusion matrix".to_string()/>
                                    <div>
                                        <ClassTable eval=r.time_ordered.clone()/>
                                        <ImportanceBars features=m.features.clone() importance=r.importance.clone()/>
                                    </div>
                                </div>
                                <button type="button" data-testid="train-use" on:click={
                                    let bytes = bytes.clone();
                                    move |_| crate::models::activate(model, notice, new.clone(), &bytes)
                                }>"Use this model"</button>
                                " "
                                <button type="button" data-testid="train-download" on:click=move |_| browser::download("mibwatch-model.mwm", &download)>"Download model file"</button>
                            </div>
                        }.into_any()
                    }
                }}
            </div>
        </section>
    }
}

/// What the file holds, and the choice of label, features and task.
#[component]
fn FilePreview(
    preview: Preview,
    label_col: RwSignal<String>,
    chosen: RwSignal<Vec<String>>,
    normal_label: RwSignal<Option<String>>,
    binary: RwSignal<bool>,
    time_col: RwSignal<Option<String>>,
) -> impl IntoView {
    let delimiter = match preview.delimiter {
        b'\t' => "tab".to_string(),
        d => format!("\"{}\"", d as char),
    };
    let summary = format!(
        "{} rows × {} columns, delimiter {delimiter}{}",
        preview.rows,
        preview.columns.len(),
        if preview.ragged_rows > 0 {
            format!(
                "; {} rows have a different number of cells than the header",
                preview.ragged_rows
            )
        } else {
            String::new()
        }
    );
    let cols = preview.columns.clone();
    let label_options = cols
        .iter()
        .map(|c| {
            let n = c.name.clone();
            let sel = n == label_col.get_untracked();
            view! { <option value=n.clone() selected=sel>{n.clone()}</option> }
        })
        .collect_view();
    let p2 = preview.clone();
    let on_label = move |ev: leptos::ev::Event| {
        let l = event_target_value(&ev);
        chosen.update(|c| c.retain(|x| *x != l));
        normal_label.set(default_normal(&p2, &l));
        label_col.set(l);
    };
    let p3 = preview.clone();
    let classes = move || {
        p3.columns
            .iter()
            .find(|c| c.name == label_col.get())
            .map(|c| c.distinct.clone())
            .unwrap_or_default()
    };
    let rows = cols
        .iter()
        .map(|c| {
            let name = c.name.clone();
            let n2 = name.clone();
            let n3 = name.clone();
            let numeric = c.numeric;
            let checked = move || chosen.get().contains(&n2);
            let is_label = move || label_col.get() == n3;
            view! {
                <tr>
                    <th scope="row">{name.clone()}</th>
                    <td>{if numeric { "numeric" } else { "text" }}</td>
                    <td>{c.missing}</td>
                    <td>
                        <input type="checkbox" aria-label=format!("use {name} as a feature")
                            disabled=move || !numeric || is_label()
                            prop:checked=checked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|v| {
                                    v.retain(|x| *x != name);
                                    if on { v.push(name.clone()); }
                                });
                            }/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let head = preview
        .head
        .iter()
        .map(|r| view! { <tr>{r.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr> })
        .collect_view();
    view! {
        <div class="preview" data-testid="preview">
            <p data-testid="preview-summary">{summary}</p>
            <div class="train-form">
                <label>
                    "Label column"
                    <select data-testid="train-label" on:change=on_label>{label_options}</select>
                </label>
                <label>
                    "Normal traffic is labelled"
                    <select data-testid="train-normal" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        normal_label.set((!v.is_empty()).then_some(v));
                    }>
                        <option value="" selected=move || normal_label.get().is_none()>"(no normal class)"</option>
                        {move || classes().into_iter().map(|c| {
                            let sel = normal_label.get().as_deref() == Some(c.as_str());
                            view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Timestamp column"
                    <select data-testid="train-time" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if !v.is_empty() {
                            chosen.update(|c| c.retain(|x| *x != v));
                        }
                        time_col.set((!v.is_empty()).then_some(v));
                    }>
                        <option value="" selected=true>"(none: rows in order, fixed interval)"</option>
                        {cols.iter().filter(|c| c.numeric).map(|c| view! { <option value=c.name.clone()>{c.name.clone()}</option> }).collect_view()}
                    </select>
                    <small>"Seconds since any origin: gives the time between polls and splits captures at gaps."</small>
                </label>
                <fieldset class="task">
                    <legend>"Task"</legend>
                    <label><input type="radio" name="task" data-testid="task-multi" prop:checked=move || !binary.get()
                        on:change=move |_| binary.set(false)/>" every class as labelled"</label>
                    <label><input type="radio" name="task" data-testid="task-binary" prop:checked=move || binary.get()
                        on:change=move |_| binary.set(true)/>" normal vs attack"</label>
                </fieldset>
            </div>
            <details>
                <summary>{move || format!("Feature columns: {} chosen", chosen.get().len())}</summary>
                <table class="metrics" data-testid="preview-columns" tabindex="0">
                    <thead><tr><th scope="col">"Column"</th><th scope="col">"Type"</th><th scope="col">"Missing"</th><th scope="col">"Feature"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
            <details>
                <summary>"First rows"</summary>
                <div class="head-scroll" role="region" aria-label="First rows of the file" tabindex="0">
                    <table class="metrics head" data-testid="preview-head">
                        <thead><tr>{cols.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>{head}</tbody>
                    </table>
                </div>
            </details>
        </div>
    }
}

/// One text setting of the training form: label, field and a one-line hint.
#[component]
fn Setting(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
    hint: &'static str,
    #[prop(default = "numeric")] inputmode: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input type="text" inputmode=inputmode data-testid=testid placeholder=placeholder
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <small>{hint}</small>
        </label>
    }
}
