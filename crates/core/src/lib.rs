//! mibwatch core: everything but the user interface. Bytes in, bytes out; no
//! web and no file-system dependencies, so the page, the worker and the CLI
//! share one tested path (see ARCHITECTURE.md).

pub mod baseline;
pub mod batch;
pub mod capture;
pub mod columns;
pub mod display;
pub mod explain;
pub mod export;
pub mod features;
pub mod forest;
pub mod guard;
pub mod ingest;
pub mod learner;
pub mod learners;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod onnx;
pub mod params;
pub mod protocol;
pub mod rates;
/// The README's generated blocks, checked by the tests that measure them
/// (one file shared with the CLI's tests).
#[cfg(test)]
#[path = "../../cli/tests/readme/mod.rs"]
mod readme;
#[cfg(test)]
mod reference;
pub mod sample;
pub mod schema;
pub mod score;
pub mod split;
pub mod stats;
#[cfg(test)]
mod testdata;
pub mod train;
pub mod tree;
