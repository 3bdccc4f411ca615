//! Import a tree ensemble trained elsewhere (scikit-learn, LightGBM,
//! XGBoost, Spark MLlib) from an ONNX file dropped on the model box. The
//! core builds the model ([`model_onnx::from_onnx`]); what mibwatch needs
//! beside the ensemble (its input ranges, typical rows, the baseline) comes
//! from a sample of the same traffic the user drops here, and the page says
//! so. The ensemble's columns are mapped to features by the names the file
//! gives, else by order; the mapping is shown and can be edited.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::capture::Capture;
use mibwatch_core::model::{self, Model, onnx as model_onnx};
use mibwatch_core::params::POLL_INTERVAL;
use mibwatch_core::schema::LABEL_COLUMN;

use crate::state::AppState;
use crate::upload::UploadBox;

/// An ONNX file waiting for its sample: its name, bytes and what it holds.
#[derive(Clone)]
pub struct PendingOnnx {
    pub name: String,
    pub bytes: Arc<Vec<u8>>,
    pub description: String,
}

/// A model built from the file and the sample.
#[derive(Clone)]
struct Built {
    model: Arc<Model>,
    bytes: Arc<Vec<u8>>,
    how: String,
    /// Each feature column: its name and what it is.
    columns: Vec<(String, String)>,
}

/// The import panel for `pending` (shown while it is `Some`).
#[component]
pub fn OnnxImport(pending: RwSignal<Option<PendingOnnx>>) -> impl IntoView {
    let state = AppState::get();
    let sample = StoredValue::new_local(None::<(String, Vec<u8>)>);
    let sample_name = RwSignal::new(None::<String>);
    let interval = RwSignal::new(String::new());
    let features = RwSignal::new(String::new());
    let built = RwSignal::new(None::<Result<Built, String>>);

    let got_sample = Callback::new(move |(name, bytes): (String, Vec<u8>)| {
        sample_name.set(Some(name.clone()));
        sample.set_value(Some((name, bytes)));
        built.set(None);
    });
    let refused = Callback::new(move |e: String| built.set(Some(Err(e))));

    let build = move |_| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        built.set(Some(build_model(
            &p,
            sample.get_value(),
            &interval.get_untracked(),
            &features.get_untracked(),
        )));
        // The mapping used, to edit and import again.
        if let Some(Ok(b)) = built.get_untracked() {
            features.set(
                b.columns
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
    };

    move || {
        pending.get().map(|p| {
            view! {
                <div class="onnx-import" data-testid="onnx-import">
                    <h3>{format!("Import {}", p.name)}</h3>
                    <p data-testid="onnx-holds">{p.description.clone()}</p>
                    <p class="hint">
                        "The ensemble names the class. What mibwatch needs beside it (each input's normal range, typical rows, "
                        "the baseline of normal traffic) comes from a sample of the same traffic: drop one (a CSV of MIB counters or rates)."
                    </p>
                    <UploadBox testid="onnx-sample" accept=".csv,text/csv" label="Choose a sample of your traffic"
                        compact=true on_file=got_sample on_error=refused loaded=sample_name/>
                    <div class="train-form">
                        <label>
                            {POLL_INTERVAL.name}" (s)"
                            <input type="text" inputmode="decimal" data-testid="onnx-interval" placeholder="empty: rates"
                                prop:value=move || interval.get() on:input=move |ev| interval.set(event_target_value(&ev))/>
                            <small>{POLL_INTERVAL.hint}</small>
                        </label>
                        <label class="onnx-mapping">
                            "Features, in the ensemble's column order"
                            <textarea rows="3" data-testid="onnx-features" placeholder="empty: the names the file gives, else by order"
                                prop:value=move || features.get() on:input=move |ev| features.set(event_target_value(&ev))></textarea>
                            <small>"Comma-separated inputs (ipInReceives) or features (bytesPerPktIn)."</small>
                        </label>
                    </div>
                    <div class="train-actions">
                        <button type="button" class="primary" data-testid="onnx-build" on:click=build>"Import"</button>
                        <button type="button" data-testid="onnx-close" on:click=move |_| {
                            pending.set(None);
                            built.set(None);
                        }>"Close"</button>
                    </div>
                    {move || built.get().map(|b| match b {
                        Err(e) => view! { <p class="error" role="alert" data-testid="onnx-error">{e}</p> }.into_any(),
                        Ok(b) => {
                            let (m, bytes) = (b.model.clone(), b.bytes.clone());
                            view! {
                                <div data-testid="onnx-result">
                                    <p>{format!("{} columns, mapped {}; classes: {}.", b.columns.len(), b.how, b.model.classes.join(", "))}</p>
                                    <ol class="onnx-columns" data-testid="onnx-columns">
                                        {b.columns.iter().map(|(n, d)| view! { <li><code>{n.clone()}</code>": "{d.clone()}</li> }).collect_view()}
                                    </ol>
                                    <p class="note">{b.model.source.clone()}</p>
                                    <button type="button" class="primary" data-testid="onnx-use" on:click=move |_| {
                                        state.activate(m.clone(), &bytes);
                                        pending.set(None);
                                        built.set(None);
                                    }>"Use this model"</button>
                                </div>
                            }.into_any()
                        }
                    })}
                </div>
            }
        })
    }
}

/// The model of `p` with the sample's ranges, or the sentence saying why not.
fn build_model(
    p: &PendingOnnx,
    sample: Option<(String, Vec<u8>)>,
    interval: &str,
    features: &str,
) -> Result<Built, String> {
    let (file, bytes) = sample.ok_or("Drop a sample of the traffic the model will score first.")?;
    let interval = match interval.trim() {
        "" => None,
        t => Some(POLL_INTERVAL.parse(t)?),
    };
    let features: Vec<String> = features
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let table = model_onnx::read_sample(&bytes, &file, LABEL_COLUMN).map_err(|e| e.to_string())?;
    let opts = model_onnx::ImportOptions {
        capture: Capture::interval_or_rates(interval),
        features: (!features.is_empty()).then_some(features),
        classes: None,
    };
    let (m, map) = model_onnx::from_onnx(&p.bytes, &p.name, &table, &opts)
        .map_err(|e| format!("{}: {e}", p.name))?;
    let encoded = model::encode(&m).map_err(|e| e.to_string())?;
    let columns = map
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| (f.clone(), m.plan().describe(j)))
        .collect();
    Ok(Built {
        model: Arc::new(m),
        bytes: Arc::new(encoded),
        how: map.how,
        columns,
    })
}
