//! Running a [`Plan`]: every fit trained on its split and scored on the rows
//! held out, pooled into one [`Report`] per learner (random, time-ordered,
//! whole sessions held out, cross-validation), with the forest's permutation
//! importances and the guard's held-out share from the time-ordered split,
//! and the final forest when the plan grows one.

use serde::{Deserialize, Serialize};

use super::options::TrainError;
use super::plan::{Fit, Plan, SplitKind};
use super::prepare::Prepared;
use crate::forest::{self, Control, Forest, Tree};
use crate::guard::Guard;
use crate::learners::{Learner, evenly_spaced_rows};
use crate::metrics::{self, Evaluation};
use crate::model::CvSummary;
use crate::split::Split;
use crate::stats::mean_std;

/// Where an evaluation is: `done` of `total` trees, in `phase`.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub phase: String,
    pub done: usize,
    pub total: usize,
}

/// One learner's held-out figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerReport {
    pub learner: String,
    pub random: Option<Evaluation>,
    pub time_ordered: Option<Evaluation>,
    /// The session folds' predictions pooled into one evaluation.
    pub by_session: Option<Evaluation>,
    pub cv: Option<CvSummary>,
    /// Fits of this learner that failed (a baseline that cannot fit these
    /// rows), with why; the forest's failures end the evaluation instead.
    pub failures: Vec<String>,
    /// When this learner saw fewer rows of its time-ordered split than the
    /// split has (the plan's sample cap): how many of how many.
    #[serde(default)]
    pub sampled: Option<Sampled>,
}

/// Rows a learner saw of a split's sides, when fewer than the split has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sampled {
    pub train: usize,
    pub train_of: usize,
    pub test: usize,
    pub test_of: usize,
}

impl Sampled {
    /// The rows `cap` keeps of each side of `split`, or `None` when it keeps
    /// every row.
    fn of(split: &crate::split::Split, cap: Option<usize>) -> Option<Sampled> {
        let cap = cap?;
        let s = Sampled {
            train: split.train.len().min(cap),
            train_of: split.train.len(),
            test: split.test.len().min(cap),
            test_of: split.test.len(),
        };
        (s.train < s.train_of || s.test < s.test_of).then_some(s)
    }
}

impl std::fmt::Display for Sampled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "trained on {} of {} training rows and scored on {} of {} held-out rows (evenly spaced)",
            self.train, self.train_of, self.test, self.test_of
        )
    }
}

/// What an evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One entry per learner, in the plan's order (the forest first).
    pub learners: Vec<LearnerReport>,
    /// Permutation importance per feature of the forest fitted on the
    /// time-ordered split (empty when the plan asks for none).
    pub importance: Vec<f64>,
    /// Share of time-ordered held-out rows the guard, fitted on the training
    /// side only, calls unfamiliar.
    pub guard_heldout_share: f64,
    /// The forest fitted on every row, when the plan has one.
    pub forest: Option<Forest>,
}

impl Report {
    /// The report of the learner named `name`.
    pub fn learner(&self, name: &str) -> Option<&LearnerReport> {
        self.learners.iter().find(|l| l.learner == name)
    }
}

/// Predictions of one learner on one family of splits, fold by fold.
#[derive(Default)]
struct Pooled {
    truth: Vec<u32>,
    pred: Vec<u32>,
    folds: Vec<Evaluation>,
}

/// Where the forests of a plan come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Forests {
    /// Grown here, on this many threads.
    Grow { threads: usize },
    /// Grown elsewhere (shares merged by [`merge_shares`]): one per forest
    /// fit of the plan, in the plan's order.
    Given(Vec<Forest>),
}

/// Run `plan` on `p`, growing forests on `threads` threads. `progress` after
/// every tree and when a phase without trees starts; `Control::Cancel` stops.
pub fn evaluate(
    p: &Prepared,
    plan: &Plan,
    threads: usize,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Report, TrainError> {
    evaluate_with(p, plan, Forests::Grow { threads }, progress)
}

/// The trees `share` (indices `seed + i` of each forest) of every forest
/// the plan grows, in the plan's order: one worker's part of a plan whose
/// trees several workers grow. `progress` counts this share's trees.
pub fn grow_share(
    p: &Prepared,
    plan: &Plan,
    share: std::ops::Range<usize>,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Vec<Vec<Tree>>, TrainError> {
    let fits: Vec<_> = plan.fits.iter().filter(|f| f.trees() > 0).collect();
    let total = fits.len() * share.len();
    let (f, k) = (p.n_features(), p.classes.len());
    let mut out = Vec::with_capacity(fits.len());
    for fit in fits {
        let Learner::Forest(params) = &fit.learner else {
            continue;
        };
        let before = out.len() * share.len();
        let phase = fit.split.label();
        let split = plan.split(p, fit.split);
        let ytr = p.truth(&split.train);
        let data =
            forest::bin(&p.rows(&split.train), f, &ytr, k, params).map_err(TrainError::Forest)?;
        let range =
            share.start.min(params.n_trees as usize)..share.end.min(params.n_trees as usize);
        out.push(
            forest::grow(&data, params, range, 1, &mut |d, _| {
                progress(&Progress {
                    phase: phase.clone(),
                    done: before + d,
                    total,
                })
            })
            .map_err(TrainError::Forest)?,
        );
    }
    Ok(out)
}

/// The forests of a plan from its shares' trees (each [`grow_share`]'s
/// output, in share order): tree for tree the forests one worker grows.
pub fn merge_shares(p: &Prepared, shares: Vec<Vec<Vec<Tree>>>) -> Vec<Forest> {
    let mut forests: Vec<Forest> = Vec::new();
    for share in shares {
        for (i, trees) in share.into_iter().enumerate() {
            match forests.get_mut(i) {
                Some(f) => f.trees.extend(trees),
                None => forests.push(Forest {
                    n_features: p.n_features(),
                    n_classes: p.classes.len(),
                    trees,
                }),
            }
        }
    }
    forests
}

/// The tree ranges of `workers` shares of `n_trees` trees: contiguous, in
/// order, as even as can be.
pub fn shares(n_trees: usize, workers: usize) -> Vec<std::ops::Range<usize>> {
    let w = workers.clamp(1, n_trees.max(1));
    (0..w)
        .map(|i| i * n_trees / w..(i + 1) * n_trees / w)
        .collect()
}

/// [`evaluate`] with the plan's forests grown here or handed in.
pub fn evaluate_with(
    p: &Prepared,
    plan: &Plan,
    forests: Forests,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Report, TrainError> {
    run_plan(p, plan, forests, None, progress)
}

/// Held-out predictions of fits made elsewhere: one per fit, each the
/// classes of the fit's held-out rows in order, or why the fit failed.
pub type Predictions = Vec<Result<Vec<u32>, String>>;

/// The report of a plan of baselines only (no forest) from every fit's
/// held-out `predictions`, in plan order: what [`evaluate_with`] reports
/// when it makes them itself.
pub fn pool_predictions(
    p: &Prepared,
    plan: &Plan,
    predictions: Predictions,
) -> Result<Report, TrainError> {
    run_plan(
        p,
        plan,
        Forests::Given(Vec::new()),
        Some(predictions),
        &mut |_| Control::Continue,
    )
}

/// The rows a baseline (a learner other than the forest) trains and is
/// scored on in `fit`: its split, each side cut to the plan's sample cap;
/// and how many of how many rows that kept, when it kept fewer.
pub fn baseline_split(p: &Prepared, plan: &Plan, fit: &Fit) -> (Split, Option<Sampled>) {
    let mut split = plan.split(p, fit.split);
    let sampled = Sampled::of(&split, plan.sample_cap);
    if let Some(cap) = plan.sample_cap {
        split.train = evenly_spaced_rows(&split.train, cap);
        split.test = evenly_spaced_rows(&split.test, cap);
    }
    (split, sampled)
}

/// Run `plan`: its forests grown here or given, its baselines fitted here or
/// their held-out predictions `given` (one per baseline fit, in plan order).
fn run_plan(
    p: &Prepared,
    plan: &Plan,
    forests: Forests,
    given_predictions: Option<Predictions>,
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Report, TrainError> {
    let (threads, mut given) = match forests {
        Forests::Grow { threads } => (threads, None),
        Forests::Given(v) => (1, Some(v.into_iter())),
    };
    let mut given_predictions = given_predictions.map(Vec::into_iter);
    let total = plan.total_trees();
    let f = p.n_features();
    let k = p.classes.len();
    let mut done = 0;
    let mut names: Vec<String> = Vec::new();
    // (learner, family) → pooled predictions; family 0 random, 1 time, 2 session, 3 cv.
    let mut pooled: Vec<[Pooled; 4]> = Vec::new();
    let mut failures: Vec<Vec<String>> = Vec::new();
    let mut sampled: Vec<Option<Sampled>> = Vec::new();
    let mut importance = Vec::new();
    let mut guard_heldout_share = 0.0;
    let mut final_forest = None;
    for fit in &plan.fits {
        let name = fit.learner.name();
        let li = match names.iter().position(|n| *n == name) {
            Some(i) => i,
            None => {
                names.push(name.clone());
                pooled.push(Default::default());
                failures.push(Vec::new());
                sampled.push(None);
                names.len() - 1
            }
        };
        let phase = match fit.learner {
            Learner::Forest(_) => fit.split.label(),
            _ => format!("baseline: {name}"),
        };
        if progress(&Progress {
            phase: phase.clone(),
            done,
            total,
        }) == Control::Cancel
        {
            return Err(TrainError::Forest(forest::ForestError::Cancelled {
                trees_done: done,
            }));
        }
        let (split, pred) = match &fit.learner {
            Learner::Forest(params) => {
                let split = plan.split(p, fit.split);
                let xtr = p.rows(&split.train);
                let ytr = p.truth(&split.train);
                let xte = p.rows(&split.test);
                let before = done;
                let forest = match given.as_mut() {
                    Some(forests) => {
                        let forest = forests.next().ok_or_else(|| {
                            TrainError::Mismatch("fewer forests than the plan grows".into())
                        })?;
                        if forest.n_features != f || forest.n_classes != k {
                            return Err(TrainError::Mismatch(
                                "a given forest does not fit the data".into(),
                            ));
                        }
                        forest
                    }
                    None => grow_forest(
                        (&xtr, f, &ytr, k),
                        params,
                        threads,
                        (&phase, before, total),
                        progress,
                    )?,
                };
                done += fit.trees();
                let pred = predict(&forest, &xte);
                if fit.split == SplitKind::TimeOrdered {
                    if plan.importance_repeats > 0 {
                        let rows = match plan.sample_cap {
                            Some(cap) => evenly_spaced_rows(&split.test, cap),
                            None => split.test.clone(),
                        };
                        importance = metrics::permutation_importance(
                            &forest,
                            &p.rows(&rows),
                            &p.truth(&rows),
                            plan.importance_repeats,
                            plan.seed,
                        );
                    }
                    guard_heldout_share = Guard::fit(&xtr, f).unfamiliar_share(&xte, f);
                }
                if fit.split == SplitKind::All {
                    final_forest = Some(forest);
                }
                (split, pred)
            }
            other => {
                let (split, kept) = baseline_split(p, plan, fit);
                if fit.split == SplitKind::TimeOrdered {
                    sampled[li] = kept;
                }
                let made = match given_predictions.as_mut() {
                    Some(made) => {
                        let pred = made.next().ok_or_else(|| {
                            TrainError::Mismatch("fewer predictions than the plan's fits".into())
                        })?;
                        if pred.as_ref().is_ok_and(|v| v.len() != split.test.len()) {
                            return Err(TrainError::Mismatch(
                                "given predictions do not fit the held-out rows".into(),
                            ));
                        }
                        pred
                    }
                    None => other.fit_predict(
                        &p.rows(&split.train),
                        f,
                        &p.truth(&split.train),
                        k,
                        &p.rows(&split.test),
                    ),
                };
                match made {
                    Ok(pred) => (split, pred),
                    Err(e) => {
                        failures[li].push(format!("{}: {e}", fit.split.label()));
                        continue;
                    }
                }
            }
        };
        let family = match fit.split {
            SplitKind::Random => 0,
            SplitKind::TimeOrdered => 1,
            SplitKind::SessionFold { .. } => 2,
            SplitKind::CvFold { .. } => 3,
            SplitKind::All => continue,
        };
        let truth = p.truth(&split.test);
        let into = &mut pooled[li][family];
        into.folds
            .push(metrics::evaluate(&truth, &pred, &p.classes));
        into.truth.extend(truth);
        into.pred.extend(pred);
    }
    let learners = names
        .into_iter()
        .zip(pooled)
        .zip(failures)
        .zip(sampled)
        .map(
            |(((learner, [random, time, session, cv]), failures), sampled)| {
                let whole = |x: Pooled| {
                    (!x.folds.is_empty()).then(|| metrics::evaluate(&x.truth, &x.pred, &p.classes))
                };
                LearnerReport {
                    learner,
                    random: whole(random),
                    time_ordered: whole(time),
                    by_session: whole(session),
                    cv: cv_summary(&cv.folds),
                    failures,
                    sampled,
                }
            },
        )
        .collect();
    Ok(Report {
        learners,
        importance,
        guard_heldout_share,
        forest: final_forest,
    })
}

/// A forest of `params` on `data` (row-major rows, features, classes,
/// class count) on `threads` threads; `progress` tells each tree as tree
/// `before + d` of the plan's `total` in `phase`, and a cancel counts the
/// trees of the whole plan, not of this forest.
pub(super) fn grow_forest(
    (x, f, y, k): (&[f64], usize, &[u32], usize),
    params: &forest::ForestParams,
    threads: usize,
    (phase, before, total): (&str, usize, usize),
    progress: &mut dyn FnMut(&Progress) -> Control,
) -> Result<Forest, TrainError> {
    forest::train_threads(x, f, y, k, params, threads, &mut |d, _| {
        progress(&Progress {
            phase: phase.to_string(),
            done: before + d,
            total,
        })
    })
    .map_err(|e| match e {
        forest::ForestError::Cancelled { trees_done } => {
            TrainError::Forest(forest::ForestError::Cancelled {
                trees_done: before + trees_done,
            })
        }
        e => TrainError::Forest(e),
    })
}

/// The classes a forest predicts for row-major `x` (its batch layout: the
/// same classes as row by row).
pub fn predict(forest: &Forest, x: &[f64]) -> Vec<u32> {
    forest.batch().predict_classes(x)
}

/// Mean ± standard deviation of the folds' accuracy and macro-F1.
fn cv_summary(folds: &[Evaluation]) -> Option<CvSummary> {
    if folds.is_empty() {
        return None;
    }
    let acc: Vec<f64> = folds.iter().map(|e| e.accuracy).collect();
    let f1: Vec<f64> = folds.iter().map(|e| e.macro_f1).collect();
    let (am, asd) = mean_std(&acc);
    let (fm, fsd) = mean_std(&f1);
    Some(CvSummary {
        folds: folds.len(),
        accuracy_mean: am,
        accuracy_std: asd,
        macro_f1_mean: fm,
        macro_f1_std: fsd,
    })
}
