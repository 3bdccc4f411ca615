//! Messages between the page and its training worker: one serde enum each
//! way, sent as JSON text beside the raw bytes (the CSV in, the model out).

use serde::{Deserialize, Serialize};

use crate::baselines::LearnerScore;
use crate::features::FeatureSet;
use crate::forest::ForestParams;
use crate::model::{CvSummary, Model, TrainOptions};
use crate::score::{ScoreOptions, Scored};

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

/// What to score, as chosen on the batch screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRequest {
    pub file_name: String,
    pub label_column: String,
    pub options: ScoreOptions,
    /// Numeric columns to read; `None`: every column but the label. Text
    /// columns (host names, dates) must be left out.
    pub columns: Option<Vec<String>>,
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Train on the CSV bytes sent beside this message.
    Train(TrainRequest),
    /// Score the CSV bytes sent beside this message with the model file's
    /// bytes sent after them.
    Score(ScoreRequest),
}

/// Points in a scored file's timeline (the most anomalous row of each bucket).
pub const TIMELINE_POINTS: usize = 800;
/// Rows listed in the results table: the first ones of the file, and the
/// first ones of each predicted class (so that filtering by a class shows
/// rows even when they come late in the file).
pub const LISTED_ROWS: usize = 200;

/// One listed row of a scored file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedRow {
    /// Spreadsheet row of the (later) poll in the file.
    pub row: usize,
    pub class: usize,
    pub p_anomalous: f64,
    pub unfamiliar: bool,
    /// Top features behind the prediction: name and Δ probability.
    pub reasons: Vec<(String, f64)>,
}

/// The page's view of a scored file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub rows: usize,
    pub classes: Vec<String>,
    pub counts: Vec<usize>,
    pub unfamiliar: usize,
    pub wraps: Option<usize>,
    pub resets: Option<usize>,
    pub evaluation: Option<crate::metrics::Evaluation>,
    /// Reading the CSV (decode, parse).
    pub read_ms: f64,
    /// Scoring: rates, features, forest, guard.
    pub score_ms: f64,
    /// (first row index of the bucket, highest p_anomalous in it).
    pub timeline: Vec<(usize, f64)>,
    pub listed: Vec<ListedRow>,
}

impl ScoreSummary {
    pub fn of(model: &Model, scored: &Scored, read_ms: f64, score_ms: f64) -> Self {
        let n = scored.rows.len();
        let bucket = n.div_ceil(TIMELINE_POINTS).max(1);
        let timeline = scored
            .rows
            .chunks(bucket)
            .enumerate()
            .map(|(b, c)| {
                let max = c.iter().map(|r| r.p_anomalous).fold(0.0, f64::max);
                (b * bucket, max)
            })
            .collect();
        // The first rows, and the first rows of each class.
        let mut per_class = vec![0usize; model.classes.len()];
        let picked: Vec<usize> = (0..n)
            .filter(|&i| {
                let c = scored.rows[i].class;
                let take = i < LISTED_ROWS || per_class[c] < LISTED_ROWS;
                per_class[c] += take as usize;
                take
            })
            .collect();
        let cols: Option<Vec<usize>> = model
            .inputs
            .iter()
            .map(|name| scored.table.column_index(name))
            .collect();
        let listed = picked
            .into_iter()
            .map(|i| {
                let r = &scored.rows[i];
                let reasons = cols
                    .as_ref()
                    .map(|cols| {
                        let row = scored.table.row(i);
                        let inputs: Vec<f64> = cols.iter().map(|&j| row[j]).collect();
                        crate::explain::contributions(model, &model.derive(&inputs))
                            .into_iter()
                            .take(3)
                            .map(|c| (model.features[c.feature].clone(), c.delta))
                            .collect()
                    })
                    .unwrap_or_default();
                ListedRow {
                    row: scored.table.row_numbers.get(i).copied().unwrap_or(0),
                    class: r.class,
                    p_anomalous: r.p_anomalous,
                    unfamiliar: r.unfamiliar,
                    reasons,
                }
            })
            .collect();
        ScoreSummary {
            rows: n,
            classes: model.classes.clone(),
            counts: scored.counts.clone(),
            unfamiliar: scored.unfamiliar,
            wraps: scored.rates.as_ref().map(|r| r.wraps),
            resets: scored.rates.as_ref().map(|r| r.resets),
            evaluation: scored.evaluation.clone(),
            read_ms,
            score_ms,
            timeline,
            listed,
        }
    }
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
    /// Rows scored so far.
    Scoring {
        done: usize,
        total: usize,
    },
    /// The scored CSV's bytes travel beside this message.
    Scored(Box<ScoreSummary>),
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

#[cfg(test)]
mod summary_tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};

    #[test]
    fn summary_buckets_the_timeline_and_lists_rows_with_reasons() {
        let m = crate::model::decode(include_bytes!("../../../models/default.mwm")).unwrap();
        let t = read_csv(
            include_bytes!("../../../data/snmp-mib/all_data.csv"),
            &IngestOptions::labelled("all_data.csv"),
        )
        .unwrap();
        let opts = ScoreOptions {
            counters: crate::score::Counters::Interval(15.0),
            ..ScoreOptions::default()
        };
        let scored = crate::score::score(&m, t.clone(), &opts).unwrap();
        let s = ScoreSummary::of(&m, &scored, 1.0, 2.0);
        assert_eq!(s.rows, scored.rows.len());
        assert!(s.timeline.len() <= TIMELINE_POINTS && s.timeline.len() > TIMELINE_POINTS / 2);
        // The first rows, plus the first rows of every predicted class.
        assert!(
            s.listed[..LISTED_ROWS]
                .iter()
                .enumerate()
                .all(|(i, r)| r.row == scored.table.row_numbers[i])
        );
        for (c, &count) in s.counts.iter().enumerate() {
            let listed = s.listed.iter().filter(|r| r.class == c).count();
            assert!(
                listed >= count.min(LISTED_ROWS),
                "class {c}: {listed} of {count}"
            );
        }
        assert!(s.listed.windows(2).all(|w| w[0].row < w[1].row));
        assert!(s.listed.iter().all(|r| r.reasons.len() <= 3));
        assert!(s.listed.iter().any(|r| !r.reasons.is_empty()));
        assert_eq!(s.counts.iter().sum::<usize>(), s.rows);
        assert!(s.evaluation.is_some());
        let json = FromWorker::Scored(Box::new(s.clone())).to_json();
        assert_eq!(
            FromWorker::from_json(&json).unwrap(),
            FromWorker::Scored(Box::new(s))
        );
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
        let score = ToWorker::Score(ScoreRequest {
            file_name: "s.csv".into(),
            label_column: "class".into(),
            options: ScoreOptions::default(),
            columns: Some(vec!["tcpInSegs".into()]),
        });
        assert_eq!(ToWorker::from_json(&score.to_json()).unwrap(), score);
        let ToWorker::Train(r) = req else {
            unreachable!("built as Train above")
        };
        let o = r.options();
        assert_eq!(o.feature_set, FeatureSet::IfIpMix);
        assert_eq!(o.counters_interval, Some(15.0));
        assert_eq!(total_trees(100, 0, 0), 300);
        assert_eq!(total_trees(10, 2, 5), 100);
        assert_eq!(o.normal_label.as_deref(), Some("benign"));
        assert!(o.binary);
    }
}
