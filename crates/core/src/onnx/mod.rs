//! ONNX tree ensembles: import a forest trained elsewhere (scikit-learn,
//! LightGBM, XGBoost, Spark MLlib through skl2onnx / onnxmltools) and export
//! a mibwatch forest for ONNX Runtime (issue #21).
//!
//! - [`import()`]: ONNX bytes → [`Imported`] (a [`TreeEnsemble`] evaluated with
//!   ONNX Runtime's arithmetic, input names when the file has them, class
//!   labels, producer, a description), or an [`OnnxError`] naming what is not
//!   supported.
//! - [`export()`]: a [`crate::forest::Forest`] → ONNX bytes (ai.onnx.ml opset 3
//!   `TreeEnsembleClassifier`, double input, exact thresholds).
//!
//! The files: [`proto`] (the protobuf messages), [`ensemble`] (the model),
//! [`evaluate`] (its evaluation with ONNX Runtime's arithmetic), [`attrs`]
//! (reading node attributes), [`trees`] (node lists → trees), [`graph`]
//! (what surrounds the ensemble), [`import`](mod@import),
//! [`export`](mod@export).

pub mod attrs;
pub mod ensemble;
pub mod evaluate;
pub mod export;
pub mod graph;
pub mod import;
pub mod proto;
pub mod trees;

use std::fmt;

pub use ensemble::{
    Aggregate, ClassLabels, EnsembleNode, EnsembleTree, Mode, PostTransform, Precision, Semantics,
    TreeEnsemble,
};
pub use export::export;
pub use import::{Imported, import};

/// Key of the model metadata entry that lists the input's feature names (a
/// JSON array of strings), written by [`export()`] and read by [`import()`].
pub const FEATURES_KEY: &str = "mibwatch.features";
/// Key of the metadata entry that lists the class names (a JSON array).
pub const CLASSES_KEY: &str = "mibwatch.classes";

/// Why an ONNX file cannot be imported or a forest exported: the sentence a
/// user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnnxError {
    /// Over [`crate::limits::MAX_ONNX_BYTES`]; nothing was parsed.
    TooLarge { bytes: usize },
    /// Not a protobuf ONNX model.
    Decode(String),
    /// Valid ONNX that mibwatch does not run (operator, opset, mode, ...).
    Unsupported(String),
    /// A layout a converter is known to get wrong.
    Broken(String),
    /// Inconsistent attributes, or a layout ONNX Runtime refuses.
    Invalid(String),
    /// A forest that cannot be exported.
    Export(String),
}

impl fmt::Display for OnnxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OnnxError::TooLarge { bytes } => {
                f.write_str(&crate::limits::onnx_bytes_message(*bytes))
            }
            OnnxError::Decode(m) => write!(f, "this is not an ONNX model file: {m}"),
            OnnxError::Unsupported(m) => write!(f, "mibwatch cannot use this ONNX model: {m}"),
            OnnxError::Broken(m) => write!(f, "this ONNX model gives wrong probabilities: {m}"),
            OnnxError::Invalid(m) => write!(f, "this ONNX model is malformed: {m}"),
            OnnxError::Export(m) => write!(f, "the model cannot be exported to ONNX: {m}"),
        }
    }
}

impl std::error::Error for OnnxError {}
