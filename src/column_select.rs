//! A file's timestamp or session column: one of its numeric columns, or
//! none (shared by the Learn your normal and Score an export tasks).

use leptos::prelude::*;

/// A select of `numeric` columns bound to `value` ("" = none, shown as
/// `none`), with its title and an optional hint.
#[component]
pub fn ColumnSelect(
    numeric: Vec<String>,
    testid: &'static str,
    title: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "(none)")] none: &'static str,
) -> impl IntoView {
    let options = numeric
        .into_iter()
        .map(|c| {
            let sel = c == value.get_untracked();
            view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
        })
        .collect_view();
    view! {
        <label>
            {title}
            <select data-testid=testid on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=value.get_untracked().is_empty()>{none}</option>
                {options}
            </select>
            {hint.map(|h| view! { <small>{h}</small> })}
        </label>
    }
}
