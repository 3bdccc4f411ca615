//! What mibwatch accepts, explicitly. wasm32 gives a tab at most 4 GiB of
//! memory; these bounds keep every accepted input well inside that, so an
//! oversized file gets a message instead of crashing the tab.

/// Largest CSV file read, in bytes.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 2_000_000;
/// Most columns in one file.
pub const MAX_COLUMNS: usize = 1_000;
/// Most distinct classes in a label column.
pub const MAX_CLASSES: usize = 100;
/// Most trees in a forest.
pub const MAX_TREES: u16 = 1_000;
/// Most values (rows × feature columns) held at once: 800 MB of f64.
pub const MAX_VALUES: usize = 100_000_000;
/// Most series (one input of one host/interface) read from one export.
pub const MAX_EXPORT_SERIES: usize = 100_000;
/// Most labels (or tags) on one series of an export.
pub const MAX_SERIES_LABELS: usize = 64;
/// Most bytes in one series' label names and values together.
pub const MAX_LABEL_BYTES: usize = 4_096;
/// Most host/interface pairs in one export.
pub const MAX_ENTITIES: usize = 10_000;
