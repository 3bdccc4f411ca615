//! mibwatch web app (Leptos, client-side rendered). Thin: every computation is
//! a call into `mibwatch-core`.

mod app;
mod batch;
mod browser;
mod jobs;
mod models;
mod panic;
mod predict;
mod report;
mod retrain;
mod storage;
mod summary;
mod upload;
mod verdict;

fn main() {
    panic::install_hook();
    leptos::mount::mount_to_body(app::App);
}
