//! The held-out evaluation a model carries: the forest's figures on the
//! random, time-ordered and by-session splits, the guard's held-out share,
//! permutation importances and the counter conversion.

use serde::{Deserialize, Serialize};

pub use crate::capture::RateSummary;
use crate::metrics::Evaluation;

/// Held-out evaluations made while training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Rows the final model was trained on.
    pub rows: usize,
    pub test_fraction: f64,
    /// Stratified random split. Leaky when classes are captured as separate
    /// sessions: rows next in time to test rows sit in training.
    pub random: Evaluation,
    /// Time-ordered split: the last part of each capture session is held out.
    pub time_ordered: Evaluation,
    /// Whole capture sessions held out (grouped k-fold, pooled), when every
    /// class has at least two sessions.
    pub by_session: Option<Evaluation>,
    /// Capture sessions found, and the fewest of any class.
    pub sessions: usize,
    pub min_sessions_per_class: usize,
    /// Share of time-ordered held-out rows the guard (fitted on the training
    /// side only) calls unfamiliar.
    pub guard_heldout_share: f64,
    /// Permutation importance per feature (drop in time-ordered held-out accuracy).
    pub importance: Vec<f64>,
    /// Counter conversion summary, when the input was cumulative totals.
    pub rates: Option<RateSummary>,
}

/// Mean ± standard deviation over the folds of a cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    pub folds: usize,
    pub accuracy_mean: f64,
    pub accuracy_std: f64,
    pub macro_f1_mean: f64,
    pub macro_f1_std: f64,
}

impl TrainingReport {
    /// The plain-words caveat when no held-out figure can separate the traffic
    /// pattern from the capture session.
    pub fn session_caveat(&self) -> Option<String> {
        (self.by_session.is_none()).then(|| {
            format!(
                "Some class was captured in a single session ({} sessions in all), so no held-out figure can separate the traffic pattern from the capture session: the time-ordered split is the fairest figure available, and even it tests on the same session the model trained on.",
                self.sessions
            )
        })
    }
}
