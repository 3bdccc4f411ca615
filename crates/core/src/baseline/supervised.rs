//! The supervised forest as one of the compared detectors in
//! [`evaluate`](super::evaluate): trained on every class with
//! `forest::train`, as `model::train_prepared` does, on whole sessions of
//! every class ([`Prepared::session_folds`]) when each class has two or
//! more, else on the time-ordered split. It sees attack labels, unlike the
//! baselines; an alarm is any attack class predicted.

use std::collections::HashMap;
use std::ops::Range;

use crate::forest::{self, Control, ForestError, ForestParams};
use crate::split::{self, Split};
use crate::train::Prepared;

use super::evaluate::{DetectorResult, EvalError, Evaluated};

/// The supervised forest (all classes, the prepared features): whole sessions
/// held out when every class has two or more, else the time-ordered split.
/// An alarm is any attack class predicted.
pub(super) fn forest_result(
    e: &Evaluated,
    normal: u32,
    params: &ForestParams,
    attack_classes: &[String],
    holdout_fraction: f64,
) -> Result<DetectorResult, EvalError> {
    let p = e.p;
    let (splits, how) = match p.session_folds() {
        Some(folds) => {
            let k = folds.len();
            (
                folds,
                format!("whole sessions of every class held out, {k} folds"),
            )
        }
        None => (
            vec![p.time_ordered_split(holdout_fraction)],
            format!(
                "time-ordered split: the last {:.0}% of every session (some class has one session)",
                holdout_fraction * 100.0
            ),
        ),
    };
    let mut r = DetectorResult::empty(
        format!(
            "supervised forest ({} trees, {})",
            params.n_trees,
            p.plan.set.name()
        ),
        attack_classes,
    );
    r.how = Some(how);
    for s in &splits {
        let pred = fit_predict(p, s, params).map_err(EvalError::Forest)?;
        let predicted: HashMap<usize, u32> = s.test.iter().copied().zip(pred).collect();
        // Held-out normal rows in runs of one session each.
        let held: Vec<Range<usize>> = p
            .sessions
            .iter()
            .filter(|ses| p.y[ses.start] == normal)
            .flat_map(|ses| runs_within(ses, &predicted))
            .collect();
        let attacks: Vec<usize> = s
            .test
            .iter()
            .copied()
            .filter(|&i| p.y[i] != normal)
            .collect();
        r.add(e, &held, &attacks, &|i| {
            predicted.get(&i).is_some_and(|&c| c != normal)
        });
    }
    Ok(r)
}

/// Contiguous runs of a session's rows that are in `rows`.
fn runs_within(ses: &Range<usize>, rows: &HashMap<usize, u32>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in ses.clone() {
        match (rows.contains_key(&i), start) {
            (true, None) => start = Some(i),
            (false, Some(a)) => {
                out.push(a..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(a) = start {
        out.push(a..ses.end);
    }
    out
}

/// Train a forest on `s.train` and predict `s.test` (as `model::train_prepared` does).
fn fit_predict(p: &Prepared, s: &Split, params: &ForestParams) -> Result<Vec<u32>, ForestError> {
    let f = p.n_features();
    let xtr = split::take_rows(&p.x, f, &s.train);
    let ytr: Vec<u32> = s.train.iter().map(|&i| p.y[i]).collect();
    let forest = forest::train(&xtr, f, &ytr, p.classes.len(), params, &mut |_, _| {
        Control::Continue
    })?;
    Ok(forest.predict_all(&split::take_rows(&p.x, f, &s.test)))
}
