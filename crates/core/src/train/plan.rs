//! An evaluation plan: every fit to make (which learner, on which split), in
//! order, known before the first tree grows, so that progress is one count
//! from 0 to [`Plan::total_trees`] that never goes back.

use crate::forest::ForestParams;
use crate::learners::Learner;
use crate::split::Split;

use super::prepare::Prepared;

/// Which rows a fit trains on, and which it is tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitKind {
    /// Stratified random split (leaks the capture session).
    Random,
    /// The last part of each capture session held out.
    TimeOrdered,
    /// Whole capture sessions held out: fold `fold` of `of`.
    SessionFold { fold: usize, of: usize },
    /// Time-blocked cross-validation: fold `fold` of `of`.
    CvFold { fold: usize, of: usize },
    /// Every row trains (the final forest); nothing is tested.
    All,
}

impl SplitKind {
    /// The phase's name in progress messages.
    pub fn label(&self) -> String {
        match self {
            SplitKind::Random => "random split".into(),
            SplitKind::TimeOrdered => "time-ordered split".into(),
            SplitKind::SessionFold { fold, .. } => format!("session fold {}", fold + 1),
            SplitKind::CvFold { fold, .. } => format!("cross-validation fold {}", fold + 1),
            SplitKind::All => "final model".into(),
        }
    }
}

/// One learner fitted on one split.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub learner: Learner,
    pub split: SplitKind,
}

impl Fit {
    /// Trees this fit grows (0 for learners that are not forests).
    pub fn trees(&self) -> usize {
        match &self.learner {
            Learner::Forest(p) => p.n_trees as usize,
            _ => 0,
        }
    }
}

/// Every fit of an evaluation, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub fits: Vec<Fit>,
    pub test_fraction: f64,
    /// The random split's seed.
    pub seed: u64,
    /// Shuffles per feature for the permutation importance of the forest
    /// fitted on the time-ordered split (0: none).
    pub importance_repeats: usize,
    /// Most rows of each side the baselines (learners other than the forest)
    /// see, and most held-out rows the importance shuffles, evenly spaced
    /// ([`crate::limits::EVALUATION_SAMPLE_ROWS`] when training; none when
    /// comparing learners).
    pub sample_cap: Option<usize>,
}

impl Plan {
    /// What training a model evaluates: the forest on the random and
    /// time-ordered splits, on whole sessions held out when every class has
    /// two or more, on `cv_folds` time-blocked folds; then the final forest on
    /// every row; then, with `baselines`, smartcore's quick baselines on the
    /// time-ordered split (at most [`crate::limits::EVALUATION_SAMPLE_ROWS`]
    /// rows of each side).
    pub fn training(
        p: &Prepared,
        params: &ForestParams,
        test_fraction: f64,
        cv_folds: Option<usize>,
        baselines: bool,
        importance_repeats: usize,
    ) -> Plan {
        let forest = Learner::Forest(params.clone());
        let mut splits = vec![SplitKind::Random, SplitKind::TimeOrdered];
        let of = p.session_folds().map_or(0, |f| f.len());
        splits.extend((0..of).map(|fold| SplitKind::SessionFold { fold, of }));
        let k = cv_folds.unwrap_or(0);
        splits.extend((0..k).map(|fold| SplitKind::CvFold { fold, of: k }));
        splits.push(SplitKind::All);
        let mut fits: Vec<Fit> = splits
            .into_iter()
            .map(|split| Fit {
                learner: forest.clone(),
                split,
            })
            .collect();
        if baselines {
            fits.extend(Learner::quick(params.seed).into_iter().map(|learner| Fit {
                learner,
                split: SplitKind::TimeOrdered,
            }));
        }
        Plan {
            fits,
            test_fraction,
            seed: params.seed,
            importance_repeats,
            sample_cap: Some(crate::limits::EVALUATION_SAMPLE_ROWS),
        }
    }

    /// Every learner on the random and time-ordered splits and, when every
    /// class has two or more sessions, on whole sessions held out.
    pub fn comparison(p: &Prepared, learners: &[Learner], test_fraction: f64, seed: u64) -> Plan {
        let of = p.session_folds().map_or(0, |f| f.len());
        let mut fits = Vec::new();
        for learner in learners {
            let mut splits = vec![SplitKind::Random, SplitKind::TimeOrdered];
            splits.extend((0..of).map(|fold| SplitKind::SessionFold { fold, of }));
            fits.extend(splits.into_iter().map(|split| Fit {
                learner: learner.clone(),
                split,
            }));
        }
        Plan {
            fits,
            test_fraction,
            seed,
            importance_repeats: 0,
            sample_cap: None,
        }
    }

    /// Trees grown over the whole plan: progress counts to this.
    pub fn total_trees(&self) -> usize {
        self.fits.iter().map(Fit::trees).sum()
    }

    /// The rows of `kind` (every fold list is computed once per call).
    pub fn split(&self, p: &Prepared, kind: SplitKind) -> Split {
        match kind {
            SplitKind::Random => p.random_split(self.test_fraction, self.seed),
            SplitKind::TimeOrdered => p.time_ordered_split(self.test_fraction),
            SplitKind::SessionFold { fold, .. } => p
                .session_folds()
                .and_then(|mut f| (fold < f.len()).then(|| f.swap_remove(fold)))
                .unwrap_or_else(|| all_rows(p)),
            SplitKind::CvFold { fold, of } => {
                let mut folds = crate::split::blocked_kfold(&p.sessions, of);
                if fold < folds.len() {
                    folds.swap_remove(fold)
                } else {
                    all_rows(p)
                }
            }
            SplitKind::All => all_rows(p),
        }
    }
}

fn all_rows(p: &Prepared) -> Split {
    Split {
        train: (0..p.y.len()).collect(),
        test: Vec::new(),
    }
}
