use std::sync::Arc;

use leptos::prelude::*;
use mibwatch_core::model::{Model, Prediction};
use mibwatch_core::schema::{self, MibGroup, VarKind, Verdict};

/// Parse one field: a finite, non-negative number.
fn parse_field(raw: &str) -> Result<f64, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("Enter a number.");
    }
    match s.parse::<f64>() {
        Ok(v) if !v.is_finite() => Err("Enter a finite number."),
        Ok(v) if v < 0.0 => Err("Rates and gauges cannot be negative."),
        Ok(v) => Ok(v),
        Err(_) => Err("Not a number."),
    }
}

fn fmt_value(v: f64) -> String {
    format!("{v}")
}

fn fmt_range(v: f64) -> String {
    if v.abs() >= 1e5 {
        format!("{v:.3e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The prediction form: one labelled input per model feature, grouped by MIB
/// group; the verdict updates on every change.
#[component]
pub fn PredictForm(model: RwSignal<Arc<Model>>) -> impl IntoView {
    let m0 = model.get_untracked();
    let fields: Vec<RwSignal<String>> = m0
        .stats
        .iter()
        .map(|s| RwSignal::new(fmt_value(s.median)))
        .collect();
    let fields = StoredValue::new(fields);

    let fill = move |row: Vec<f64>| {
        fields.with_value(|f| {
            for (sig, v) in f.iter().zip(row) {
                sig.set(fmt_value(v));
            }
        })
    };

    let prediction = Memo::new(move |_| {
        let m = model.get();
        let row: Result<Vec<f64>, ()> = fields.with_value(|f| {
            f.iter()
                .map(|s| parse_field(&s.get()).map_err(|_| ()))
                .collect()
        });
        row.ok().map(|r| m.predict(&r))
    });

    let groups: Vec<(String, Vec<usize>)> = {
        let mut out: Vec<(String, Vec<usize>)> = MibGroup::ALL
            .iter()
            .map(|g| (g.label().to_string(), Vec::new()))
            .collect();
        let mut other = Vec::new();
        for (i, f) in m0.features.iter().enumerate() {
            match schema::lookup(f) {
                Some(v) => {
                    let gi = MibGroup::ALL
                        .iter()
                        .position(|g| *g == v.group)
                        .unwrap_or(0);
                    out[gi].1.push(i);
                }
                None => other.push(i),
            }
        }
        out.push(("Other".to_string(), other));
        out.into_iter().filter(|(_, v)| !v.is_empty()).collect()
    };

    let presets = m0
        .classes
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let name = name.clone();
            let label = format!("Typical {name}");
            view! {
                <button
                    type="button"
                    class="preset"
                    data-class=name
                    on:click=move |_| fill(model.get_untracked().examples[c].clone())
                >
                    {label}
                </button>
            }
        })
        .collect_view();

    let sections = groups
        .into_iter()
        .map(|(title, idx)| {
            let inputs = idx
                .into_iter()
                .map(|i| view! { <FeatureInput model=model index=i value=fields.with_value(|f| f[i])/> })
                .collect_view();
            view! {
                <fieldset class="group">
                    <legend>{title}</legend>
                    <div class="inputs">{inputs}</div>
                </fieldset>
            }
        })
        .collect_view();

    view! {
        <section class="card predict" aria-labelledby="predict-title">
            <h2 id="predict-title">"Check a traffic sample"</h2>
            <p class="hint">
                "Enter per-second rates between two polls (gauges as polled). "
                "The verdict updates as you type."
            </p>
            <div class="presets" role="group" aria-label="Presets">
                {presets}
                <button
                    type="button"
                    class="preset reset"
                    on:click=move |_| {
                        fill(model.get_untracked().stats.iter().map(|s| s.median).collect())
                    }
                >
                    "Reset to medians"
                </button>
            </div>
            <VerdictPanel model=model prediction=prediction/>
            <form class="features" on:submit=|ev| ev.prevent_default()>
                {sections}
            </form>
        </section>
    }
}

#[component]
fn FeatureInput(
    model: RwSignal<Arc<Model>>,
    index: usize,
    value: RwSignal<String>,
) -> impl IntoView {
    let m = model.get_untracked();
    let name = m.features[index].clone();
    let var = schema::lookup(&name);
    let unit = match m.kinds.get(index) {
        Some(VarKind::Gauge) => "gauge",
        _ => "per second",
    };
    let description = var.map(|v| v.description).unwrap_or("").to_string();
    let st = &m.stats[index];
    let range = format!(
        "training range {} – {}",
        fmt_range(st.min),
        fmt_range(st.max)
    );
    let id = format!("in-{name}");
    let hint_id = format!("hint-{name}");
    let err_id = format!("err-{name}");
    let error = move || parse_field(&value.get()).err();
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id.clone()>
                <span class="name">{name.clone()}</span>
                <span class="unit">{unit}</span>
            </label>
            <input
                id=id
                name=name.clone()
                type="text"
                inputmode="decimal"
                autocomplete="off"
                aria-describedby=format!("{hint_id} {err_id}")
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <small id=hint_id class="desc">{description}" · "{range}</small>
            <small id=err_id class="error" role="alert">{move || error().unwrap_or("")}</small>
        </div>
    }
}

#[component]
fn VerdictPanel(
    model: RwSignal<Arc<Model>>,
    prediction: Memo<Option<Prediction>>,
) -> impl IntoView {
    view! {
        <div class="verdict-panel" aria-live="polite" data-testid="verdict-panel">
            {move || match prediction.get() {
                None => view! {
                    <p class="verdict invalid" data-testid="verdict">
                        "Fix the highlighted fields to see a verdict."
                    </p>
                }
                .into_any(),
                Some(p) => {
                    let m = model.get();
                    let class = m.classes[p.class].clone();
                    let (cls, icon) = match p.verdict {
                        Verdict::Normal => ("verdict normal", "✓"),
                        Verdict::Anomalous => ("verdict anomalous", "⚠"),
                    };
                    let mut order: Vec<usize> = (0..m.classes.len()).collect();
                    order.sort_by(|&a, &b| p.probabilities[b].total_cmp(&p.probabilities[a]));
                    let bars = order
                        .into_iter()
                        .map(|c| {
                            let pr = p.probabilities[c];
                            let name = m.classes[c].clone();
                            let label = name.clone();
                            view! {
                                <li class="bar" data-class=name>
                                    <span class="bar-label">{label}</span>
                                    <span class="bar-track" aria-hidden="true">
                                        <span class="bar-fill" style=format!("width:{:.1}%", pr * 100.0)></span>
                                    </span>
                                    <span class="bar-value">{format!("{:.0}%", pr * 100.0)}</span>
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <p class=cls data-testid="verdict">
                            <span aria-hidden="true">{icon}" "</span>
                            {p.verdict.label()}
                        </p>
                        <p class="predicted">
                            "Predicted class: "
                            <strong data-testid="predicted-class">{class}</strong>
                            {format!(" ({:.0}% of trees)", p.probabilities[p.class] * 100.0)}
                        </p>
                        <ul class="bars" aria-label="Class probabilities (share of tree votes)">{bars}</ul>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
