//! The reference learner (tests only): smartcore 0.7's random forest, one
//! single-tree forest per tree (seed `seed + i`), copied into mibwatch's flat
//! trees. Slower than [`crate::forest::train`] (it sorts at every node); the
//! tests hold the histogram learner to its accuracy, split by split.

use serde::Deserialize;
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::forest::{Control, Forest, ForestError, ForestParams, check_inputs};
use crate::tree::{Node, Tree};

type SmartTree = RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>;

// Mirrors of the parts of smartcore 0.7's serde form that the flat tree needs.
#[derive(Deserialize)]
struct RfMirror {
    trees: Option<Vec<DtMirror>>,
}
#[derive(Deserialize)]
struct DtMirror {
    nodes: Vec<NodeMirror>,
    classes: Vec<u32>,
}
#[derive(Deserialize)]
struct NodeMirror {
    output: usize,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

fn flatten(fitted: &SmartTree) -> Result<Tree, ForestError> {
    let value = serde_json::to_value(fitted).map_err(|e| ForestError::Learner(e.to_string()))?;
    let mirror: RfMirror =
        serde_json::from_value(value).map_err(|e| ForestError::Learner(e.to_string()))?;
    let dt = mirror
        .trees
        .and_then(|mut t| t.pop())
        .ok_or_else(|| ForestError::Learner("no tree in the fitted forest".into()))?;
    let mut nodes = Vec::with_capacity(dt.nodes.len());
    for n in &dt.nodes {
        let class = *dt
            .classes
            .get(n.output)
            .ok_or_else(|| ForestError::Learner("leaf output out of range".into()))?;
        let node = match (n.true_child, n.false_child) {
            (Some(y), Some(no)) => Node::Split {
                feature: n.split_feature as u32,
                // smartcore compares `x <= split_value.unwrap_or(NAN)`.
                threshold: n.split_value.unwrap_or(f64::NAN),
                yes: y as u32,
                no: no as u32,
            },
            _ => Node::leaf(class),
        };
        nodes.push(node);
    }
    Ok(Tree::new(nodes))
}

/// Rows as a smartcore matrix (row-major values).
fn matrix(x: &[f64], n_features: usize) -> Result<DenseMatrix<f64>, ForestError> {
    DenseMatrix::new(x.len() / n_features, n_features, x.to_vec(), false)
        .map_err(|e| ForestError::Learner(e.to_string()))
}

fn smart_params(params: &ForestParams, tree: usize) -> RandomForestClassifierParameters {
    let mut p = RandomForestClassifierParameters::default()
        .with_n_trees(1)
        .with_min_samples_leaf(params.min_samples_leaf)
        .with_min_samples_split(params.min_samples_split)
        .with_seed(params.seed.wrapping_add(tree as u64));
    if let Some(d) = params.max_depth {
        p = p.with_max_depth(d);
    }
    if let Some(m) = params.mtry {
        p = p.with_m(m);
    }
    p
}

/// The reference learner: smartcore 0.7's random forest, one single-tree
/// forest per tree (seed `seed + i`), copied into flat trees. Slower than
/// [`train`] (it sorts at every node); kept to hold [`train`] to its accuracy.
pub fn train(
    x: &[f64],
    n_features: usize,
    y: &[u32],
    n_classes: usize,
    params: &ForestParams,
    progress: &mut dyn FnMut(usize, usize) -> Control,
) -> Result<Forest, ForestError> {
    check_inputs(x, n_features, y, n_classes, params)?;
    let xm = matrix(x, n_features)?;
    let yv = y.to_vec();
    let total = params.n_trees as usize;
    let mut trees = Vec::with_capacity(total);
    for i in 0..total {
        let fitted = SmartTree::fit(&xm, &yv, smart_params(params, i))
            .map_err(|e| ForestError::Learner(e.to_string()))?;
        trees.push(flatten(&fitted)?);
        if progress(i + 1, total) == Control::Cancel && i + 1 < total {
            return Err(ForestError::Cancelled { trees_done: i + 1 });
        }
    }
    Ok(Forest {
        n_features,
        n_classes,
        trees,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Capture;
    use crate::split::take_rows;
    use crate::testdata::blobs;
    use crate::train::{TrainOptions, prepare};

    #[test]
    fn flat_trees_predict_exactly_like_smartcore() {
        let (x, y) = blobs(60, 3, 7);
        let params = ForestParams {
            n_trees: 5,
            seed: 3,
            ..ForestParams::default()
        };
        let forest = train(&x, 3, &y, 3, &params, &mut |_, _| Control::Continue).unwrap();
        forest.validate().unwrap();
        let xm = matrix(&x, 3).unwrap();
        for (i, tree) in forest.trees.iter().enumerate() {
            let reference = SmartTree::fit(&xm, &y, smart_params(&params, i)).unwrap();
            let expected = reference.predict(&xm).unwrap();
            let got: Vec<u32> = x.chunks(3).map(|r| tree.predict(r)).collect();
            assert_eq!(got, expected, "tree {i}");
        }
    }

    /// The histogram forest's hold-out accuracy on the public file is at
    /// least smartcore's on each split: the honest (time-ordered) one and
    /// the random one, compared apart.
    #[test]
    fn at_least_as_accurate_as_smartcore_on_the_public_file_split_by_split() {
        let t = crate::testdata::public_table();
        let p = prepare(
            &t,
            &TrainOptions {
                capture: Capture::counters_every(15.0),
                ..TrainOptions::default()
            },
        )
        .unwrap();
        let f = p.n_features();
        let k = p.classes.len();
        let mut measured = Vec::new();
        for (name, split) in [
            ("time-ordered", p.time_ordered_split(0.3)),
            ("random", p.random_split(0.3, 7)),
        ] {
            let xtr = take_rows(&p.x, f, &split.train);
            let ytr = p.truth(&split.train);
            let xte = take_rows(&p.x, f, &split.test);
            let yte = p.truth(&split.test);
            let params = ForestParams {
                n_trees: 40,
                seed: 11,
                ..ForestParams::default()
            };
            let acc = |forest: &Forest| {
                let pred = forest.predict_all(&xte);
                pred.iter().zip(&yte).filter(|(a, b)| a == b).count() as f64 / yte.len() as f64
            };
            let ours =
                crate::forest::train(&xtr, f, &ytr, k, &params, &mut |_, _| Control::Continue)
                    .unwrap();
            let smart = train(&xtr, f, &ytr, k, &params, &mut |_, _| Control::Continue).unwrap();
            let (a, b) = (acc(&ours), acc(&smart));
            eprintln!("{name}: histogram forest {a:.4}, smartcore {b:.4}");
            assert!(a >= b, "{name}: histogram forest {a:.4} < smartcore {b:.4}");
            measured.push(format!("{name} {:.1}% vs {:.1}%", a * 100.0, b * 100.0));
        }
        // The README quotes these figures.
        crate::readme::check(
            "reference-vs-smartcore",
            "cargo test -p mibwatch-core reference",
            &measured.join(", "),
        );
    }
}
