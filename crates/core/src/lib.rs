//! mibwatch core: everything but the user interface. Bytes in, bytes out; no
//! web and no file-system dependencies, so the page, the worker and the CLI
//! share one tested path (see ARCHITECTURE.md).

pub mod baseline;
pub mod baselines;
pub mod explain;
pub mod features;
pub mod forest;
pub mod guard;
pub mod hist;
pub mod ingest;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod protocol;
pub mod rates;
pub mod sample;
pub mod schema;
pub mod score;
pub mod split;
