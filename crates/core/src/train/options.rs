//! What to train and evaluate, and why it could not be done.

use std::fmt;

use crate::baseline::{BaselineError, BaselineOptions};
use crate::capture::{Capture, CaptureError};
use crate::features::{FeatureError, FeatureSet};
use crate::forest::{ForestError, ForestParams};

/// How to train a model from a labelled table.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub params: ForestParams,
    pub feature_set: FeatureSet,
    pub test_fraction: f64,
    /// How the rows were captured (counters or rates, time, sessions).
    pub capture: Capture,
    pub source: String,
    /// Shuffles for permutation importance.
    pub importance_repeats: usize,
    /// The file's label for normal traffic, renamed `normal` (default: a
    /// label `normal` in any case).
    pub normal_label: Option<String>,
    /// Binary task: every label but the normal one becomes `attack`.
    pub binary: bool,
    /// Time-blocked k-fold cross-validation of the forest.
    pub cv_folds: Option<usize>,
    /// smartcore's quick baselines on the time-ordered split.
    pub baselines: bool,
    /// Fit a baseline of normal traffic on the file's normal sessions (when
    /// it has a normal class) to decide normal vs anomalous beside the forest.
    pub learn_normal: Option<BaselineOptions>,
    /// Threads the forests grow on (1 in the page's wasm).
    pub threads: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            params: ForestParams::default(),
            feature_set: FeatureSet::RatesMix,
            test_fraction: 0.3,
            capture: Capture::rates(),
            source: String::new(),
            importance_repeats: 3,
            normal_label: None,
            binary: false,
            cv_folds: None,
            baselines: false,
            learn_normal: None,
            threads: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
    NoLabels {
        file: String,
    },
    Capture(CaptureError),
    TooFewRows {
        class: String,
        rows: usize,
    },
    Features(FeatureError),
    Forest(ForestError),
    /// Two files to compare do not describe the same things.
    Mismatch(String),
    Baseline(BaselineError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::NoLabels { file } => write!(f, "{file}: the file has no label column."),
            TrainError::Capture(e) => e.fmt(f),
            TrainError::TooFewRows { class, rows } => write!(
                f,
                "class \"{class}\" has {rows} usable row(s); at least 4 are needed to hold some out for testing."
            ),
            TrainError::Features(e) => e.fmt(f),
            TrainError::Forest(e) => e.fmt(f),
            TrainError::Mismatch(m) => f.write_str(m),
            TrainError::Baseline(e) => write!(f, "the baseline of normal traffic: {e}"),
        }
    }
}

impl std::error::Error for TrainError {}
