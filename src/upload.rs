//! Reading a file the user chose or dropped: one path for every upload box.

use leptos::prelude::*;

/// Bytes read per step, so that a large file shows its progress.
const READ_CHUNK: u64 = 4 * 1024 * 1024;

/// The file chosen in an `<input type="file">`.
pub fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    input.files().and_then(|l| l.get(0))
}

/// The file dropped on a box (the browser's own handling is prevented).
pub fn dropped_file(ev: &leptos::ev::DragEvent) -> Option<web_sys::File> {
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

/// Read `f` in the background; `done(name, bytes)` gets the result.
pub fn read_file(
    f: web_sys::File,
    progress: impl Fn(u64, u64) + 'static,
    done: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
) {
    let name = f.name();
    leptos::task::spawn_local(async move {
        let bytes = read_with_progress(f, progress).await;
        done(name, bytes);
    });
}
