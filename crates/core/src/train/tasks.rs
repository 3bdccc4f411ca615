//! An evaluation's work after its forests are grown, cut into tasks that
//! several workers (or threads) can take in any order: the forests' held-out
//! figures, each baseline learner (k-nearest neighbours in parts of its
//! held-out rows), the permutation importance in ranges of features and each
//! class's typical row. [`assemble`] puts the pieces together into the very
//! [`Trained`] that [`super::finish`] makes on one worker (tested), because
//! every piece is computed exactly as the whole evaluation computes it: each
//! learner's figures depend on its own fits alone, a held-out row's
//! prediction on the fit alone, and a range of the importance draws and
//! skips the shuffles of the features before it.

use serde::{Deserialize, Serialize};

use super::evaluate::{
    Forests, LearnerReport, Predictions, Progress, Report, baseline_split, evaluate_with,
    grow_forest, pool_predictions,
};
use super::options::{TrainError, TrainOptions};
use super::plan::{Fit, Plan, SplitKind};
use super::prepare::Prepared;
use super::{Trained, fit};
use crate::forest::{Control, Forest};
use crate::learners::{Learner, evenly_spaced_rows};
use crate::metrics;

/// Features per importance task: small enough for several workers to share
/// the importance evenly, large enough that a task is worth a message.
const IMPORTANCE_CHUNK: usize = 4;

/// One piece of the work after the forests are grown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// The forests' held-out figures and the guard's held-out share.
    Figures,
    /// Part `part` of `parts` of every fit of the plan's baseline learner
    /// `index` (in plan order, the forest not counted): the learner fitted
    /// on the fit's training rows, predicting that part of its held-out rows.
    Baseline {
        index: usize,
        part: usize,
        parts: usize,
    },
    /// Permutation importance of features `start..end` on the forest of
    /// the time-ordered split.
    Importance { start: usize, end: usize },
    /// Class `class`'s typical row, for the model (its medoid).
    Example { class: usize },
}

/// What a task found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Piece {
    Figures {
        forest: Box<LearnerReport>,
        guard_heldout_share: f64,
    },
    /// A part's held-out predictions, one per fit of the learner.
    Baseline {
        index: usize,
        part: usize,
        predictions: Predictions,
    },
    Importance {
        start: usize,
        values: Vec<f64>,
    },
    Example {
        class: usize,
        row: Vec<f64>,
    },
}

impl Piece {
    /// The piece as bytes, to travel between workers.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// A piece from another worker's bytes.
    pub fn decode(bytes: &[u8]) -> Result<Piece, TrainError> {
        postcard::from_bytes(bytes).map_err(|e| {
            TrainError::Mismatch(format!(
                "a worker's part of the evaluation is unreadable: {e}"
            ))
        })
    }
}

/// The baseline learners of `plan` (every learner but the forest), in the
/// order they first appear.
fn baselines(plan: &Plan) -> Vec<Learner> {
    let mut out: Vec<Learner> = Vec::new();
    for fit in &plan.fits {
        if !matches!(fit.learner, Learner::Forest(_)) && !out.contains(&fit.learner) {
            out.push(fit.learner.clone());
        }
    }
    out
}

/// Parts a baseline's held-out rows are cut into, each a task: k-nearest
/// neighbours searches every training row for each held-out row, the
/// longest task of an evaluation by far, and fits in no time (its search is
/// linear); other baselines spend their time fitting, which every part
/// would repeat.
fn parts_of(learner: &Learner) -> usize {
    match learner {
        Learner::Knn { .. } => KNN_PARTS,
        _ => 1,
    }
}

/// Parts of k-nearest neighbours' held-out rows: enough for a few workers
/// to share it evenly beside the other tasks.
const KNN_PARTS: usize = 4;

/// Part `part` of `parts` of `rows`: contiguous, in order, as even as can be.
fn part_of(rows: &[usize], part: usize, parts: usize) -> &[usize] {
    let n = rows.len();
    &rows[part * n / parts..(part + 1) * n / parts]
}

/// Every task of `plan` on data of `n_features` features and `n_classes`
/// classes: the figures first, then the baselines (the longest tasks, to
/// start early), the importance in ranges of features, and each class's
/// typical row (the shortest, to fill the gaps at the end).
pub fn tasks(plan: &Plan, n_features: usize, n_classes: usize) -> Vec<Task> {
    let mut out = vec![Task::Figures];
    for (index, learner) in baselines(plan).iter().enumerate() {
        let parts = parts_of(learner);
        out.extend((0..parts).map(|part| Task::Baseline { index, part, parts }));
    }
    if wants_importance(plan) {
        out.extend(
            (0..n_features)
                .step_by(IMPORTANCE_CHUNK)
                .map(|start| Task::Importance {
                    start,
                    end: (start + IMPORTANCE_CHUNK).min(n_features),
                }),
        );
    }
    out.extend((0..n_classes).map(|class| Task::Example { class }));
    out
}

/// Whether `plan` asks for the permutation importance of a forest fitted on
/// the time-ordered split.
fn wants_importance(plan: &Plan) -> bool {
    plan.importance_repeats > 0
        && plan
            .fits
            .iter()
            .any(|f| matches!(f.learner, Learner::Forest(_)) && f.split == SplitKind::TimeOrdered)
}

/// `plan` with only the fits `keep` says, and no importance.
fn sub_plan(plan: &Plan, keep: impl Fn(&Fit) -> bool) -> Plan {
    Plan {
        fits: plan.fits.iter().filter(|f| keep(f)).cloned().collect(),
        importance_repeats: 0,
        ..plan.clone()
    }
}

/// The plan's forest fits, in order, beside `forests` (one per forest fit).
fn forest_fits<'a>(
    plan: &'a Plan,
    forests: &'a [Forest],
) -> impl Iterator<Item = (&'a Fit, &'a Forest)> {
    plan.fits
        .iter()
        .filter(|f| matches!(f.learner, Learner::Forest(_)))
        .zip(forests)
}

/// The plan's `forests` without the final one, which no task needs (a
/// helping worker keeps less), when it is the last forest fit, as in every
/// training plan.
pub fn without_final(plan: &Plan, mut forests: Vec<Forest>) -> Vec<Forest> {
    let last = plan
        .fits
        .iter()
        .rev()
        .find(|f| matches!(f.learner, Learner::Forest(_)));
    if last.is_some_and(|f| f.split == SplitKind::All) {
        forests.pop();
    }
    forests
}

/// Do `task` with the plan's grown `forests` (one per forest fit, in plan
/// order; the final forest may be left out, no task needs it).
pub fn run_task(
    p: &Prepared,
    plan: &Plan,
    forests: &[Forest],
    task: &Task,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Piece, TrainError> {
    // Every tree is grown: a task tells its phase against the whole plan.
    let total = plan.total_trees();
    let progress = &mut |x: &Progress| {
        progress(&Progress {
            phase: x.phase.clone(),
            done: total,
            total,
        })
    };
    match task {
        Task::Figures => {
            let held_out =
                |f: &Fit| matches!(f.learner, Learner::Forest(_)) && f.split != SplitKind::All;
            let given: Vec<Forest> = forest_fits(plan, forests)
                .filter(|(f, _)| held_out(f))
                .map(|(_, forest)| forest.clone())
                .collect();
            let report = evaluate_with(
                p,
                &sub_plan(plan, held_out),
                Forests::Given(given),
                progress,
            )?;
            let forest = report
                .learners
                .into_iter()
                .next()
                .ok_or_else(|| TrainError::Mismatch("the plan evaluates no forest".into()))?;
            Ok(Piece::Figures {
                forest: Box::new(forest),
                guard_heldout_share: report.guard_heldout_share,
            })
        }
        Task::Baseline { index, part, parts } => {
            let learner = baselines(plan)
                .into_iter()
                .nth(*index)
                .ok_or_else(|| TrainError::Mismatch(format!("the plan has no baseline {index}")))?;
            if part >= parts {
                return Err(TrainError::Mismatch(format!(
                    "a baseline has no part {part} of {parts}"
                )));
            }
            progress(&Progress {
                phase: format!("baseline: {}", learner.name()),
                done: total,
                total,
            });
            let (f, k) = (p.n_features(), p.classes.len());
            let predictions = plan
                .fits
                .iter()
                .filter(|fit| fit.learner == learner)
                .map(|fit| {
                    let (split, _) = baseline_split(p, plan, fit);
                    let test = part_of(&split.test, *part, *parts);
                    learner.fit_predict(
                        &p.rows(&split.train),
                        f,
                        &p.truth(&split.train),
                        k,
                        &p.rows(test),
                    )
                })
                .collect();
            Ok(Piece::Baseline {
                index: *index,
                part: *part,
                predictions,
            })
        }
        Task::Importance { start, end } => {
            let (fit, forest) = forest_fits(plan, forests)
                .find(|(f, _)| f.split == SplitKind::TimeOrdered)
                .ok_or_else(|| {
                    TrainError::Mismatch("the importance needs the time-ordered forest".into())
                })?;
            progress(&Progress {
                phase: "permutation importance".into(),
                done: total,
                total,
            });
            let split = plan.split(p, fit.split);
            let rows = match plan.sample_cap {
                Some(cap) => evenly_spaced_rows(&split.test, cap),
                None => split.test,
            };
            let values = metrics::permutation_importance_of(
                forest,
                &p.rows(&rows),
                &p.truth(&rows),
                plan.importance_repeats,
                plan.seed,
                *start..*end,
            );
            Ok(Piece::Importance {
                start: *start,
                values,
            })
        }
        Task::Example { class } => {
            progress(&Progress {
                phase: "typical rows".into(),
                done: total,
                total,
            });
            Ok(Piece::Example {
                class: *class,
                row: fit::class_medoid(&p.table.values, p.table.n_cols(), &p.y, *class),
            })
        }
    }
}

/// Every fit's held-out predictions from its parts' (in part order): the
/// parts one after the other, or the first part's failure. A part with
/// another number of fits than `fits` is a mismatch, not a failed fit.
fn joined(parts: Vec<Predictions>, fits: usize) -> Result<Predictions, TrainError> {
    if parts.iter().any(|part| part.len() != fits) {
        return Err(TrainError::Mismatch(
            "a part of a baseline has another number of fits than the plan".into(),
        ));
    }
    Ok((0..fits)
        .map(|i| {
            let mut all = Vec::new();
            for part in &parts {
                match &part[i] {
                    Ok(pred) => all.extend_from_slice(pred),
                    Err(e) => return Err(e.clone()),
                }
            }
            Ok(all)
        })
        .collect())
}

/// The trained model and report from every task's piece (in any order) and
/// the plan's `forests` (one per forest fit, in plan order, the final one
/// included): what [`super::finish`] gives on one worker.
pub fn assemble(
    p: &Prepared,
    opts: &TrainOptions,
    plan: &Plan,
    forests: Vec<Forest>,
    pieces: Vec<Piece>,
) -> Result<Trained, TrainError> {
    let learners = baselines(plan);
    let mut figures = None;
    let mut baseline_parts: Vec<Vec<Option<Predictions>>> =
        learners.iter().map(|l| vec![None; parts_of(l)]).collect();
    let mut importance = vec![None; p.n_features()];
    let mut examples = vec![None; p.classes.len()];
    for piece in pieces {
        match piece {
            Piece::Figures {
                forest,
                guard_heldout_share,
            } => figures = Some((*forest, guard_heldout_share)),
            Piece::Baseline {
                index,
                part,
                predictions,
            } => {
                if let Some(slot) = baseline_parts.get_mut(index).and_then(|v| v.get_mut(part)) {
                    *slot = Some(predictions);
                }
            }
            Piece::Importance { start, values } => {
                for (slot, v) in importance.iter_mut().skip(start).zip(values) {
                    *slot = Some(v);
                }
            }
            Piece::Example { class, row } => {
                if let Some(slot) = examples.get_mut(class) {
                    *slot = Some(row);
                }
            }
        }
    }
    let missing = |what: &str| TrainError::Mismatch(format!("the evaluation lacks {what}"));
    let (forest_report, guard_heldout_share) =
        figures.ok_or_else(|| missing("the forests' figures"))?;
    let mut reports = vec![forest_report];
    for (learner, parts) in learners.into_iter().zip(baseline_parts) {
        let parts = parts
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| missing("a part of a baseline"))?;
        let sub = sub_plan(plan, |f| f.learner == learner);
        let report = pool_predictions(p, &sub, joined(parts, sub.fits.len())?)?;
        reports.push(
            report
                .learners
                .into_iter()
                .next()
                .ok_or_else(|| missing("a baseline"))?,
        );
    }
    let examples = examples
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| missing("a class's typical row"))?;
    let importance = if wants_importance(plan) {
        importance
            .into_iter()
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| missing("a feature's importance"))?
    } else {
        Vec::new()
    };
    let at = forest_fits(plan, &forests).position(|(f, _)| f.split == SplitKind::All);
    let final_forest = at
        .and_then(|i| forests.into_iter().nth(i))
        .ok_or_else(|| missing("the final forest"))?;
    let report = Report {
        learners: reports,
        importance,
        guard_heldout_share,
        forest: None,
    };
    let model = fit::model_with_examples(p, opts, &report, final_forest, examples)?;
    Ok(Trained { model, report })
}

/// Grow the plan's forests on `threads` threads, then run its tasks on as
/// many threads and assemble them: [`super::finish`]'s model and report,
/// with the evaluation no longer on one thread (the CLI's and the page's
/// single worker's way; several workers take the same tasks). `progress`
/// after every tree, once when the evaluation starts and, on one thread,
/// as each task starts; `Control::Cancel` stops the trees.
pub fn train_on_threads(
    p: &Prepared,
    opts: &TrainOptions,
    plan: &Plan,
    threads: usize,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Trained, TrainError> {
    let (f, k) = (p.n_features(), p.classes.len());
    let total = plan.total_trees();
    let mut forests = Vec::new();
    let mut done = 0;
    for fit in &plan.fits {
        let Learner::Forest(params) = &fit.learner else {
            continue;
        };
        let split = plan.split(p, fit.split);
        let forest = grow_forest(
            (&p.rows(&split.train), f, &p.truth(&split.train), k),
            params,
            threads,
            (&fit.split.label(), done, total),
            progress,
        )?;
        done += fit.trees();
        forests.push(forest);
    }
    progress(&Progress {
        phase: "evaluation".into(),
        done,
        total,
    });
    let all = tasks(plan, f, k);
    if threads <= 1 || cfg!(target_arch = "wasm32") {
        // One thread (the page's single worker): in order, each task's
        // progress told.
        let pieces = all
            .iter()
            .map(|task| run_task(p, plan, &forests, task, progress))
            .collect::<Result<Vec<_>, _>>()?;
        return assemble(p, opts, plan, forests, pieces);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::Mutex::new(Vec::with_capacity(all.len()));
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, all.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(task) = all.get(i) else { break };
                    let piece = run_task(p, plan, &forests, task, &mut |_| Control::Continue);
                    if let Ok(mut found) = found.lock() {
                        found.push(piece);
                    }
                }
            });
        }
    });
    let pieces = found
        .into_inner()
        .map_err(|_| TrainError::Mismatch("a thread of the evaluation failed".into()))?
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    assemble(p, opts, plan, forests, pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Capture;
    use crate::features::FeatureSet;
    use crate::forest::ForestParams;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::testdata::sessions_csv;
    use crate::train::{
        encode_share, forests_from_shares, grow_share, prepare, shares, train_prepared,
    };

    #[test]
    fn tasks_in_any_order_assemble_the_one_worker_training() {
        let t = read_csv(&sessions_csv(true), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = TrainOptions {
            params: ForestParams {
                n_trees: 7,
                ..ForestParams::default()
            },
            feature_set: FeatureSet::Rates,
            capture: Capture {
                session_column: Some("session".into()),
                ..Capture::counters_timed_by("time")
            },
            cv_folds: Some(2),
            baselines: true,
            importance_repeats: 2,
            ..TrainOptions::default()
        };
        let p = prepare(&t, &opts).unwrap();
        // The reference: the whole evaluation in one pass, not cut into tasks.
        let plan = super::super::training_plan(&p, &opts);
        let one = super::super::finish(&p, &opts, &plan, Forests::Grow { threads: 1 }, &mut |_| {
            Control::Continue
        })
        .unwrap();
        let bytes: Vec<Vec<u8>> = shares(7, 2)
            .into_iter()
            .map(|s| encode_share(&grow_share(&p, &plan, s, &mut |_| Control::Continue).unwrap()))
            .collect();
        let forests = forests_from_shares(&p, &bytes).unwrap();
        let all = tasks(&plan, p.n_features(), p.classes.len());
        // Figures, three baselines (k-nearest neighbours in four parts of
        // its held-out rows), the importance in ranges of features.
        assert_eq!(all[0], Task::Figures);
        let parts: Vec<usize> = (0..3)
            .map(|i| {
                all.iter()
                    .filter(|t| matches!(t, Task::Baseline { index, .. } if *index == i))
                    .count()
            })
            .collect();
        assert_eq!(parts, [1, KNN_PARTS, 1]);
        assert!(all.iter().any(|t| matches!(t, Task::Importance { .. })));
        assert_eq!(all.last(), Some(&Task::Example { class: 2 }));
        let mut pieces: Vec<Piece> = all
            .iter()
            .map(|task| {
                // Each through bytes, as workers hand them over, the final
                // forest left out as the helping workers leave it.
                let helper = without_final(&plan, forests.clone());
                assert_eq!(helper.len(), forests.len() - 1);
                let piece = run_task(&p, &plan, &helper, task, &mut |_| Control::Continue).unwrap();
                Piece::decode(&piece.encode()).unwrap()
            })
            .collect();
        pieces.reverse();
        let assembled = assemble(&p, &opts, &plan, forests.clone(), pieces.clone()).unwrap();
        assert_eq!(
            crate::model::encode(&assembled.model).unwrap(),
            crate::model::encode(&one.model).unwrap()
        );
        assert_eq!(assembled.report, one.report);
        // k-nearest neighbours was scored from its parts, not failed.
        let knn = assembled.report.learner("5-nearest neighbours").unwrap();
        assert!(knn.failures.is_empty() && knn.time_ordered.is_some());
        assert_eq!(assembled.baselines(), one.baselines());
        assert_eq!(assembled.cv(), one.cv());
        // The default path (`train` on one thread) is this one.
        let default = train_prepared(&p, &opts, &mut |_| Control::Continue).unwrap();
        assert_eq!(
            crate::model::encode(&default.model).unwrap(),
            crate::model::encode(&one.model).unwrap()
        );
        for threads in [1, 2, 3] {
            let on =
                train_on_threads(&p, &opts, &plan, threads, &mut |_| Control::Continue).unwrap();
            assert_eq!(
                crate::model::encode(&on.model).unwrap(),
                crate::model::encode(&one.model).unwrap(),
                "{threads} threads"
            );
            assert_eq!(on.report, one.report, "{threads} threads");
        }
        // A missing piece is named, never guessed.
        let mut without_part = pieces.clone();
        without_part.retain(|piece| {
            !matches!(
                piece,
                Piece::Baseline {
                    index: 1,
                    part: 2,
                    ..
                }
            )
        });
        let e = assemble(&p, &opts, &plan, forests.clone(), without_part).unwrap_err();
        assert_eq!(e.to_string(), "the evaluation lacks a part of a baseline");
        // A part that does not match the plan's fits is a mismatch, never
        // a failed fit in the report.
        let mut odd_part = pieces.clone();
        for piece in &mut odd_part {
            if let Piece::Baseline { predictions, .. } = piece {
                predictions.push(Ok(Vec::new()));
            }
        }
        let e = assemble(&p, &opts, &plan, forests.clone(), odd_part).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a part of a baseline has another number of fits than the plan"
        );
        pieces.retain(|piece| !matches!(piece, Piece::Importance { start: 0, .. }));
        let e = assemble(&p, &opts, &plan, forests, pieces).unwrap_err();
        assert_eq!(e.to_string(), "the evaluation lacks a feature's importance");
    }
}
