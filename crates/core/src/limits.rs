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
/// Largest ONNX model file read, in bytes: checked before anything is parsed.
pub const MAX_ONNX_BYTES: usize = 100 * 1024 * 1024;
/// Most trees in an imported ONNX ensemble (a boosted model has one tree per
/// class per round).
pub const MAX_ONNX_TREES: usize = 50_000;
/// Most tree nodes, and most leaf weights, in an imported ONNX ensemble.
pub const MAX_ONNX_NODES: usize = 5_000_000;

/// The message for an ONNX file over [`MAX_ONNX_BYTES`].
pub fn onnx_bytes_message(bytes: usize) -> String {
    format!(
        "the ONNX file has {bytes} bytes; mibwatch reads ONNX models of at most {} MB.",
        MAX_ONNX_BYTES / (1024 * 1024)
    )
}

/// The message for an ONNX ensemble over [`MAX_ONNX_TREES`].
pub fn onnx_trees_message(trees: usize) -> String {
    format!("the ONNX model has {trees} trees; mibwatch accepts at most {MAX_ONNX_TREES}.")
}

/// The message for an ONNX ensemble over [`MAX_ONNX_NODES`] nodes or weights.
pub fn onnx_nodes_message(nodes: usize) -> String {
    format!(
        "the ONNX model has {nodes} tree nodes or leaf weights; mibwatch accepts at most {MAX_ONNX_NODES}."
    )
}

/// Most series (one input of one host/interface) read from one export.
pub const MAX_EXPORT_SERIES: usize = 100_000;
/// Most labels (or tags) on one series of an export.
pub const MAX_SERIES_LABELS: usize = 64;
/// Most bytes in one series' label names and values together.
pub const MAX_LABEL_BYTES: usize = 4_096;
/// Most host/interface pairs in one export.
pub const MAX_ENTITIES: usize = 10_000;

/// Most training rows the k-nearest-neighbours baseline keeps (evenly spaced
/// over the training side): smartcore's k-NN compares every test row with
/// every training row, minutes at 100,000 rows. The forest and the other
/// baselines see every row.
pub const KNN_MAX_TRAIN_ROWS: usize = 10_000;

/// Most rows of each side of the time-ordered split that training's
/// smartcore baselines (decision tree, k-NN, naive Bayes) fit and are scored
/// on, and most held-out rows the forest's permutation importance shuffles:
/// evenly spaced, in order. They are references beside the forest, which
/// trains and is scored on every row; on a 100,000-row file they took minutes
/// on the page (k-NN compares every held-out row with every training row, the
/// importance predicts every held-out row 3 × features times).
/// The page and the CLI say when a baseline saw fewer rows than the split has.
pub const EVALUATION_SAMPLE_ROWS: usize = 5_000;

/// Most rows of one class the search for its typical row (the medoid, the
/// page's preset for that class) compares, evenly spaced: the search
/// compares every pair, 20 s for 12,500 rows a class natively.
pub const MEDOID_MAX_ROWS: usize = 2_000;
