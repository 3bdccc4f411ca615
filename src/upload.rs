//! The one upload box of every task (scoring, retraining, loading a model):
//! a file picker and a drop zone, the read progress, and the refusal of a
//! file over the size limit. The bytes (or the error) go to the caller.

use leptos::prelude::*;

/// Bytes read per step, so that a large file shows its progress.
const READ_CHUNK: u64 = 4 * 1024 * 1024;

/// The file chosen in an `<input type="file">`.
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    let file = input.files().and_then(|l| l.get(0));
    // Cleared, so that choosing the same file again reads it again.
    input.set_value("");
    file
}

/// The file dropped on a box (the browser's own handling is prevented).
fn dropped_file(ev: &leptos::ev::DragEvent) -> Option<web_sys::File> {
    ev.prevent_default();
    ev.data_transfer()
        .and_then(|d| d.files())
        .and_then(|l| l.get(0))
}

/// Read a file in chunks, reporting `progress(done, total)`; refuses files
/// over the limit. Errors name the file.
async fn read_with_progress(
    f: web_sys::File,
    progress: impl Fn(u64, u64),
) -> Result<Vec<u8>, String> {
    let name = f.name();
    let blob = gloo_file::Blob::from(f);
    let total = blob.size();
    if total > mibwatch_core::limits::MAX_FILE_BYTES as u64 {
        return Err(format!(
            "{name}: the file is {:.0} MB; mibwatch reads files up to {} MB in the browser",
            total as f64 / 1e6,
            mibwatch_core::limits::MAX_FILE_BYTES / 1_000_000
        ));
    }
    let mut out = Vec::with_capacity(total as usize);
    let mut done = 0;
    while done < total {
        progress(done, total);
        let end = (done + READ_CHUNK).min(total);
        let chunk = gloo_file::futures::read_as_bytes(&blob.slice(done, end))
            .await
            .map_err(|e| format!("{name}: could not read the file: {e}"))?;
        out.extend_from_slice(&chunk);
        done = end;
    }
    Ok(out)
}

/// A picker and a drop zone. `on_file(name, bytes)` gets a file once read;
/// `on_error` the sentence when it cannot be (too large, unreadable). The
/// input carries `data-testid=testid`, the zone `{testid}-drop`.
#[component]
pub fn UploadBox(
    testid: &'static str,
    /// The file types offered by the picker.
    accept: &'static str,
    /// The picker's label, e.g. "Choose a CSV file".
    label: &'static str,
    /// One line under the picker: what the file should hold.
    #[prop(optional)]
    note: &'static str,
    /// A button-sized box (the model file) instead of a wide zone.
    #[prop(optional)]
    compact: bool,
    on_file: Callback<(String, Vec<u8>)>,
    on_error: Callback<String>,
    /// Set while a file is being read (the caller's Start waits for it).
    #[prop(optional)]
    busy: Option<RwSignal<bool>>,
    /// The name of the file the caller holds, shown in the box.
    #[prop(optional, into)]
    loaded: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let reading = RwSignal::new(None::<(u64, u64)>);
    if let Some(busy) = busy {
        Effect::new(move |_| busy.set(reading.with(Option::is_some)));
    }
    let dragging = RwSignal::new(false);
    let read = move |f: web_sys::File| {
        let name = f.name();
        reading.set(Some((0, f.size() as u64)));
        leptos::task::spawn_local(async move {
            let bytes = read_with_progress(f, |done, total| reading.set(Some((done, total)))).await;
            reading.set(None);
            match bytes {
                Ok(b) => on_file.run((name, b)),
                Err(e) => on_error.run(e),
            }
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(f) = chosen_file(&ev) {
            read(f);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        dragging.set(false);
        if let Some(f) = dropped_file(&ev) {
            read(f);
        }
    };
    view! {
        <div
            class="upload"
            class:compact=compact
            class:dragging=move || dragging.get()
            data-testid=format!("{testid}-drop")
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <label class="button-like upload-pick">
                {label}
                <input type="file" accept=accept class="visually-hidden" data-testid=testid on:change=on_change/>
            </label>
            {(!compact).then(|| view! { <span class="upload-or">" or drop it here"</span> })}
            {move || loaded.and_then(|l| l.get()).map(|name| view! {
                <span class="upload-loaded"><span aria-hidden="true">"✓ "</span>{name}</span>
            })}
            {(!note.is_empty()).then(|| view! { <small class="upload-note">{note}</small> })}
            {move || reading.get().map(|(done, total)| view! {
                <div class="upload-reading" role="status">
                    <progress max=total.max(1).to_string() value=done.to_string() data-testid="read-progress"></progress>
                    <span data-testid="read-status">{format!(
                        "Reading the file: {:.1} of {:.1} MB", done as f64 / 1e6, total as f64 / 1e6
                    )}</span>
                </div>
            })}
        </div>
    }
}
