//! Messages between the page and its training worker: one serde enum each
//! way, sent as JSON text beside the raw bytes (the CSV in, the model out).

use serde::{Deserialize, Serialize};

use crate::baselines::LearnerScore;
use crate::features::FeatureSet;
use crate::forest::ForestParams;
use crate::model::{CvSummary, TrainOptions};

/// What to train, as chosen on the retraining screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    pub file_name: String,
    pub label_column: String,
    pub params: ForestParams,
    pub feature_set: FeatureSet,
    pub test_fraction: f64,
    /// `Some(seconds)`: the file holds cumulative counters polled this often.
    pub counters_interval: Option<f64>,
    /// Feature columns to read; `None`: every column but the label.
    pub columns: Option<Vec<String>>,
    /// The label of normal traffic in this file (renamed `normal`).
    pub normal_label: Option<String>,
    /// Binary task: every label but the normal one becomes `attack`.
    pub binary: bool,
    /// Optional time-blocked k-fold cross-validation.
    pub cv_folds: Option<usize>,
    /// A numeric timestamp column (seconds): time between polls and session gaps.
    pub time_column: Option<String>,
}

impl TrainRequest {
    pub fn options(&self) -> TrainOptions {
        TrainOptions {
            params: self.params.clone(),
            feature_set: self.feature_set,
            test_fraction: self.test_fraction,
            counters_interval: self.counters_interval,
            source: self.file_name.clone(),
            normal_label: self.normal_label.clone(),
            binary: self.binary,
            time_column: self.time_column.clone(),
            ..TrainOptions::default()
        }
    }
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Train on the CSV bytes sent beside this message.
    Train(TrainRequest),
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker has loaded and waits for work.
    Ready,
    /// A tree is done: `done` of `total` over all phases.
    Progress {
        phase: String,
        done: usize,
        total: usize,
        elapsed_ms: f64,
    },
    /// The model file's bytes travel beside this message, with the quick
    /// smartcore baselines on the same time-ordered split.
    Done {
        elapsed_ms: f64,
        baselines: Vec<LearnerScore>,
        cv: Option<CvSummary>,
    },
    Failed {
        error: String,
    },
}

impl ToWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("bad message to the worker: {e}"))
    }
}

impl FromWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(s: &str) -> Result<Self, String> {
        serde_json::from_str(s).map_err(|e| format!("bad message from the worker: {e}"))
    }
}

/// Trees trained over all phases of [`crate::model::train`] (the random and
/// time-ordered splits, `session_folds` session folds, the final forest) plus
/// `cv_folds` cross-validation folds.
pub fn total_trees(n_trees: u16, session_folds: usize, cv_folds: usize) -> usize {
    n_trees as usize * (3 + session_folds + cv_folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_json() {
        let req = ToWorker::Train(TrainRequest {
            file_name: "a.csv".into(),
            label_column: "class".into(),
            params: ForestParams::default(),
            feature_set: FeatureSet::IfIpMix,
            test_fraction: 0.3,
            counters_interval: Some(15.0),
            columns: None,
            normal_label: Some("benign".into()),
            binary: true,
            cv_folds: Some(5),
            time_column: None,
        });
        assert_eq!(ToWorker::from_json(&req.to_json()).unwrap(), req);
        for m in [
            FromWorker::Ready,
            FromWorker::Progress {
                phase: "final".into(),
                done: 3,
                total: 300,
                elapsed_ms: 12.5,
            },
            FromWorker::Done {
                elapsed_ms: 1.0,
                baselines: vec![LearnerScore {
                    learner: "decision tree".into(),
                    accuracy: 0.5,
                    macro_f1: 0.4,
                    balanced_accuracy: 0.5,
                }],
                cv: None,
            },
            FromWorker::Failed { error: "x".into() },
        ] {
            assert_eq!(FromWorker::from_json(&m.to_json()).unwrap(), m);
        }
        assert!(ToWorker::from_json("{").is_err());
        let ToWorker::Train(r) = req;
        let o = r.options();
        assert_eq!(o.feature_set, FeatureSet::IfIpMix);
        assert_eq!(o.counters_interval, Some(15.0));
        assert_eq!(total_trees(100, 0, 0), 300);
        assert_eq!(total_trees(10, 2, 5), 100);
        assert_eq!(o.normal_label.as_deref(), Some("benign"));
        assert!(o.binary);
    }
}
