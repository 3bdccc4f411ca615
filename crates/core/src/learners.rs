//! Learners to compare on the same split: mibwatch's forest and smartcore's
//! classic baselines (a single decision tree, k-nearest neighbours, Gaussian
//! naive Bayes, logistic regression), as the SNMP-MIB literature compares
//! classifiers. Distance- and likelihood-based baselines see features on a
//! signed log scale, standardised on the training side.

use smartcore::algorithm::neighbour::KNNAlgorithmName;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};
use smartcore::naive_bayes::gaussian::{GaussianNB, GaussianNBParameters};
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};

use crate::forest::{self, Control, ForestParams};
use crate::guard::slog;

#[derive(Debug, Clone, PartialEq)]
pub enum Learner {
    Forest(ForestParams),
    DecisionTree { seed: u64 },
    Knn { k: usize },
    GaussianNb,
    LogisticRegression,
}

impl Learner {
    /// The forest and every baseline, with their default settings.
    pub fn all(params: &ForestParams) -> Vec<Learner> {
        vec![
            Learner::Forest(params.clone()),
            Learner::DecisionTree { seed: params.seed },
            Learner::Knn { k: 5 },
            Learner::GaussianNb,
            Learner::LogisticRegression,
        ]
    }

    /// The quick baselines: a single tree, k-NN and Gaussian naive Bayes.
    /// Logistic regression is left out: its solver takes tens of seconds on
    /// a few thousand rows (`mibwatch compare` includes it).
    pub fn quick(seed: u64) -> Vec<Learner> {
        vec![
            Learner::DecisionTree { seed },
            Learner::Knn { k: 5 },
            Learner::GaussianNb,
        ]
    }

    pub fn name(&self) -> String {
        match self {
            Learner::Forest(p) => format!("mibwatch forest ({} trees)", p.n_trees),
            Learner::DecisionTree { .. } => "decision tree".into(),
            Learner::Knn { k } => format!("{k}-nearest neighbours"),
            Learner::GaussianNb => "Gaussian naive Bayes".into(),
            Learner::LogisticRegression => "logistic regression".into(),
        }
    }

    /// Train on `xtr`/`ytr` (row-major, `f` features, classes `0..k`) and
    /// predict the rows of `xte`.
    pub fn fit_predict(
        &self,
        xtr: &[f64],
        f: usize,
        ytr: &[u32],
        k: usize,
        xte: &[f64],
    ) -> Result<Vec<u32>, String> {
        let err = |e: smartcore::error::Failed| e.to_string();
        let matrix_of =
            |x: Vec<f64>, f: usize| DenseMatrix::new(x.len() / f, f, x, false).map_err(err);
        let matrix = |x: Vec<f64>| matrix_of(x, f);
        let y = ytr.to_vec();
        match self {
            Learner::Forest(p) => {
                let forest = forest::train(xtr, f, ytr, k, p, &mut |_, _| Control::Continue)
                    .map_err(|e| e.to_string())?;
                Ok(forest.predict_all(xte))
            }
            Learner::DecisionTree { seed } => {
                let params = DecisionTreeClassifierParameters {
                    seed: Some(*seed),
                    ..Default::default()
                };
                let m =
                    DecisionTreeClassifier::fit(&matrix(xtr.to_vec())?, &y, params).map_err(err)?;
                m.predict(&matrix(xte.to_vec())?).map_err(err)
            }
            Learner::Knn { k: nn } => {
                let (xtr, y) = evenly_spaced(xtr, &y, f, crate::limits::KNN_MAX_TRAIN_ROWS);
                let (a, b, g) = standardised(&xtr, xte, f);
                // A linear search: as fast as the cover tree over these
                // rows, and fitted in no time, so parts of the held-out rows
                // can be predicted apart (see `train::tasks`).
                let m = KNNClassifier::fit(
                    &matrix_of(a, g)?,
                    &y,
                    KNNClassifierParameters::default()
                        .with_k(*nn)
                        .with_algorithm(KNNAlgorithmName::LinearSearch),
                )
                .map_err(err)?;
                m.predict(&matrix_of(b, g)?).map_err(err)
            }
            Learner::GaussianNb => {
                let (mut a, b, g) = standardised(xtr, xte, f);
                // smartcore's Gaussian NB has no variance smoothing: a feature
                // constant within one class gives NaN likelihoods. A tiny
                // deterministic jitter (1e-3 standard deviations) stands in
                // for scikit-learn's var_smoothing.
                for (i, v) in a.iter_mut().enumerate() {
                    *v += 1e-3 * (((i * 7919) % 1000) as f64 / 1000.0 - 0.5);
                }
                let m = GaussianNB::fit(&matrix_of(a, g)?, &y, GaussianNBParameters::default())
                    .map_err(err)?;
                m.predict(&matrix_of(b, g)?).map_err(err)
            }
            Learner::LogisticRegression => {
                let (a, b, g) = standardised(xtr, xte, f);
                let m = LogisticRegression::fit(
                    &matrix_of(a, g)?,
                    &y,
                    LogisticRegressionParameters::default(),
                )
                .map_err(err)?;
                m.predict(&matrix_of(b, g)?).map_err(err)
            }
        }
    }
}

/// At most `cap` of `rows`, evenly spaced, in order; all of them when there
/// are no more than `cap`.
pub fn evenly_spaced_rows(rows: &[usize], cap: usize) -> Vec<usize> {
    let n = rows.len();
    if n <= cap {
        return rows.to_vec();
    }
    (0..cap).map(|i| rows[i * n / cap]).collect()
}

/// At most `cap` rows of `x` (and their labels), evenly spaced, in order;
/// every row when there are no more than `cap`.
fn evenly_spaced(x: &[f64], y: &[u32], f: usize, cap: usize) -> (Vec<f64>, Vec<u32>) {
    let rows: Vec<usize> = (0..y.len()).collect();
    let picks = evenly_spaced_rows(&rows, cap);
    let mut xs = Vec::with_capacity(picks.len() * f);
    let mut ys = Vec::with_capacity(picks.len());
    for r in picks {
        xs.extend_from_slice(&x[r * f..(r + 1) * f]);
        ys.push(y[r]);
    }
    (xs, ys)
}

/// Signed-log features standardised by the training side's mean and spread;
/// columns constant on the training side are dropped. Returns both sides and
/// the number of columns kept.
fn standardised(xtr: &[f64], xte: &[f64], f: usize) -> (Vec<f64>, Vec<f64>, usize) {
    let a: Vec<f64> = xtr.iter().map(|&v| slog(v)).collect();
    let b: Vec<f64> = xte.iter().map(|&v| slog(v)).collect();
    let n = (a.len() / f).max(1) as f64;
    let mut mean = vec![0.0; f];
    let mut sd = vec![0.0; f];
    for r in a.chunks_exact(f) {
        for j in 0..f {
            mean[j] += r[j] / n;
        }
    }
    for r in a.chunks_exact(f) {
        for j in 0..f {
            sd[j] += (r[j] - mean[j]).powi(2) / n;
        }
    }
    let sd: Vec<f64> = sd.into_iter().map(|v| v.sqrt()).collect();
    let kept: Vec<usize> = (0..f).filter(|&j| sd[j] > 1e-12).collect();
    let scale = |x: Vec<f64>| -> Vec<f64> {
        x.chunks_exact(f)
            .flat_map(|r| {
                kept.iter()
                    .map(|&j| (r[j] - mean[j]) / sd[j])
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    (scale(a), scale(b), kept.len().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knn_keeps_evenly_spaced_rows_over_its_cap() {
        let x: Vec<f64> = (0..20).map(|v| v as f64).collect();
        let y: Vec<u32> = (0..10).collect();
        let (xs, ys) = evenly_spaced(&x, &y, 2, 4);
        assert_eq!(ys, vec![0, 2, 5, 7]);
        assert_eq!(xs, vec![0.0, 1.0, 4.0, 5.0, 10.0, 11.0, 14.0, 15.0]);
        assert_eq!(evenly_spaced(&x, &y, 2, 10).1, y);
    }

    #[test]
    fn every_learner_separates_easy_classes() {
        // Two well-separated classes on a log scale, plus a constant column.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let c = (i % 2) as u32;
            let base = if c == 0 { 10.0 } else { 10_000.0 };
            x.extend_from_slice(&[base * (1.0 + (i as f64) / 100.0), 0.0, (i % 7) as f64]);
            y.push(c);
        }
        let (xtr, ytr) = (&x[..90], &y[..30]);
        let (xte, yte) = (&x[90..], &y[30..]);
        for l in Learner::all(&ForestParams {
            n_trees: 10,
            ..ForestParams::default()
        }) {
            let pred = l.fit_predict(xtr, 3, ytr, 2, xte).unwrap();
            let acc =
                pred.iter().zip(yte).filter(|(p, t)| p == t).count() as f64 / yte.len() as f64;
            assert!(acc > 0.9, "{}: {acc}", l.name());
        }
    }
}
