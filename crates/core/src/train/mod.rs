//! Training and evaluation, the one pipeline the CLI and the page's worker
//! call: [`prepare`] a labelled table (capture → rates → task → features),
//! make a [`Plan`] of every fit, [`evaluate`] it into a [`Report`], and
//! [`fit::model`] the final forest into a [`Model`]. [`train`] does all of
//! it; [`transfer`] tests a forest from one file on another;
//! [`learn_normal`] fits a baseline of normal traffic alone.

pub mod evaluate;
pub mod fit;
pub mod normal;
pub mod options;
pub mod plan;
pub mod prepare;
pub mod tasks;
pub mod transfer;

use serde::{Deserialize, Serialize};

pub use evaluate::{
    Forests, LearnerReport, Progress, Report, Sampled, evaluate, evaluate_with, grow_share,
    merge_shares, shares,
};
pub use normal::{LEARN_STEPS, LearnOptions, Learned, learn_normal, learn_normal_with_progress};
pub use options::{TrainError, TrainOptions};
pub use plan::{Fit, Plan, SplitKind};
pub use prepare::{Prepared, prepare, relabel};
pub use tasks::{Piece, Task, assemble, run_task, tasks, train_on_threads, without_final};
pub use transfer::{TransferReport, transfer};

use crate::forest::Control;
use crate::ingest::Table;
use crate::model::{CvSummary, Model};

/// A learner's headline figures on the time-ordered split, for the page's
/// comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerScore {
    pub learner: String,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub balanced_accuracy: f64,
    /// When the baseline saw fewer rows than the split has: how many.
    #[serde(default)]
    pub sampled: Option<Sampled>,
}

/// A trained model and everything its evaluation found.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: Model,
    pub report: Report,
}

impl Trained {
    /// The baselines' time-ordered figures (every learner but the forest).
    pub fn baselines(&self) -> Vec<LearnerScore> {
        self.report
            .learners
            .iter()
            .skip(1)
            .filter_map(|l| {
                l.time_ordered.as_ref().map(|e| LearnerScore {
                    learner: l.learner.clone(),
                    accuracy: e.accuracy,
                    macro_f1: e.macro_f1,
                    balanced_accuracy: e.binary.balanced_accuracy,
                    sampled: l.sampled,
                })
            })
            .collect()
    }

    /// The forest's cross-validation, when asked for.
    pub fn cv(&self) -> Option<CvSummary> {
        self.report.learners.first().and_then(|l| l.cv.clone())
    }
}

/// Train a model from a labelled table: evaluate the forest on a stratified
/// random split, a time-ordered split and (when every class has two or more
/// capture sessions) whole sessions held out, optionally cross-validate it and
/// compare smartcore's baselines, then train the final forest on every row.
/// `progress` after every tree; `Control::Cancel` stops.
pub fn train(
    table: &Table,
    opts: &TrainOptions,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Trained, TrainError> {
    train_prepared(&prepare(table, opts)?, opts, progress)
}

/// [`train`] on a table already [`prepare`]d with the same options.
pub fn train_prepared(
    p: &Prepared,
    opts: &TrainOptions,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Trained, TrainError> {
    let plan = training_plan(p, opts);
    tasks::train_on_threads(p, opts, &plan, opts.threads, progress)
}

/// The evaluation plan [`train_prepared`] runs for `opts`.
pub fn training_plan(p: &Prepared, opts: &TrainOptions) -> Plan {
    Plan::training(
        p,
        &opts.params,
        opts.test_fraction,
        opts.cv_folds,
        opts.baselines,
        opts.importance_repeats,
    )
}

/// Evaluate `plan` with its forests grown here or handed in (the shares of
/// several workers, merged) and make the model of the final forest.
pub fn finish(
    p: &Prepared,
    opts: &TrainOptions,
    plan: &Plan,
    forests: Forests,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Trained, TrainError> {
    let mut report = evaluate_with(p, plan, forests, progress)?;
    let forest = report
        .forest
        .take()
        .ok_or_else(|| TrainError::Mismatch("the training plan grew no final forest".into()))?;
    let model = fit::model(p, opts, &report, forest)?;
    Ok(Trained { model, report })
}

/// One worker's share of a plan's trees as bytes, for the worker that
/// finishes the training.
pub fn encode_share(trees: &[Vec<crate::forest::Tree>]) -> Vec<u8> {
    postcard::to_allocvec(trees).unwrap_or_default()
}

/// The trees of a share from its bytes (from another worker: checked).
pub fn decode_share(bytes: &[u8]) -> Result<Vec<Vec<crate::forest::Tree>>, TrainError> {
    postcard::from_bytes(bytes).map_err(|e| {
        TrainError::Mismatch(format!("a worker's share of the trees is unreadable: {e}"))
    })
}

/// The forests of a plan from its shares' bytes, in share order, each
/// checked so that prediction cannot go out of bounds.
pub fn forests_from_shares(
    p: &Prepared,
    shares: &[Vec<u8>],
) -> Result<Vec<crate::forest::Forest>, TrainError> {
    let decoded = shares
        .iter()
        .map(|b| decode_share(b))
        .collect::<Result<Vec<_>, _>>()?;
    let forests = merge_shares(p, decoded);
    for f in &forests {
        f.validate().map_err(|e| {
            TrainError::Mismatch(format!("a worker's share of the trees is malformed: {e}"))
        })?;
    }
    Ok(forests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Capture;
    use crate::features::FeatureSet;
    use crate::forest::ForestParams;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::learners::evenly_spaced_rows;
    use crate::schema::{self, VarKind};
    use crate::testdata::{sessions_csv, small_model};

    #[test]
    fn trains_evaluates_and_round_trips() {
        let m = small_model();
        let report = m.report.as_ref().unwrap();
        assert_eq!(m.classes, vec!["normal", "tcp-syn", "udp-flood"]);
        assert_eq!(
            m.inputs,
            vec!["tcpInSegs", "udpInDatagrams", "tcpCurrEstab"]
        );
        assert_eq!(m.features, m.inputs);
        assert_eq!(m.input_kinds[2], VarKind::Gauge);
        assert_eq!(report.sessions, 3);
        assert!(report.by_session.is_none());
        assert!(report.session_caveat().unwrap().contains("single session"));
        assert_eq!(report.rows, 90);
        assert_eq!(report.random.n_test, 27);
        assert_eq!(report.time_ordered.n_test, 27);
        assert!(report.random.accuracy > 0.9);
        assert_eq!(report.importance.len(), 3);
        assert_eq!(m.data_hash.len(), 64);
        // Each class's medoid is predicted as that class.
        for (c, ex) in m.examples.iter().enumerate() {
            assert_eq!(m.predict(ex).class, Some(c));
        }
        let p = m.predict(&[500.0, 5.0, 1.0]);
        assert!(!p.guard.unfamiliar);
        assert!(m.predict(&[1e9, 1e9, 1e9]).guard.unfamiliar);
        assert_eq!(m.classes[p.class.unwrap()], "tcp-syn");
        assert_eq!(p.verdict, schema::Verdict::Anomalous);
        assert!((m.p_anomalous(&p.probabilities) + p.probabilities[0] - 1.0).abs() < 1e-12);
        let bytes = crate::model::encode(&m).unwrap();
        assert_eq!(&bytes[..8], crate::model::MAGIC);
        assert_eq!(crate::model::decode(&bytes).unwrap(), m);
    }

    fn sessions_options(trees: u16, cv_folds: Option<usize>) -> TrainOptions {
        TrainOptions {
            params: ForestParams {
                n_trees: trees,
                ..ForestParams::default()
            },
            feature_set: FeatureSet::Rates,
            capture: Capture::counters_timed_by("time"),
            cv_folds,
            baselines: true,
            ..TrainOptions::default()
        }
    }

    #[test]
    fn whole_sessions_are_held_out_when_each_class_has_two() {
        let t = read_csv(&sessions_csv(true), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = TrainOptions {
            capture: Capture {
                session_column: Some("session".into()),
                ..Capture::counters_timed_by("time")
            },
            ..sessions_options(10, None)
        };
        let trained = train(&t, &opts, &mut |_| Control::Continue).unwrap();
        let report = trained.model.report.as_ref().unwrap();
        let by_session = report.by_session.as_ref().unwrap();
        assert_eq!(by_session.n_test, 6 * 24);
        assert!(report.session_caveat().is_none());
        assert!(by_session.accuracy > 0.9, "{}", by_session.accuracy);
        // Baselines on the same time-ordered split, named and scored.
        let names: Vec<String> = trained.baselines().into_iter().map(|b| b.learner).collect();
        assert_eq!(
            names,
            vec![
                "decision tree",
                "5-nearest neighbours",
                "Gaussian naive Bayes"
            ]
        );
    }

    #[test]
    fn baselines_and_importance_see_at_most_the_sample_cap() {
        let t = read_csv(&sessions_csv(true), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = sessions_options(5, None);
        let p = prepare(&t, &opts).unwrap();
        let mut plan = Plan::training(&p, &opts.params, 0.3, None, true, 1);
        assert_eq!(plan.sample_cap, Some(crate::limits::EVALUATION_SAMPLE_ROWS));
        let full = evaluate(&p, &plan, 1, &mut |_| Control::Continue).unwrap();
        // The small file is under the cap: nothing sampled.
        assert!(full.learners.iter().all(|l| l.sampled.is_none()));
        let time = plan.split(&p, SplitKind::TimeOrdered);
        plan.sample_cap = Some(20);
        let capped = evaluate(&p, &plan, 1, &mut |_| Control::Continue).unwrap();
        // The forest still trains and is scored on every row of each split.
        assert_eq!(capped.learners[0], full.learners[0]);
        assert!(capped.learners[0].sampled.is_none());
        for l in &capped.learners[1..] {
            let s = l.sampled.unwrap();
            assert_eq!((s.train, s.test), (20, 20), "{}", l.learner);
            assert_eq!((s.train_of, s.test_of), (time.train.len(), time.test.len()));
            assert_eq!(l.time_ordered.as_ref().unwrap().n_test, 20);
        }
        assert!(time.train.len() > 20 && time.test.len() > 20);
        assert_eq!(capped.importance.len(), full.importance.len());
        assert_ne!(capped.importance, full.importance);
        assert_eq!(evenly_spaced_rows(&[5, 6, 7, 8, 9, 10], 3), vec![5, 7, 9]);
    }

    #[test]
    fn progress_counts_every_tree_once_and_never_goes_back() {
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = sessions_options(5, Some(4));
        let p = prepare(&t, &opts).unwrap();
        // Random, time-ordered, 2 session folds, 4 cv folds, final: 9 forests.
        let plan = Plan::training(&p, &opts.params, 0.3, Some(4), true, 1);
        assert_eq!(plan.total_trees(), 9 * 5);
        let mut seen: Vec<Progress> = Vec::new();
        let trained = train_prepared(&p, &opts, &mut |pr| {
            seen.push(pr.clone());
            Control::Continue
        })
        .unwrap();
        assert!(seen.iter().all(|s| s.total == 45));
        assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
        assert_eq!(
            seen.iter()
                .rfind(|s| s.phase == "final model")
                .unwrap()
                .done,
            45
        );
        assert!(seen.iter().any(|s| s.phase == "cross-validation fold 4"));
        // Then the evaluation's tasks: the baselines, the importance, the
        // classes' typical rows last.
        let after = seen.iter().rposition(|s| s.phase == "final model").unwrap();
        assert!(
            seen[after..]
                .iter()
                .any(|s| s.phase.starts_with("baseline: "))
        );
        assert!(
            seen[after..]
                .iter()
                .any(|s| s.phase == "permutation importance")
        );
        assert_eq!(seen.last().unwrap().phase, "typical rows");
        let cv = trained.cv().unwrap();
        assert_eq!(cv.folds, 4);
        assert!(cv.accuracy_mean > 0.8 && cv.accuracy_mean <= 1.0, "{cv:?}");
        // Cancel stops between trees.
        let e = train_prepared(&p, &opts, &mut |pr| {
            if pr.done >= 7 {
                Control::Cancel
            } else {
                Control::Continue
            }
        })
        .unwrap_err();
        assert!(e.to_string().contains("cancelled after 7 trees"), "{e}");
    }

    #[test]
    fn shares_grown_apart_and_merged_give_the_same_model() {
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = sessions_options(7, Some(2));
        let p = prepare(&t, &opts).unwrap();
        let one = train_prepared(&p, &opts, &mut |_| Control::Continue).unwrap();
        let plan = Plan::training(
            &p,
            &opts.params,
            0.3,
            Some(2),
            true,
            opts.importance_repeats,
        );
        assert_eq!(shares(7, 3), vec![0..2, 2..4, 4..7]);
        assert_eq!(shares(2, 5), vec![0..1, 1..2]);
        for workers in [1, 2, 3, 7] {
            let grown: Vec<Vec<Vec<crate::forest::Tree>>> = shares(7, workers)
                .into_iter()
                .map(|s| grow_share(&p, &plan, s, &mut |_| Control::Continue).unwrap())
                .collect();
            // Through bytes, as workers hand them over.
            let bytes: Vec<Vec<u8>> = grown.iter().map(|s| encode_share(s)).collect();
            let forests = forests_from_shares(&p, &bytes).unwrap();
            let mut report = evaluate_with(&p, &plan, Forests::Given(forests), &mut |_| {
                Control::Continue
            })
            .unwrap();
            let forest = report.forest.take().unwrap();
            let model = fit::model(&p, &opts, &report, forest).unwrap();
            assert_eq!(
                crate::model::encode(&model).unwrap(),
                crate::model::encode(&one.model).unwrap(),
                "{workers} workers"
            );
            assert_eq!(report.learners, one.report.learners);
        }
        let e = evaluate_with(&p, &plan, Forests::Given(vec![]), &mut |_| {
            Control::Continue
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "fewer forests than the plan grows");
    }

    #[test]
    fn the_comparison_plan_scores_every_learner_on_every_split() {
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = sessions_options(5, None);
        let p = prepare(&t, &opts).unwrap();
        let learners = crate::learners::Learner::all(&opts.params);
        let plan = Plan::comparison(&p, &learners[..2], 0.3, 42);
        let r = evaluate(&p, &plan, 2, &mut |_| Control::Continue).unwrap();
        assert_eq!(r.learners.len(), 2);
        for l in &r.learners {
            assert!(
                l.random.is_some() && l.time_ordered.is_some(),
                "{}",
                l.learner
            );
            assert_eq!(l.by_session.as_ref().unwrap().n_test, 6 * 24);
        }
        assert!(r.forest.is_none());
    }

    #[test]
    fn a_baseline_that_cannot_fit_is_reported_not_fatal() {
        // Labels alternate every row: sessions of one row, so the
        // time-ordered split holds nothing out and the baselines cannot fit.
        let mut csv = String::from("tcpInSegs,class\n");
        for i in 0..40 {
            csv += &format!(
                "{},{}\n",
                if i % 2 == 1 { 1000 + i } else { i },
                ["normal", "syn"][i % 2]
            );
        }
        let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("small.csv")).unwrap();
        let opts = TrainOptions {
            params: ForestParams {
                n_trees: 3,
                ..ForestParams::default()
            },
            feature_set: FeatureSet::Rates,
            baselines: true,
            ..TrainOptions::default()
        };
        let trained = train(&t, &opts, &mut |_| Control::Continue).unwrap();
        let failed: Vec<&LearnerReport> = trained
            .report
            .learners
            .iter()
            .filter(|l| !l.failures.is_empty())
            .collect();
        assert!(!failed.is_empty());
        assert!(
            failed
                .iter()
                .all(|l| l.failures[0].starts_with("time-ordered split: "))
        );
        assert_eq!(trained.baselines().len(), 3 - failed.len());
        assert!(trained.report.learners[0].failures.is_empty());
    }

    #[test]
    fn transfer_tests_one_files_forest_on_another() {
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = sessions_options(8, None);
        let a = prepare(&t, &opts).unwrap();
        let r = transfer(&a, &a, &opts.params, 1).unwrap();
        assert_eq!(r.evaluation.n_test, a.y.len());
        assert!(r.evaluation.accuracy > 0.95);
        assert_eq!(r.guard_share, 0.0);
        let mut b = a.clone();
        b.classes[0] = "other".into();
        let e = transfer(&a, &b, &opts.params, 1).unwrap_err();
        assert_eq!(e.to_string(), "class \"other\" of s.csv is not in s.csv");
    }
}
