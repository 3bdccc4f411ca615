//! The few browser calls the app makes directly (location, history, clock).

/// The page's `location.hash`, `#` included (empty when none).
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Replace the URL fragment without adding a history entry or scrolling.
pub fn replace_hash(fragment: &str) {
    let Some(w) = web_sys::window() else { return };
    let url = format!("#{fragment}");
    if w.location().hash().ok().as_deref() == Some(url.as_str()) {
        return;
    }
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Milliseconds from a monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
