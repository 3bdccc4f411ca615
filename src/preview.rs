//! A labelled file as read for training: its shape, columns and first rows,
//! and the choices of label, normal label, features, timestamp and session
//! columns and task. The core guesses each choice ([`columns::understand`]);
//! the user may change it here.

use leptos::prelude::*;
use mibwatch_core::columns;
use mibwatch_core::ingest::Preview;
use mibwatch_core::schema::LABEL_COLUMN;

/// What the file's columns are used for: guessed by the core when the file
/// is read ([`columns::understand`]), changed by the user in the preview.
#[derive(Clone, Copy)]
pub struct Choices {
    pub label: RwSignal<String>,
    pub features: RwSignal<Vec<String>>,
    pub normal_label: RwSignal<Option<String>>,
    pub binary: RwSignal<bool>,
    pub time: RwSignal<Option<String>>,
    pub session: RwSignal<Option<String>>,
}

impl Choices {
    pub fn new() -> Self {
        Choices {
            label: RwSignal::new(LABEL_COLUMN.to_string()),
            features: RwSignal::new(Vec::new()),
            normal_label: RwSignal::new(None),
            binary: RwSignal::new(false),
            time: RwSignal::new(None),
            session: RwSignal::new(None),
        }
    }

    /// The core's reading of a newly chosen file.
    pub fn understand(&self, p: &Preview) {
        let u = columns::understand(p, None);
        self.label
            .set(u.label.unwrap_or_else(|| LABEL_COLUMN.to_string()));
        self.features.set(u.numeric);
        self.normal_label.set(u.normal_label);
        self.time.set(u.time);
        self.session.set(u.session);
    }
}

/// What the file holds, and the choice of label, features and task.
#[component]
pub fn FilePreview(preview: Preview, choices: Choices) -> impl IntoView {
    let Choices {
        label: label_col,
        features: chosen,
        normal_label,
        binary,
        time: time_col,
        session: session_col,
    } = choices;
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
    let numeric: Vec<String> = cols
        .iter()
        .filter(|c| c.numeric)
        .map(|c| c.name.clone())
        .collect();
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
        normal_label.set(columns::normal_label(&p2, &l));
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
                        <option value="" selected=time_col.get_untracked().is_none()>"(none)"</option>
                        {numeric.iter().map(|c| {
                            let sel = time_col.get_untracked().as_ref() == Some(c);
                            view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <small>"Seconds since any origin: the time between polls, and gaps that split captures. None: rows in order, polled at the interval below."</small>
                </label>
                <label>
                    "Session column"
                    <select data-testid="train-session" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if !v.is_empty() {
                            chosen.update(|c| c.retain(|x| *x != v));
                        }
                        session_col.set((!v.is_empty()).then_some(v));
                    }>
                        <option value="" selected=session_col.get_untracked().is_none()>"(none)"</option>
                        {numeric.iter().map(|c| {
                            let sel = session_col.get_untracked().as_ref() == Some(c);
                            view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <small>"A number per capture session: rates never span two sessions, and splits can hold whole sessions out."</small>
                </label>
                <fieldset class="task">
                    <legend>"What to learn"</legend>
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
