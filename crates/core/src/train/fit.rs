//! The model trained on every row: the final forest with what the page and
//! the scorer need beside it: input and feature statistics, the guard's
//! ranges, a typical row per class, the evaluation and a hash of the data.

use sha2::{Digest, Sha256};

use super::evaluate::Report;
use super::options::{TrainError, TrainOptions};
use super::prepare::Prepared;
use crate::baseline::Baseline;
use crate::features::FEATURE_VERSION;
use crate::forest::Forest;
use crate::guard::Guard;
use crate::learners::evenly_spaced_rows;
use crate::limits::MEDOID_MAX_ROWS;
use crate::model::{Classifier, FeatureStats, Model, TrainingReport};
use crate::schema;
use crate::stats::median;

/// The model of `p` with the final `forest`, carrying the forest's figures
/// from `report`.
pub fn model(
    p: &Prepared,
    opts: &TrainOptions,
    report: &Report,
    forest: Forest,
) -> Result<Model, TrainError> {
    let examples = (0..p.classes.len())
        .map(|c| class_medoid(&p.table.values, p.table.n_cols(), &p.y, c))
        .collect();
    model_with_examples(p, opts, report, forest, examples)
}

/// [`model`] with each class's typical row already found (by
/// [`class_medoid`], elsewhere).
pub fn model_with_examples(
    p: &Prepared,
    opts: &TrainOptions,
    report: &Report,
    forest: Forest,
    examples: Vec<Vec<f64>>,
) -> Result<Model, TrainError> {
    let f = p.n_features();
    let forest_report = report
        .learners
        .first()
        .ok_or_else(|| TrainError::Mismatch("the evaluation has no forest to report".into()))?;
    let missing =
        || TrainError::Mismatch("the evaluation lacks the random or time-ordered split".into());
    let inputs = &p.table.values;
    let n_in = p.table.n_cols();
    let per_class = p.sessions_per_class();
    let mut model = Model {
        source: opts.source.clone(),
        input_kinds: p.table.columns.iter().map(|c| schema::kind_of(c)).collect(),
        input_stats: feature_stats(inputs, n_in),
        feature_set: p.plan.set,
        feature_version: FEATURE_VERSION,
        features: p.plan.names.clone(),
        feature_stats: feature_stats(&p.x, f),
        guard: Guard::fit(&p.x, f),
        examples,
        data_hash: data_hash(&p.table.columns, &p.classes, inputs, &p.y),
        inputs: p.table.columns.clone(),
        classes: p.classes.clone(),
        classifier: Some(Classifier::Forest {
            params: opts.params.clone(),
            forest,
        }),
        baseline: match &opts.learn_normal {
            Some(b) if p.classes.iter().any(|c| c == schema::NORMAL_CLASS) => {
                Some(Baseline::fit_prepared(p, b).map_err(TrainError::Baseline)?)
            }
            _ => None,
        },
        report: Some(TrainingReport {
            rows: p.y.len(),
            test_fraction: opts.test_fraction,
            random: forest_report.random.clone().ok_or_else(missing)?,
            time_ordered: forest_report.time_ordered.clone().ok_or_else(missing)?,
            by_session: forest_report.by_session.clone(),
            sessions: p.sessions.len(),
            min_sessions_per_class: per_class.into_iter().min().unwrap_or(0),
            guard_heldout_share: report.guard_heldout_share,
            importance: report.importance.clone(),
            rates: p.rates.clone(),
        }),
        plan: None,
    };
    model.plan = Some(p.plan.clone());
    Ok(model)
}

/// Hash of what a model was trained on.
pub(crate) fn data_hash(features: &[String], classes: &[String], x: &[f64], y: &[u32]) -> String {
    let mut h = Sha256::new();
    for f in features {
        h.update(f.as_bytes());
        h.update([0]);
    }
    for c in classes {
        h.update(c.as_bytes());
        h.update([0]);
    }
    for v in x {
        h.update(v.to_le_bytes());
    }
    for v in y {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn feature_stats(x: &[f64], f: usize) -> Vec<FeatureStats> {
    (0..f)
        .map(|j| {
            let mut col: Vec<f64> = x.chunks_exact(f).map(|r| r[j]).collect();
            let med = median(&mut col);
            FeatureStats {
                min: col.first().copied().unwrap_or(0.0),
                max: col.last().copied().unwrap_or(0.0),
                median: med,
            }
        })
        .collect()
}

/// The medoid of each class: the real row with the least summed L1 distance
/// (on ln(1+|x|)) to the other rows of its class; of at most
/// [`MEDOID_MAX_ROWS`] evenly spaced rows of a larger class (the search
/// compares every pair).
pub(crate) fn class_medoids(x: &[f64], f: usize, y: &[u32], n_classes: usize) -> Vec<Vec<f64>> {
    (0..n_classes).map(|c| class_medoid(x, f, y, c)).collect()
}

/// The medoid of class `c` (see [`class_medoids`]).
pub fn class_medoid(x: &[f64], f: usize, y: &[u32], c: usize) -> Vec<f64> {
    let all: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c as u32).collect();
    let idx = evenly_spaced_rows(&all, MEDOID_MAX_ROWS);
    let logx: Vec<Vec<f64>> = idx
        .iter()
        .map(|&i| {
            x[i * f..(i + 1) * f]
                .iter()
                .map(|v| v.abs().ln_1p())
                .collect()
        })
        .collect();
    let mut best = (f64::INFINITY, idx.first().copied().unwrap_or(0));
    for (a, &i) in idx.iter().enumerate() {
        let ri = &logx[a];
        let mut s = 0.0;
        for rk in &logx {
            s += ri.iter().zip(rk).map(|(a, b)| (a - b).abs()).sum::<f64>();
        }
        if s < best.0 {
            best = (s, i);
        }
    }
    x.get(best.1 * f..(best.1 + 1) * f)
        .map(<[f64]>::to_vec)
        .unwrap_or_default()
}
