//! The model: what its classifier was trained on, how well it did, and how
//! it predicts one row. Its classifier (mibwatch's forest or an imported
//! ensemble) is in [`classifier`], its file format in [`format`], the
//! evaluation it carries in [`report`]; training builds it in
//! [`crate::train`].

pub mod classifier;
pub mod format;
pub mod onnx;
pub mod report;
mod v2;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use classifier::{BatchClassifier, Classifier};
pub use format::{FORMAT_VERSION, MAGIC, ModelError, decode, decode_payload, encode};
pub use report::{CvSummary, TrainingReport};

use crate::baseline::{Baseline, RowScore};
use crate::features::{FeaturePlan, FeatureSet};
use crate::forest::{Forest, ForestParams};
use crate::guard::{Guard, GuardReport};
use crate::ingest::Table;
use crate::schema::{self, VarKind};
use crate::stats::argmax;

/// Summary of one feature over the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStats {
    pub min: f64,
    pub max: f64,
    pub median: f64,
}

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Where the training data came from, in words.
    pub source: String,
    /// What a user enters: per-second rates (counters) and gauges, in order.
    pub inputs: Vec<String>,
    pub input_kinds: Vec<VarKind>,
    pub input_stats: Vec<FeatureStats>,
    /// The features the forest reads, computed from the inputs.
    pub feature_set: FeatureSet,
    pub feature_version: u32,
    pub features: Vec<String>,
    pub feature_stats: Vec<FeatureStats>,
    /// Training ranges of the features, for the unfamiliar-traffic guard.
    pub guard: Guard,
    /// The classes the classifier names (empty without one).
    pub classes: Vec<String>,
    pub classifier: Option<Classifier>,
    /// The baseline of normal traffic over the inputs (in their order): it
    /// decides normal vs anomalous when the model has one.
    pub baseline: Option<Baseline>,
    /// A real training row of inputs per class: the class medoid (log-scaled L1).
    pub examples: Vec<Vec<f64>>,
    /// The held-out evaluation made while training (none for a model
    /// imported from another program).
    pub report: Option<TrainingReport>,
    /// SHA-256 (hex) of the training rows, labels, input and class names.
    pub data_hash: String,
    #[serde(skip)]
    pub(crate) plan: Option<FeaturePlan>,
}

/// One prediction: the baseline's judgement when the model has one, the
/// classifier's class, and whether the row is like the training data.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Normal or anomalous: the baseline's alarm when the model has a
    /// baseline, else the classifier's class.
    pub verdict: schema::Verdict,
    /// The baseline's score, alarm and deviating inputs.
    pub baseline: Option<RowScore>,
    /// The classifier's most likely class (none without a classifier).
    pub class: Option<usize>,
    /// The classifier's class probabilities (empty without a classifier).
    pub probabilities: Vec<f64>,
    /// For an anomalous row that the classifier is familiar with and calls
    /// an attack: that class and its probability (what it "looks like").
    pub attack: Option<(usize, f64)>,
    /// The feature row the classifier read.
    pub features: Vec<f64>,
    pub guard: GuardReport,
}

impl Model {
    /// The bound feature function (set when trained or decoded).
    pub fn plan(&self) -> &FeaturePlan {
        self.plan
            .as_ref()
            .expect("a model is built by train() or decode(), which set its plan")
    }

    /// Whether the model's features read input `i` at all.
    pub fn uses_input(&self, i: usize) -> bool {
        self.plan().uses_input(i)
    }

    /// The model's input rows (row-major) from a table whose columns are
    /// matched to the inputs by name (case-insensitive, schema aliases); extra
    /// columns are ignored.
    pub fn input_rows(&self, table: &Table) -> Result<Vec<f64>, MissingInputs> {
        let mut idx = Vec::with_capacity(self.inputs.len());
        let mut missing = Vec::new();
        for name in &self.inputs {
            match table.column_index(name) {
                Some(j) => idx.push(j),
                None => missing.push(name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(MissingInputs {
                file: table.file_name.clone(),
                missing,
            });
        }
        let mut out = Vec::with_capacity(table.n_rows() * idx.len());
        for r in 0..table.n_rows() {
            let row = table.row(r);
            out.extend(idx.iter().map(|&j| row[j]));
        }
        Ok(out)
    }

    /// Features of one input row.
    pub fn derive(&self, inputs: &[f64]) -> Vec<f64> {
        self.plan().derive(inputs)
    }

    /// Predict one row of inputs (`inputs.len() == self.inputs.len()`).
    pub fn predict(&self, inputs: &[f64]) -> Prediction {
        let features = self.derive(inputs);
        let probabilities = self
            .classifier
            .as_ref()
            .map_or_else(Vec::new, |c| c.predict_proba(&features));
        let class = (!probabilities.is_empty()).then(|| argmax(&probabilities));
        // The guard speaks for the classifier's training data only.
        let guard = if self.classifier.is_some() {
            self.guard.check(&features)
        } else {
            GuardReport::default()
        };
        let baseline = self.baseline.as_ref().map(|b| b.score(inputs));
        let verdict = match (&baseline, class) {
            (Some(s), _) => {
                if s.alarm {
                    schema::Verdict::Anomalous
                } else {
                    schema::Verdict::Normal
                }
            }
            (None, Some(c)) => schema::Verdict::of_class(&self.classes[c]),
            (None, None) => schema::Verdict::Normal,
        };
        // The attack the row looks like: the forest's class, when it is an
        // attack and the forest knows traffic like this.
        let attack = class
            .filter(|&c| schema::Verdict::of_class(&self.classes[c]) == schema::Verdict::Anomalous)
            .filter(|_| verdict == schema::Verdict::Anomalous && !guard.unfamiliar)
            .map(|c| (c, probabilities[c]));
        Prediction {
            verdict,
            baseline,
            class,
            attack,
            guard,
            probabilities,
            features,
        }
    }

    /// mibwatch's own forest, when the model has one.
    pub fn forest(&self) -> Option<&Forest> {
        self.classifier.as_ref().and_then(Classifier::forest)
    }

    /// The parameters the model's forest was grown with, when it has one.
    pub fn params(&self) -> Option<&ForestParams> {
        match &self.classifier {
            Some(Classifier::Forest { params, .. }) => Some(params),
            _ => None,
        }
    }

    /// The index of the class called normal, when there is one.
    pub fn normal_class(&self) -> Option<usize> {
        self.classes
            .iter()
            .position(|c| schema::Verdict::of_class(c) == schema::Verdict::Normal)
    }

    /// Probability that the row is not normal traffic.
    pub fn p_anomalous(&self, probabilities: &[f64]) -> f64 {
        self.classes
            .iter()
            .zip(probabilities)
            .filter(|(c, _)| schema::Verdict::of_class(c) == schema::Verdict::Anomalous)
            .map(|(_, p)| p)
            .sum()
    }
}

/// A table lacks columns the model needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingInputs {
    pub file: String,
    pub missing: Vec<String>,
}

impl fmt::Display for MissingInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the model needs {} column(s) the file does not have: {}.",
            self.file,
            self.missing.len(),
            self.missing.join(", ")
        )
    }
}

impl std::error::Error for MissingInputs {}
