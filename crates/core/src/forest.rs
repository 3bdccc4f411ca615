//! Random forest: flat trees ([`crate::tree`]) grown by the histogram learner
//! ([`crate::learner`]), and one-row prediction.
//!
//! Tree `i` is grown with seed `seed + i` (its own bootstrap sample and
//! feature draws), so trees are independent: they can grow on several
//! threads (or, in the page, several workers each growing a share of them)
//! and the forest is the same tree for tree, in the same order, as when they
//! grow one after another (tested). Progress is reported per tree and
//! training can be cancelled between trees. The forest's probabilities are
//! the mean of its trees' leaf distributions; batch prediction lives in
//! [`crate::batch`].

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::learner::{self, Binned, HistMode};
pub use crate::params::ForestParams;
pub use crate::stats::argmax;
pub use crate::tree::{Node, Tree};

/// A trained forest: flat trees voting over `n_classes` classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    pub n_features: usize,
    pub n_classes: usize,
    pub trees: Vec<Tree>,
}

/// Returned by the progress callback after each tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    Cancel,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ForestError {
    NoRows,
    Shape { values: usize, n_features: usize },
    LabelCount { rows: usize, labels: usize },
    LabelOutOfRange { label: u32, n_classes: usize },
    BadParams(String),
    Cancelled { trees_done: usize },
    Learner(String),
}

impl fmt::Display for ForestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForestError::NoRows => write!(f, "there are no training rows."),
            ForestError::Shape { values, n_features } => write!(
                f,
                "{values} values do not make whole rows of {n_features} features."
            ),
            ForestError::LabelCount { rows, labels } => {
                write!(f, "{rows} rows but {labels} labels.")
            }
            ForestError::LabelOutOfRange { label, n_classes } => {
                write!(f, "label {label} is not one of the {n_classes} classes.")
            }
            ForestError::BadParams(m) => write!(f, "invalid forest parameters: {m}"),
            ForestError::Cancelled { trees_done } => {
                write!(f, "training was cancelled after {trees_done} trees.")
            }
            ForestError::Learner(m) => write!(f, "the tree learner failed: {m}"),
        }
    }
}

impl std::error::Error for ForestError {}

/// The checks every training starts with: shapes, labels, parameters.
pub(crate) fn check_inputs(
    x: &[f64],
    n_features: usize,
    y: &[u32],
    n_classes: usize,
    params: &ForestParams,
) -> Result<(), ForestError> {
    if n_features == 0 || !x.len().is_multiple_of(n_features) {
        return Err(ForestError::Shape {
            values: x.len(),
            n_features,
        });
    }
    let rows = x.len() / n_features;
    if rows == 0 {
        return Err(ForestError::NoRows);
    }
    if rows != y.len() {
        return Err(ForestError::LabelCount {
            rows,
            labels: y.len(),
        });
    }
    if let Some(&label) = y.iter().find(|&&l| l as usize >= n_classes) {
        return Err(ForestError::LabelOutOfRange { label, n_classes });
    }
    params.check(n_features).map_err(ForestError::BadParams)
}

/// The training data as the learner sees it, checked.
pub fn bin<'y>(
    x: &[f64],
    n_features: usize,
    y: &'y [u32],
    n_classes: usize,
    params: &ForestParams,
) -> Result<Binned<'y>, ForestError> {
    check_inputs(x, n_features, y, n_classes, params)?;
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ForestError::BadParams(
            "the training values must be finite numbers".into(),
        ));
    }
    Ok(Binned::new(x, n_features, y, n_classes))
}

/// Train a forest on row-major `x` (`n_features` per row) with class indices `y`.
/// `progress(done, total)` is called after each tree; returning
/// [`Control::Cancel`] stops training with [`ForestError::Cancelled`].
pub fn train(
    x: &[f64],
    n_features: usize,
    y: &[u32],
    n_classes: usize,
    params: &ForestParams,
    progress: &mut dyn FnMut(usize, usize) -> Control,
) -> Result<Forest, ForestError> {
    train_threads(x, n_features, y, n_classes, params, 1, progress)
}

/// [`train`] with the trees grown on `threads` threads (one in the page's
/// wasm, which has no threads): the same forest, tree for tree.
pub fn train_threads(
    x: &[f64],
    n_features: usize,
    y: &[u32],
    n_classes: usize,
    params: &ForestParams,
    threads: usize,
    progress: &mut dyn FnMut(usize, usize) -> Control,
) -> Result<Forest, ForestError> {
    let data = bin(x, n_features, y, n_classes, params)?;
    let trees = grow(&data, params, 0..params.n_trees as usize, threads, progress)?;
    Ok(Forest {
        n_features,
        n_classes,
        trees,
    })
}

/// Grow trees `range` of a forest of `params` on `data` (tree `i` seeded with
/// `seed + i`), in order, on `threads` threads. `progress(done, total)` after
/// each tree, `total` being `range.len()`.
pub fn grow(
    data: &Binned,
    params: &ForestParams,
    range: Range<usize>,
    threads: usize,
    progress: &mut dyn FnMut(usize, usize) -> Control,
) -> Result<Vec<Tree>, ForestError> {
    let mode = HistMode::for_mtry(
        crate::params::mtry(params, data.n_features),
        data.n_features,
    );
    let seed_of = |i: usize| params.seed.wrapping_add(i as u64);
    let total = range.len();
    if threads <= 1 || total <= 1 || cfg!(target_arch = "wasm32") {
        let mut trees = Vec::with_capacity(total);
        for i in range {
            trees.push(learner::grow(data, params, mode, seed_of(i)));
            let done = trees.len();
            if progress(done, total) == Control::Cancel && done < total {
                return Err(ForestError::Cancelled { trees_done: done });
            }
        }
        return Ok(trees);
    }
    grow_threads(total, threads.min(total), progress, |k| {
        learner::grow(data, params, mode, seed_of(range.start + k))
    })
}

/// Grow `total` trees with `grow(k)` on `threads` threads, each taking the
/// next tree not yet taken; progress and cancellation on the calling thread.
fn grow_threads(
    total: usize,
    threads: usize,
    progress: &mut dyn FnMut(usize, usize) -> Control,
    grow: impl Fn(usize) -> Tree + Sync,
) -> Result<Vec<Tree>, ForestError> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut slots: Vec<Option<Tree>> = vec![None; total];
    let mut cancelled = None;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..threads {
            let (tx, next, stop, grow) = (tx.clone(), &next, &stop, &grow);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= total || tx.send((k, grow(k))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for (k, tree) in rx {
            slots[k] = Some(tree);
            done += 1;
            if progress(done, total) == Control::Cancel && done < total {
                stop.store(true, Ordering::Relaxed);
                cancelled = Some(done);
                break;
            }
        }
    });
    if let Some(trees_done) = cancelled {
        return Err(ForestError::Cancelled { trees_done });
    }
    Ok(slots.into_iter().flatten().collect())
}

impl Forest {
    /// Check a decoded forest so that inference cannot go out of bounds.
    pub fn validate(&self) -> Result<(), String> {
        if self.trees.is_empty() {
            return Err("the forest has no trees".into());
        }
        if self.n_classes == 0 || self.n_features == 0 {
            return Err("the forest has no classes or no features".into());
        }
        if self.n_classes > crate::limits::MAX_CLASSES {
            return Err(format!(
                "the forest has {} classes; mibwatch accepts at most {}",
                self.n_classes,
                crate::limits::MAX_CLASSES
            ));
        }
        for (i, t) in self.trees.iter().enumerate() {
            t.validate(self.n_features, self.n_classes)
                .map_err(|e| format!("tree {i}: {e}"))?;
        }
        Ok(())
    }

    /// Class probabilities for one row (`row.len() == n_features`): the mean
    /// of the trees' leaf distributions; they sum to 1.
    pub fn predict_proba(&self, row: &[f64]) -> Vec<f64> {
        let mut p = vec![0.0; self.n_classes];
        self.predict_proba_into(row, &mut p);
        p
    }

    /// [`Forest::predict_proba`] into `out` (`out.len() == n_classes`).
    pub fn predict_proba_into(&self, row: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for t in &self.trees {
            t.add_proba(row, out);
        }
        let n = self.trees.len() as f64;
        for v in out.iter_mut() {
            *v /= n;
        }
    }

    /// Bytes the forest takes in a model file.
    pub fn stored_size(&self) -> usize {
        postcard::to_allocvec(self).map_or(0, |b| b.len())
    }

    /// Most likely class (lowest index on a tie).
    pub fn predict(&self, row: &[f64]) -> u32 {
        argmax(&self.predict_proba(row)) as u32
    }

    /// Predicted class of every row of a row-major matrix.
    pub fn predict_all(&self, x: &[f64]) -> Vec<u32> {
        x.chunks_exact(self.n_features)
            .map(|r| self.predict(r))
            .collect()
    }
}

/// A tree of one split, for tests: feature `feature` at most `threshold` is
/// class 0, else class 1.
#[cfg(test)]
pub(crate) fn stump(feature: u32, threshold: f64) -> Tree {
    Tree::new(vec![
        Node::Split {
            feature,
            threshold,
            yes: 1,
            no: 2,
        },
        Node::leaf(0),
        Node::leaf(1),
    ])
}

/// A forest of one stump, for tests: feature `feature` (of `n_features`) at
/// most `threshold` is class 0, else class 1.
#[cfg(test)]
pub(crate) fn one_stump(n_features: usize, feature: u32, threshold: f64) -> Forest {
    Forest {
        n_features,
        n_classes: 2,
        trees: vec![stump(feature, threshold)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::blobs;

    #[test]
    fn deterministic_per_seed_and_probabilities_sum_to_one() {
        let (x, y) = blobs(50, 4, 11);
        let p = ForestParams {
            n_trees: 12,
            seed: 9,
            ..ForestParams::default()
        };
        let a = train(&x, 3, &y, 4, &p, &mut |_, _| Control::Continue).unwrap();
        let b = train(&x, 3, &y, 4, &p, &mut |_, _| Control::Continue).unwrap();
        assert_eq!(a, b);
        let c = train(
            &x,
            3,
            &y,
            4,
            &ForestParams { seed: 10, ..p },
            &mut |_, _| Control::Continue,
        )
        .unwrap();
        assert_ne!(a, c);
        for r in x.chunks(3) {
            let pr = a.predict_proba(r);
            assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(a.predict(r) as usize, argmax(&pr));
        }
        // Separable-ish data: the forest fits its training rows well.
        let acc = a
            .predict_all(&x)
            .iter()
            .zip(&y)
            .filter(|(p, t)| p == t)
            .count() as f64
            / y.len() as f64;
        assert!(acc > 0.9, "{acc}");
    }

    #[test]
    fn threads_grow_the_same_forest_as_one_thread() {
        let (x, y) = blobs(300, 3, 4);
        let p = ForestParams {
            n_trees: 23,
            max_depth: Some(5),
            seed: 77,
            ..ForestParams::default()
        };
        let one = train(&x, 3, &y, 3, &p, &mut |_, _| Control::Continue).unwrap();
        assert!(one.trees.iter().any(|t| !t.dists.is_empty()));
        for threads in [2, 3, 8, 64] {
            let mut calls = 0;
            let many = train_threads(&x, 3, &y, 3, &p, threads, &mut |d, t| {
                calls += 1;
                assert_eq!((d, t), (calls, 23));
                Control::Continue
            })
            .unwrap();
            assert_eq!(calls, 23);
            assert_eq!(many, one, "{threads} threads");
            assert_eq!(
                postcard::to_allocvec(&many).unwrap(),
                postcard::to_allocvec(&one).unwrap()
            );
        }
        // A share of the trees is the same slice of the forest.
        let data = bin(&x, 3, &y, 3, &p).unwrap();
        let share = grow(&data, &p, 5..11, 2, &mut |_, _| Control::Continue).unwrap();
        assert_eq!(share, one.trees[5..11].to_vec());
        // Cancelling stops every thread.
        let r = train_threads(&x, 3, &y, 3, &p, 2, &mut |d, _| {
            if d == 4 {
                Control::Cancel
            } else {
                Control::Continue
            }
        });
        assert_eq!(r, Err(ForestError::Cancelled { trees_done: 4 }));
    }

    #[test]
    fn progress_per_tree_and_cancel() {
        let (x, y) = blobs(20, 2, 5);
        let p = ForestParams {
            n_trees: 10,
            ..ForestParams::default()
        };
        let mut seen = Vec::new();
        train(&x, 3, &y, 2, &p, &mut |d, t| {
            seen.push((d, t));
            Control::Continue
        })
        .unwrap();
        assert_eq!(seen, (1..=10).map(|d| (d, 10)).collect::<Vec<_>>());
        let r = train(&x, 3, &y, 2, &p, &mut |d, _| {
            if d == 3 {
                Control::Cancel
            } else {
                Control::Continue
            }
        });
        assert_eq!(r, Err(ForestError::Cancelled { trees_done: 3 }));
    }

    #[test]
    fn parameters_are_honoured_and_checked() {
        let (x, y) = blobs(40, 2, 1);
        let stump = train(
            &x,
            3,
            &y,
            2,
            &ForestParams {
                n_trees: 3,
                max_depth: Some(1),
                ..ForestParams::default()
            },
            &mut |_, _| Control::Continue,
        )
        .unwrap();
        assert!(stump.trees.iter().all(|t| t.nodes.len() <= 3));
        let bad = |p: ForestParams| train(&x, 3, &y, 2, &p, &mut |_, _| Control::Continue);
        assert!(matches!(
            bad(ForestParams {
                n_trees: 0,
                ..ForestParams::default()
            }),
            Err(ForestError::BadParams(_))
        ));
        assert!(matches!(
            bad(ForestParams {
                n_trees: crate::limits::MAX_TREES + 1,
                ..ForestParams::default()
            }),
            Err(ForestError::BadParams(_))
        ));
        assert!(matches!(
            bad(ForestParams {
                mtry: Some(4),
                ..ForestParams::default()
            }),
            Err(ForestError::BadParams(_))
        ));
        assert!(matches!(
            train(&x[..5], 3, &y, 2, &ForestParams::default(), &mut |_, _| {
                Control::Continue
            }),
            Err(ForestError::Shape { .. })
        ));
        assert!(matches!(
            train(&x, 3, &y, 1, &ForestParams::default(), &mut |_, _| {
                Control::Continue
            }),
            Err(ForestError::LabelOutOfRange { .. })
        ));
    }

    #[test]
    fn validation_rejects_broken_forests() {
        let good = one_stump(1, 0, 1.0);
        good.validate().unwrap();
        assert_eq!(good.predict(&[0.5]), 0);
        assert_eq!(good.predict(&[1.5]), 1);
        let with = |node: Node| {
            let mut f = good.clone();
            f.trees[0].nodes[0] = node;
            f.validate()
        };
        let split = |feature, yes, no| Node::Split {
            feature,
            threshold: 1.0,
            yes,
            no,
        };
        assert!(with(split(0, 1, 0)).is_err(), "a cycle");
        assert!(with(split(0, 7, 2)).is_err(), "out of range");
        assert!(with(split(1, 1, 2)).is_err(), "no such feature");
        let mut class = good.clone();
        class.trees[0].nodes[2] = Node::leaf(2);
        assert!(class.validate().is_err());
        let mut classes = good.clone();
        classes.n_classes = crate::limits::MAX_CLASSES + 1;
        assert!(classes.validate().is_err());
        let empty = Forest {
            trees: vec![],
            ..good
        };
        assert!(empty.validate().is_err());
    }
}
