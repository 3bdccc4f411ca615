//! The prediction screen: every model input as a field and a log-scale
//! slider, presets, a paste box, a shareable link, and the live verdict.

use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::explain::format_number;
use mibwatch_core::model::Model;
use mibwatch_core::sample::{self, SLIDER_STEPS, slider_to_value, value_to_slider};
use mibwatch_core::schema::{self, MibGroup, VarKind};

use crate::browser;
use crate::verdict::{Analysis, Timing, VerdictPanel};

/// Shortest round-trip form: a preset or link reproduces the exact value.
fn fmt_value(v: f64) -> String {
    format!("{v}")
}

/// The input fields of the active model, one text signal each.
#[derive(Clone, Copy)]
struct Fields(StoredValue<Vec<RwSignal<String>>>);

impl Fields {
    fn new(values: &[f64]) -> Self {
        Fields(StoredValue::new(
            values
                .iter()
                .map(|v| RwSignal::new(fmt_value(*v)))
                .collect(),
        ))
    }

    fn get(&self, i: usize) -> RwSignal<String> {
        self.0.with_value(|f| f[i])
    }

    /// Set the fields that have a value.
    fn fill(&self, values: &[Option<f64>]) {
        self.0.with_value(|f| {
            for (sig, v) in f.iter().zip(values) {
                if let Some(v) = v {
                    sig.set(fmt_value(*v));
                }
            }
        })
    }

    fn fill_all(&self, values: &[f64]) {
        let v: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
        self.fill(&v);
    }

    /// Every field parsed, tracked; `None` while any field is invalid.
    fn row(&self, features: &[String]) -> Option<Vec<f64>> {
        self.0.with_value(|f| {
            // A form built for another model (while it is being replaced).
            if f.len() != features.len() {
                return None;
            }
            f.iter()
                .zip(features)
                .map(|(s, name)| sample::parse_value(name, &s.get()).ok())
                .collect()
        })
    }
}

fn medians(m: &Model) -> Vec<f64> {
    m.input_stats.iter().map(|s| s.median).collect()
}

/// Feature indices grouped by MIB group, in schema order; unknown names last.
fn groups(m: &Model) -> Vec<(&'static str, Vec<usize>)> {
    let mut out: Vec<(&'static str, Vec<usize>)> = MibGroup::ALL
        .iter()
        .map(|g| (g.label(), Vec::new()))
        .collect();
    let mut other = Vec::new();
    for (i, f) in m.inputs.iter().enumerate() {
        match schema::lookup(f).and_then(|v| MibGroup::ALL.iter().position(|g| *g == v.group)) {
            Some(gi) => out[gi].1.push(i),
            None => other.push(i),
        }
    }
    out.push(("Other inputs", other));
    out.into_iter().filter(|(_, v)| !v.is_empty()).collect()
}

#[component]
pub fn PredictForm(model: RwSignal<Arc<Model>>, timing: RwSignal<Option<Timing>>) -> impl IntoView {
    let m0 = model.get_untracked();
    let fields = Fields::new(&medians(&m0));
    // A message about the link the page was opened with (or navigated to).
    let link_notice = RwSignal::new(None::<String>);

    let load_link = move |hash: String| {
        let m = model.get_untracked();
        if hash.trim_start_matches('#').is_empty() {
            return;
        }
        match sample::decode_fragment(&hash, &m.inputs) {
            Ok(values) => {
                fields.fill_all(&medians(&m));
                fields.fill(&values);
                link_notice.set(None);
            }
            Err(e) => {
                fields.fill_all(&medians(&m));
                link_notice.set(Some(format!(
                    "This link's sample could not be read: {e} Showing the default inputs instead."
                )));
            }
        }
    };
    load_link(browser::location_hash());
    let listener = window_event_listener(leptos::ev::hashchange, move |_| {
        load_link(browser::location_hash())
    });
    on_cleanup(move || listener.remove());

    let analysis = Memo::new(move |_| {
        let m = model.get();
        fields.row(&m.inputs).map(|row| Analysis::of(&m, &row))
    });

    // Keep the link in the address bar and the footer's timing in step.
    Effect::new(move |_| {
        if let Some(a) = analysis.get() {
            let m = model.get_untracked();
            browser::replace_hash(&sample::encode_fragment(&m.inputs, &a.row));
            timing.set(Some(Timing {
                trees: m.classifier.as_ref().map_or(0, |c| c.n_trees()),
                predict_ms: a.predict_ms,
                explain_ms: a.explain_ms,
            }));
        }
    });

    let presets = m0
        .classes
        .iter()
        .enumerate()
        .map(|(c, name)| {
            view! {
                <button
                    type="button"
                    class="preset"
                    data-class=name.clone()
                    on:click=move |_| fields.fill_all(&model.get_untracked().examples[c])
                >
                    {format!("Typical {name}")}
                </button>
            }
        })
        .collect_view();

    let sections = groups(&m0)
        .into_iter()
        .map(|(title, idx)| {
            let unused = idx.iter().all(|&i| !m0.uses_input(i));
            let inputs = idx
                .into_iter()
                .map(|i| view! { <FeatureInput model=model index=i value=fields.get(i)/> })
                .collect_view();
            view! {
                <details class="group" open>
                    <summary>
                        {title}
                        {unused.then(|| view! { <span class="unused-note">" — not read by this model"</span> })}
                    </summary>
                    <div class="inputs">{inputs}</div>
                </details>
            }
        })
        .collect_view();

    view! {
        <section class="card predict" aria-labelledby="predict-title">
            <h2 id="predict-title">"Check a traffic sample"</h2>
            <p class="hint">
                "Enter per-second rates between two polls (gauges as polled). "
                "The verdict updates as you type, and the address bar holds a link to this sample."
            </p>
            {move || {
                link_notice
                    .get()
                    .map(|msg| view! { <p class="notice error" role="alert" data-testid="link-notice">{msg}</p> })
            }}
            <div class="presets" role="group" aria-label="Presets">
                {presets}
                <button
                    type="button"
                    class="preset reset"
                    on:click=move |_| fields.fill_all(&medians(&model.get_untracked()))
                >
                    "Reset"
                </button>
            </div>
            <PasteBox model=model fields=fields/>
            <div class="predict-layout">
                <VerdictPanel model=model analysis=analysis/>
                <form class="features" on:submit=|ev| ev.prevent_default()>
                    {sections}
                </form>
            </div>
        </section>
    }
}

#[component]
fn PasteBox(model: RwSignal<Arc<Model>>, fields: Fields) -> impl IntoView {
    let message = RwSignal::new(None::<Result<String, String>>);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if text.trim().is_empty() {
            message.set(None);
            return;
        }
        let m = model.get_untracked();
        message.set(Some(match sample::parse_pasted(&text, &m.inputs) {
            Ok(p) => {
                fields.fill(&p.values);
                let filled = p.values.iter().filter(|v| v.is_some()).count();
                let mut msg = format!(
                    "Filled {filled} of {} inputs from the pasted row.",
                    m.inputs.len()
                );
                if !p.ignored.is_empty() {
                    msg += &format!(" Ignored columns: {}.", p.ignored.join(", "));
                }
                Ok(msg)
            }
            Err(e) => Err(format!("Could not read the pasted row: {e}")),
        }));
    };
    view! {
        <div class="paste">
            <label for="paste-row">"Paste a CSV row (with or without its header line)"</label>
            <textarea
                id="paste-row"
                rows="2"
                spellcheck="false"
                placeholder="ifInOctets11,ifOutOctets11,…  then a row of per-second values"
                on:input=on_input
            ></textarea>
            {move || {
                message
                    .get()
                    .map(|m| match m {
                        Ok(s) => view! { <p class="paste-msg ok" role="status" data-testid="paste-msg">{s}</p> }.into_any(),
                        Err(s) => view! { <p class="paste-msg error" role="alert" data-testid="paste-msg">{s}</p> }.into_any(),
                    })
            }}
        </div>
    }
}

#[component]
fn FeatureInput(
    model: RwSignal<Arc<Model>>,
    index: usize,
    value: RwSignal<String>,
) -> impl IntoView {
    let m = model.get_untracked();
    let name = m.inputs[index].clone();
    let unit = match m.input_kinds.get(index) {
        Some(VarKind::Gauge) => "gauge",
        _ => "per second",
    };
    let description = schema::lookup(&name).map(|v| v.description).unwrap_or("");
    let st = &m.input_stats[index];
    let used = m.uses_input(index);
    let hint = format!(
        "{description} · training range {} – {}",
        format_number(st.min),
        format_number(st.max)
    );
    let id = format!("in-{name}");
    let err_id = format!("err-{name}");
    let hint_id = format!("hint-{name}");
    let check_name = name.clone();
    let error = Memo::new(move |_| {
        sample::parse_value(&check_name, &value.get())
            .err()
            .map(|e| e.at_field())
    });
    let slider_pos = move || {
        sample::parse_value("", &value.get())
            .map(value_to_slider)
            .unwrap_or(0.0)
            .to_string()
    };
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>
                <span class="name">{name.clone()}</span>
                <span class="unit">{unit}{(!used).then_some(" · unused")}</span>
            </label>
            <input
                id=id
                type="text"
                inputmode="decimal"
                autocomplete="off"
                spellcheck="false"
                aria-describedby=format!("{hint_id} {err_id}")
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <input
                type="range"
                class="slider"
                min="0"
                max=SLIDER_STEPS.to_string()
                step="1"
                aria-label=format!("{name} (log scale)")
                prop:value=slider_pos
                on:input=move |ev| {
                    if let Ok(p) = event_target_value(&ev).parse::<f64>() {
                        value.set(fmt_value(slider_to_value(p)));
                    }
                }
            />
            <small id=hint_id class="desc">{hint}</small>
            <small id=err_id class="error" role="alert">{move || error.get().unwrap_or_default()}</small>
        </div>
    }
}
