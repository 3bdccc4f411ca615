//! A panic must never leave the user staring at a frozen page: the hook logs
//! it to the console and shows the error banner that `index.html` provides.

use wasm_bindgen::JsCast;

pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_error_banner(&format!(
            "mibwatch hit an internal error and stopped: {info}. Reload the page to continue; please report this."
        ));
    }));
}

/// Show a message in the page-level error banner (plain DOM, so it works even
/// when the Leptos runtime is gone).
pub fn show_error_banner(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(el) = doc.get_element_by_id("error-banner")
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        el.set_inner_text(message);
        el.set_hidden(false);
    }
}
