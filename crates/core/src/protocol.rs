//! Messages between the page and its training worker: one serde enum each
//! way, sent as JSON text beside the raw bytes (the CSV in, the model out).

use serde::{Deserialize, Serialize};

use crate::baseline::BaselineOptions;
use crate::capture::{Capture, Values};
use crate::export::{Export, FileChoices, ReadOptions, SeriesKind};
use crate::features::FeatureSet;
use crate::forest::ForestParams;
use crate::ingest::IngestOptions;
use crate::model::CvSummary;
use crate::score::{Fill, ScoreOptions, ScoreSummary};
use crate::train::{LearnOptions, LearnerScore, Task, TrainOptions};

/// What to train, as chosen on the retraining screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    pub file_name: String,
    pub label_column: String,
    pub params: ForestParams,
    pub feature_set: FeatureSet,
    pub test_fraction: f64,
    /// How the rows were captured (counters or rates, time, sessions).
    pub capture: Capture,
    /// Columns to read as numbers; `None`: every column but the label.
    pub columns: Option<Vec<String>>,
    /// The label of normal traffic in this file (renamed `normal`).
    pub normal_label: Option<String>,
    /// Binary task: every label but the normal one becomes `attack`.
    pub binary: bool,
    /// Optional time-blocked k-fold cross-validation.
    pub cv_folds: Option<usize>,
}

impl TrainRequest {
    /// How to read the file.
    pub fn ingest(&self) -> IngestOptions {
        IngestOptions {
            file_name: self.file_name.clone(),
            label_column: self.label_column.clone(),
            require_label: true,
            columns: self.columns.clone(),
            keep_text: !self.capture.entity_columns.is_empty(),
        }
    }

    /// How to train: everything the page shows, on one thread.
    pub fn options(&self) -> TrainOptions {
        TrainOptions {
            params: self.params.clone(),
            feature_set: self.feature_set,
            test_fraction: self.test_fraction,
            capture: self.capture.clone(),
            source: self.file_name.clone(),
            normal_label: self.normal_label.clone(),
            binary: self.binary,
            cv_folds: self.cv_folds,
            baselines: true,
            ..TrainOptions::default()
        }
    }
}

/// What to score, as chosen on the batch screen: the file read and its
/// rows captured as `choices` say, exactly as `mibwatch score` reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRequest {
    pub file_name: String,
    /// How to read the file and capture its rows (the CLI's options).
    pub choices: FileChoices,
    pub fill: Fill,
    /// Prefix text cells a spreadsheet would run as formulas with `'`.
    pub escape_formulas: bool,
}

impl ScoreRequest {
    /// How to score the captured rows (on one thread: one worker).
    pub fn options(&self, capture: Capture) -> ScoreOptions {
        ScoreOptions {
            capture,
            escape_formulas: self.escape_formulas,
            fill: self.fill.clone(),
            threads: 1,
        }
    }
}

/// A column of the capture chosen on the page: as the file's reader found
/// it, none, or a named column.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ColumnChoice {
    #[default]
    Found,
    Nothing,
    Named(String),
}

impl ColumnChoice {
    fn apply(&self, found: Option<String>) -> Option<String> {
        match self {
            ColumnChoice::Found => found,
            ColumnChoice::Nothing => None,
            ColumnChoice::Named(c) => Some(c.clone()),
        }
    }
}

/// What to learn, as chosen on the "Learn your normal" screen: a file of
/// ordinary traffic (any export [`crate::export::read_export`] reads) and
/// how it was captured, each part as the reader found it unless chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnRequest {
    pub file_name: String,
    /// Counters or per-second rates; `None`: as the reader finds them.
    pub kind: Option<SeriesKind>,
    /// Seconds between polls, for counters without a clock.
    pub interval: Option<f64>,
    pub time_column: ColumnChoice,
    pub session_column: ColumnChoice,
    /// Share of held-out normal rows allowed to raise an alarm (0 < r < 0.5).
    pub false_alarm_rate: f64,
    /// Put the baseline beside the forest of the model file sent after the
    /// data (the active model); else a model of the baseline only.
    pub beside: bool,
}

impl LearnRequest {
    /// How to read the file: labels optional, text passing through.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            kind: self.kind,
            interval: self.interval,
            ..ReadOptions::default()
        }
    }

    /// How to learn from the file read: its capture as found, with the
    /// page's choices on top.
    pub fn options(&self, e: &Export) -> LearnOptions {
        let mut capture = e.capture();
        match self.kind {
            Some(SeriesKind::Rate) => capture.values = Values::Rates,
            Some(SeriesKind::Counter) => capture.values = Values::Counters,
            _ => {}
        }
        capture.interval = self.interval.or(capture.interval);
        capture.time_column = self.time_column.apply(capture.time_column);
        capture.session_column = self.session_column.apply(capture.session_column);
        LearnOptions {
            capture,
            normal_label: None,
            baseline: BaselineOptions {
                false_alarm_rate: self.false_alarm_rate,
                ..BaselineOptions::default()
            },
            source: self.file_name.clone(),
        }
    }
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    /// Train on the CSV bytes sent beside this message.
    Train(TrainRequest),
    /// Grow trees `share.0..share.1` of every forest of the training plan
    /// on the CSV bytes sent beside this message (one of several workers);
    /// the worker keeps the prepared data for the tasks that follow.
    TrainShare {
        request: TrainRequest,
        share: (usize, usize),
    },
    /// Every share's trees (bytes sent beside, in share order), for the
    /// worker's [`ToWorker::TrainTask`]s and, with `keep_final`, the model:
    /// the worker keeps the plan's forests (the final one only if asked).
    TrainForests { keep_final: bool },
    /// Do one task of the evaluation with the forests kept;
    /// answered by [`FromWorker::TaskDone`].
    TrainTask(Task),
    /// Finish the training with every task's piece (bytes sent beside):
    /// the report and the model, as [`ToWorker::Train`] would.
    TrainFinish,
    /// Score the CSV bytes sent beside this message with the model file's
    /// bytes sent after them.
    Score(ScoreRequest),
    /// Learn normal from the export's bytes sent beside this message (and,
    /// when the request says so, beside the model file's bytes sent after
    /// them): `Progress` per step, then `Done` with the model file.
    LearnNormal(LearnRequest),
    /// Score share `share.0` of `share.1` (contiguous row ranges, after the
    /// whole file is captured) of the file sent beside, with the model sent
    /// after it; the first share's worker keeps the file for a
    /// [`ToWorker::ScoreFinish`].
    ScoreShare {
        request: ScoreRequest,
        share: (usize, usize),
    },
    /// Merge every share's scored rows (bytes sent beside, in share order)
    /// into the scored file, as [`ToWorker::Score`] would answer.
    ScoreFinish,
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
    /// A share of the trees is grown; its bytes travel beside this message,
    /// with the evaluation's tasks still to do once every share is in.
    ShareDone {
        tasks: Vec<Task>,
    },
    /// A task of the evaluation is done; its piece's bytes travel beside.
    TaskDone,
    /// Rows scored so far.
    Scoring {
        done: usize,
        total: usize,
    },
    /// The scored CSV's bytes travel beside this message.
    Scored(Box<ScoreSummary>),
    /// A share's scored rows travel beside this message.
    ScorePart,
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
            capture: Capture::counters_every(15.0),
            columns: None,
            normal_label: Some("benign".into()),
            binary: true,
            cv_folds: Some(5),
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
                    sampled: Some(crate::train::Sampled {
                        train: 10,
                        train_of: 70,
                        test: 10,
                        test_of: 30,
                    }),
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
            choices: FileChoices {
                interval: Some(15.0),
                ..FileChoices::default()
            },
            fill: Fill::Median,
            escape_formulas: true,
        });
        assert_eq!(ToWorker::from_json(&score.to_json()).unwrap(), score);
        let learn = LearnRequest {
            file_name: "normal.csv".into(),
            kind: Some(SeriesKind::Counter),
            interval: Some(30.0),
            time_column: ColumnChoice::Nothing,
            session_column: ColumnChoice::Named("run".into()),
            false_alarm_rate: 0.02,
            beside: true,
        };
        let msg = ToWorker::LearnNormal(learn.clone());
        assert_eq!(ToWorker::from_json(&msg.to_json()).unwrap(), msg);
        assert_eq!(learn.read_options().kind, Some(SeriesKind::Counter));
        let ToWorker::Score(request) = score else {
            unreachable!("built as Score above")
        };
        for m in [
            ToWorker::ScoreShare {
                request,
                share: (1, 2),
            },
            ToWorker::ScoreFinish,
            ToWorker::TrainForests { keep_final: true },
            ToWorker::TrainTask(Task::Importance { start: 4, end: 8 }),
            ToWorker::TrainTask(Task::Baseline {
                index: 1,
                part: 2,
                parts: 4,
            }),
            ToWorker::TrainFinish,
        ] {
            assert_eq!(ToWorker::from_json(&m.to_json()).unwrap(), m);
        }
        for part in [FromWorker::ScorePart, FromWorker::TaskDone] {
            assert_eq!(FromWorker::from_json(&part.to_json()).unwrap(), part);
        }
        let ToWorker::Train(r) = req else {
            unreachable!("built as Train above")
        };
        let o = r.options();
        assert_eq!(o.feature_set, FeatureSet::IfIpMix);
        assert_eq!(o.capture, Capture::counters_every(15.0));
        assert_eq!(o.cv_folds, Some(5));
        assert!(o.baselines);
        assert_eq!(o.normal_label.as_deref(), Some("benign"));
        assert!(o.binary);
    }

    /// The page's choices go on top of what the reader found in the file.
    #[test]
    fn a_learn_request_keeps_what_the_reader_found_unless_chosen() {
        let text = "ifInOctets11,tcpInSegs,timestamp,session\n10,1,0,1\n20,3,15,1\n";
        let e =
            crate::export::read_export(text.as_bytes(), "n.csv", &ReadOptions::default()).unwrap();
        let mut req = LearnRequest {
            file_name: "n.csv".into(),
            kind: None,
            interval: None,
            time_column: ColumnChoice::Found,
            session_column: ColumnChoice::Found,
            false_alarm_rate: 0.05,
            beside: false,
        };
        let o = req.options(&e);
        assert_eq!(o.capture.values, Values::Counters);
        assert_eq!(o.capture.time_column.as_deref(), Some("timestamp"));
        assert_eq!(o.capture.session_column.as_deref(), Some("session"));
        assert_eq!(o.baseline.false_alarm_rate, 0.05);
        assert_eq!(o.source, "n.csv");
        req.kind = Some(SeriesKind::Rate);
        req.time_column = ColumnChoice::Nothing;
        req.session_column = ColumnChoice::Named("other".into());
        let o = req.options(&e);
        assert_eq!(o.capture.values, Values::Rates);
        assert_eq!(o.capture.time_column, None);
        assert_eq!(o.capture.session_column.as_deref(), Some("other"));
    }
}
