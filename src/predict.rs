//! The sample task: every model input as a field and a log-scale slider,
//! presets, a paste box, a shareable link, and the live verdict beside the
//! form (a sticky summary bar on phones).

use leptos::prelude::*;
use mibwatch_core::display::{DIGITS, shown_inputs, significant};
use mibwatch_core::model::Model;
use mibwatch_core::sample::{self, SLIDER_STEPS, slider_to_value, value_to_slider};
use mibwatch_core::schema::{self, MibGroup, VarKind, Verdict};

use crate::browser;
use crate::fields::{Field, Fields};
use crate::state::AppState;
use crate::tasks::SAMPLE;
use crate::verdict::{Analysis, Timing, VerdictBar, VerdictPanel};

fn medians(m: &Model) -> Vec<f64> {
    m.input_stats.iter().map(|s| s.median).collect()
}

/// What the form opens on (and Reset brings back).
#[derive(Clone, Copy, PartialEq)]
enum Start {
    /// The typical row (medoid, a real training row) of the normal class.
    NormalRow,
    /// The training medians, for a model without a normal class.
    Medians,
}

impl Start {
    fn words(self) -> &'static str {
        match self {
            Start::NormalRow => "typical normal row",
            Start::Medians => "training medians",
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            Start::NormalRow => {
                "The form opens on the typical normal row of the training data (a real row; Reset brings it back)."
            }
            Start::Medians => {
                "The form opens on the training medians (this model has no normal class; Reset brings them back)."
            }
        }
    }
}

/// The sample the form opens on: the typical row of the class the model
/// calls normal, else the training medians.
fn default_sample(m: &Model) -> (Vec<f64>, Start) {
    m.classes
        .iter()
        .position(|c| Verdict::of_class(c) == Verdict::Normal)
        .and_then(|c| m.examples.get(c))
        .map_or_else(
            || (medians(m), Start::Medians),
            |row| (row.clone(), Start::NormalRow),
        )
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

/// The sample task's panel: a form for the active model, rebuilt when the
/// model changes (its inputs may differ).
#[component]
pub fn SampleTask() -> impl IntoView {
    let state = AppState::get();
    move || {
        let _ = state.model.get();
        view! { <PredictForm/> }
    }
}

#[component]
fn PredictForm() -> impl IntoView {
    let state = AppState::get();
    let model = state.model;
    let m0 = model.get_untracked();
    let (start, start_is) = default_sample(&m0);
    let fields = Fields::new(&start);
    // A message about the link the page was opened with (or navigated to).
    let link_notice = RwSignal::new(None::<String>);

    let load_link = move |fragment: String| {
        let m = model.get_untracked();
        let (defaults, _) = default_sample(&m);
        match sample::decode_fragment(&fragment, &m.inputs) {
            Ok(values) => {
                fields.fill_all(&defaults);
                fields.fill(&values);
                link_notice.set(None);
            }
            Err(e) => {
                fields.fill_all(&defaults);
                link_notice.set(Some(format!(
                    "This link's sample could not be read: {e} Showing the default inputs instead."
                )));
            }
        }
    };
    // A link waiting to be read: the page's own, or one opened later.
    if let Some(link) = state.sample_link.get_untracked() {
        state.sample_link.set(None);
        load_link(link);
    }
    Effect::new(move |_| {
        if let Some(link) = state.sample_link.get() {
            state.sample_link.set(None);
            load_link(link);
        }
    });

    let row = Memo::new(move |_| fields.row(&model.get().inputs));
    let analysis = Memo::new(move |_| row.get().map(|r| Analysis::of(&model.get(), &r)));

    // The fields the page set show the row as the core writes it: a few
    // significant digits, more where fewer would change the prediction.
    Effect::new(move |_| {
        if let Some(r) = row.get() {
            let texts = shown_inputs(&model.get_untracked(), &r, &fields.typed_mask());
            fields.show(&texts);
        }
    });

    // Keep the link in the address bar (while this task is on screen) and
    // the footer's timing in step.
    Effect::new(move |_| {
        let on_screen = state.view.get() == SAMPLE;
        if let Some(a) = analysis.get() {
            let m = model.get_untracked();
            if on_screen {
                browser::replace_hash(&sample::encode_fragment(&m.inputs, &a.row));
            }
            state.timing.set(Some(Timing {
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
                .map(|i| view! { <FeatureInput index=i field=fields.get(i)/> })
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
            <h2 id="predict-title">"Check one sample"</h2>
            <p class="hint">
                "Per-second rates between two polls (gauges as polled). "
                {start_is.sentence()}
                " The verdict updates as you type, and the address bar holds a link to this sample."
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
                    data-testid="reset"
                    on:click=move |_| fields.fill_all(&default_sample(&model.get_untracked()).0)
                >
                    {format!("Reset ({})", start_is.words())}
                </button>
            </div>
            <PasteBox fields=fields/>
            <div class="predict-layout">
                <VerdictPanel analysis=analysis/>
                <form class="features" on:submit=|ev| ev.prevent_default()>
                    {sections}
                </form>
            </div>
            <VerdictBar analysis=analysis/>
        </section>
    }
}

#[component]
fn PasteBox(fields: Fields) -> impl IntoView {
    let model = AppState::get().model;
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
fn FeatureInput(index: usize, field: Field) -> impl IntoView {
    let m = AppState::get().model.get_untracked();
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
        significant(st.min, DIGITS),
        significant(st.max, DIGITS)
    );
    let id = format!("in-{name}");
    let err_id = format!("err-{name}");
    let hint_id = format!("hint-{name}");
    let check_name = name.clone();
    let error = Memo::new(move |_| field.value(&check_name).err().map(|e| e.at_field()));
    let slider_pos = move || {
        field
            .value("")
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
                prop:value=move || field.text.get()
                on:input=move |ev| field.typed(event_target_value(&ev))
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
                        field.set(slider_to_value(p));
                    }
                }
            />
            <small id=hint_id class="desc">{hint}</small>
            <small id=err_id class="error" role="alert">{move || error.get().unwrap_or_default()}</small>
        </div>
    }
}
