//! mibwatch web app (Leptos, client-side rendered). Thin: every computation is
//! a call into `mibwatch-core`.

mod app;
mod bands;
mod batch;
mod batch_pool;
mod batch_result;
mod browser;
mod column_select;
mod fields;
mod jobs;
mod learn;
mod models;
mod onnx_import;
mod panic;
mod pool;
mod predict;
mod preview;
mod report;
mod retrain;
mod state;
mod storage;
mod summary;
mod tasks;
mod upload;
mod verdict;

fn main() {
    panic::install_hook();
    leptos::mount::mount_to_body(app::App);
}
