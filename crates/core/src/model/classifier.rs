//! What names a row's class: mibwatch's own random forest, or a tree
//! ensemble imported from ONNX (scikit-learn, LightGBM, XGBoost, Spark MLlib…).
//! Both give class probabilities for one feature row or a batch of them.

use serde::{Deserialize, Serialize};

use crate::batch::BatchForest;
use crate::forest::{Forest, ForestParams};
use crate::onnx::TreeEnsemble;

/// A model's classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Classifier {
    /// mibwatch's random forest and the parameters it was grown with.
    Forest {
        params: ForestParams,
        forest: Forest,
    },
    /// A tree ensemble imported from an ONNX file, and what that file said
    /// of itself (producer, operators, cautions).
    Imported {
        ensemble: TreeEnsemble,
        description: String,
    },
}

/// A classifier laid out for scoring many rows.
pub enum BatchClassifier<'a> {
    Forest(BatchForest),
    Imported(&'a TreeEnsemble),
}

impl BatchClassifier<'_> {
    /// Class probabilities of every row of row-major `x` into `out`.
    pub fn predict_proba(&self, x: &[f64], out: &mut [f64]) {
        match self {
            BatchClassifier::Forest(f) => f.predict_proba(x, out),
            BatchClassifier::Imported(e) => e.predict_proba_batch(x, out),
        }
    }

    /// [`BatchClassifier::predict_proba`] with the rows split over `threads`
    /// threads (native tools; one in the page): the same values.
    pub fn predict_proba_threads(&self, x: &[f64], out: &mut [f64], threads: usize) {
        match self {
            BatchClassifier::Forest(f) => f.predict_proba_threads(x, out, threads),
            BatchClassifier::Imported(e) => {
                let (nf, k) = (e.n_features.max(1), e.n_classes().max(1));
                let rows = x.len() / nf;
                if threads <= 1 || rows < 4096 || cfg!(target_arch = "wasm32") {
                    return e.predict_proba_batch(x, out);
                }
                let per = rows.div_ceil(threads);
                std::thread::scope(|s| {
                    for (xp, op) in x.chunks(per * nf).zip(out.chunks_mut(per * k)) {
                        s.spawn(move || e.predict_proba_batch(xp, op));
                    }
                });
            }
        }
    }
}

impl Classifier {
    pub fn n_features(&self) -> usize {
        match self {
            Classifier::Forest { forest, .. } => forest.n_features,
            Classifier::Imported { ensemble, .. } => ensemble.n_features,
        }
    }

    pub fn n_classes(&self) -> usize {
        match self {
            Classifier::Forest { forest, .. } => forest.n_classes,
            Classifier::Imported { ensemble, .. } => ensemble.n_classes(),
        }
    }

    pub fn n_trees(&self) -> usize {
        match self {
            Classifier::Forest { forest, .. } => forest.trees.len(),
            Classifier::Imported { ensemble, .. } => ensemble.trees.len(),
        }
    }

    /// mibwatch's own forest, when this is one.
    pub fn forest(&self) -> Option<&Forest> {
        match self {
            Classifier::Forest { forest, .. } => Some(forest),
            Classifier::Imported { .. } => None,
        }
    }

    /// In words: "random forest of 100 trees" or the imported file's
    /// description.
    pub fn describe(&self) -> String {
        match self {
            Classifier::Forest { forest, .. } => {
                format!("random forest of {} trees", forest.trees.len())
            }
            Classifier::Imported { description, .. } => description.clone(),
        }
    }

    /// Class probabilities for one feature row.
    pub fn predict_proba(&self, row: &[f64]) -> Vec<f64> {
        match self {
            Classifier::Forest { forest, .. } => forest.predict_proba(row),
            Classifier::Imported { ensemble, .. } => ensemble.predict_proba(row),
        }
    }

    /// The classifier laid out for batch scoring.
    pub fn batch(&self) -> BatchClassifier<'_> {
        match self {
            Classifier::Forest { forest, .. } => BatchClassifier::Forest(forest.batch()),
            Classifier::Imported { ensemble, .. } => BatchClassifier::Imported(ensemble),
        }
    }

    /// Check a decoded classifier so that inference cannot go out of bounds.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Classifier::Forest { forest, .. } => forest.validate(),
            Classifier::Imported { ensemble, .. } => ensemble.validate().map_err(|e| e.to_string()),
        }
    }
}
