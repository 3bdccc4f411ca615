//! Benchmark data sets and the timed pieces shared by the native runner
//! (`src/main.rs`) and the wasm runner (`wasm_bench.mjs` through the
//! wasm-bindgen exports at the bottom). The scikit-learn runner
//! (`sklearn_bench.py`) reads the very same files.
//!
//! A data set on disk: `<name>.json` (shape) plus little-endian
//! `<name>.{train,test}.{x.f64,y.u32}` (row-major features, class indices).

use mibwatch_core::forest::{self, Control, Forest, ForestParams};
use mibwatch_core::split::Rng;

/// Features of the generated sets, as many as the SNMP-MIB variables.
pub const FEATURES: usize = 34;
/// Classes of the generated sets, as many as the SNMP-MIB file's.
pub const CLASSES: usize = 8;

pub struct DataSet {
    pub name: String,
    pub n_features: usize,
    pub n_classes: usize,
    pub train_x: Vec<f64>,
    pub train_y: Vec<u32>,
    pub test_x: Vec<f64>,
    pub test_y: Vec<u32>,
}

fn uniform(rng: &mut Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

fn normal(rng: &mut Rng) -> f64 {
    let (a, b) = (uniform(rng), uniform(rng));
    (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
}

/// Generated traffic-like rows: 8 classes; 12 informative features whose
/// log-normal level depends on the class (overlapping), 4 small-integer
/// gauges, 18 features of class-independent noise; 3% of labels flipped, so
/// no learner reaches 100%. Same seed, same rows.
pub fn synthetic(n_train: usize, n_test: usize, seed: u64) -> DataSet {
    // Class profiles come from a fixed seed: every size shares them.
    let mut prof = Rng::new(0x5EED);
    let mu: Vec<Vec<f64>> = (0..CLASSES)
        .map(|_| (0..12).map(|_| 2.0 + 6.0 * uniform(&mut prof)).collect())
        .collect();
    let gauge: Vec<Vec<f64>> = (0..CLASSES)
        .map(|_| (0..4).map(|_| 0.5 + 3.0 * uniform(&mut prof)).collect())
        .collect();
    let mut rng = Rng::new(seed);
    let mut rows = |n: usize| {
        let mut x = Vec::with_capacity(n * FEATURES);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let c = rng.below(CLASSES);
            for j in 0..FEATURES {
                let v = match j {
                    0..12 => (mu[c][j] + 1.2 * normal(&mut rng)).exp(),
                    12..16 => (gauge[c][j - 12] + normal(&mut rng)).max(0.0).floor(),
                    _ => (5.0 + 2.0 * normal(&mut rng)).exp(),
                };
                x.push(v);
            }
            let label = if rng.below(100) < 3 {
                rng.below(CLASSES)
            } else {
                c
            };
            y.push(label as u32);
        }
        (x, y)
    };
    let (train_x, train_y) = rows(n_train);
    let (test_x, test_y) = rows(n_test);
    DataSet {
        name: format!("synthetic-{}k", n_train / 1000),
        n_features: FEATURES,
        n_classes: CLASSES,
        train_x,
        train_y,
        test_x,
        test_y,
    }
}

/// The forest every runner trains: 100 trees (scikit-learn's default),
/// √features per split, fully grown, the given seed.
pub fn params(trees: u16, seed: u64) -> ForestParams {
    ForestParams {
        n_trees: trees,
        seed,
        ..ForestParams::default()
    }
}

pub fn train(
    x: &[f64],
    y: &[u32],
    n_features: usize,
    n_classes: usize,
    trees: u16,
    seed: u64,
) -> Forest {
    forest::train(
        x,
        n_features,
        y,
        n_classes,
        &params(trees, seed),
        &mut |_, _| Control::Continue,
    )
    .expect("benchmark data trains")
}

pub fn accuracy(forest: &Forest, x: &[f64], y: &[u32]) -> f64 {
    let pred = forest.predict_all(x);
    pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
}

/// Predict every row one at a time (a user typing values), `reps` times over;
/// returns a checksum so the work cannot be optimised away.
pub fn predict_rows(forest: &Forest, x: &[f64], reps: usize) -> f64 {
    let mut p = vec![0.0; forest.n_classes];
    let mut sum = 0.0;
    for _ in 0..reps {
        for row in x.chunks_exact(forest.n_features) {
            forest.predict_proba_into(row, &mut p);
            sum += p[0];
        }
    }
    sum
}

/// Batch prediction: class probabilities of every row of `x` on `threads`
/// threads; checksum.
pub fn predict_batch(forest: &Forest, x: &[f64], threads: usize) -> f64 {
    let mut out = vec![0.0; x.len() / forest.n_features * forest.n_classes];
    forest.predict_proba_batch_threads(x, &mut out, threads);
    out.iter().step_by(forest.n_classes).sum()
}

/// Size of the forest as the model file stores it (postcard bytes).
pub fn forest_bytes(forest: &Forest) -> usize {
    forest.stored_size()
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    pub struct Trained(mibwatch_core::forest::Forest);

    /// Train 100-tree style forests in wasm; the caller times this call.
    #[wasm_bindgen]
    pub fn train(
        x: &[f64],
        y: &[u32],
        n_features: usize,
        n_classes: usize,
        trees: u16,
        seed: u64,
    ) -> Trained {
        Trained(super::train(x, y, n_features, n_classes, trees, seed))
    }

    #[wasm_bindgen]
    impl Trained {
        pub fn accuracy(&self, x: &[f64], y: &[u32]) -> f64 {
            super::accuracy(&self.0, x, y)
        }
        pub fn predict_rows(&self, x: &[f64], reps: usize) -> f64 {
            super::predict_rows(&self.0, x, reps)
        }
        pub fn predict_batch(&self, x: &[f64]) -> f64 {
            super::predict_batch(&self.0, x, 1)
        }
        pub fn bytes(&self) -> usize {
            super::forest_bytes(&self.0)
        }
    }
}
