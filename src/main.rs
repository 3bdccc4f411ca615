//! mibwatch web app (Leptos, client-side rendered). Thin: every computation is
//! a call into `mibwatch-core`.

mod app;
mod batch;
mod batch_pool;
mod batch_result;
mod browser;
mod fields;
mod jobs;
mod models;
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
