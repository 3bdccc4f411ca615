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
    train_threads(x, y, n_features, n_classes, trees, seed, 1)
}

/// [`train`] with the trees grown on `threads` threads (the same forest).
pub fn train_threads(
    x: &[f64],
    y: &[u32],
    n_features: usize,
    n_classes: usize,
    trees: u16,
    seed: u64,
    threads: usize,
) -> Forest {
    forest::train_threads(
        x,
        n_features,
        y,
        n_classes,
        &params(trees, seed),
        threads,
        &mut |_, _| Control::Continue,
    )
    .expect("benchmark data trains")
}

/// The training rows as the CSV the page reads: a header `f00,…,class`,
/// every value printed so that it reads back to the same f64 (Rust's
/// shortest round-trip form), the class as `c<index>`. The page trains its
/// final forest on every row of the file, so its model is tested on the
/// set's test rows like every other learner ([`page_accuracy`]).
pub fn csv(d: &DataSet, out: &mut impl std::io::Write) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let mut line = String::new();
    for j in 0..d.n_features {
        let _ = write!(line, "f{j:02},");
    }
    line.push_str("class\n");
    out.write_all(line.as_bytes())?;
    for (row, y) in d.train_x.chunks_exact(d.n_features).zip(&d.train_y) {
        line.clear();
        for v in row {
            let _ = write!(line, "{v},");
        }
        let _ = writeln!(line, "c{y}");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Accuracy on the set's test rows of a model the page trained on [`csv`]'s
/// file: its inputs `fNN` and classes `cN` mapped back to the set's columns
/// and class indices.
pub fn page_accuracy(model: &mibwatch_core::model::Model, d: &DataSet) -> Result<f64, String> {
    let index = |name: &str, prefix: char| {
        name.strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| format!("the model names {name:?}, not a column of the benchmark"))
    };
    let cols: Vec<usize> = model
        .features
        .iter()
        .map(|f| index(f, 'f'))
        .collect::<Result<_, _>>()?;
    let classes: Vec<u32> = model
        .classes
        .iter()
        .map(|c| index(c, 'c').map(|i| i as u32))
        .collect::<Result<_, _>>()?;
    let forest = model.forest().ok_or("the model has no forest")?;
    let x: Vec<f64> = d
        .test_x
        .chunks_exact(d.n_features)
        .flat_map(|row| cols.iter().map(|&j| row[j]))
        .collect();
    let pred = forest.predict_all(&x);
    let right = pred
        .iter()
        .zip(&d.test_y)
        .filter(|(p, t)| classes[**p as usize] == **t)
        .count();
    Ok(right as f64 / d.test_y.len() as f64)
}

/// Training rows in class order (stable): the order every runner reads
/// them in. The page takes a run of one label as a capture session, so a
/// file in class order is one session per class, and the page's training
/// runs no whole-session folds: the same work as on a time-ordered capture.
pub fn sort_by_class(d: &mut DataSet) {
    let f = d.n_features;
    let mut order: Vec<usize> = (0..d.train_y.len()).collect();
    order.sort_by_key(|&i| d.train_y[i]);
    d.train_x = order
        .iter()
        .flat_map(|&i| d.train_x[i * f..(i + 1) * f].iter().copied())
        .collect();
    d.train_y = order.iter().map(|&i| d.train_y[i]).collect();
}

/// `n` generated rows as whole numbers (counters per second, as a poller
/// rounds them), in class order, in the CSV layout of [`csv`]: the page's
/// large-file run, whose file must stay under the page's size limit
/// (`limits::MAX_FILE_BYTES`).
pub fn counters_csv(n: usize, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut d = synthetic(n, 0, n as u64);
    d.train_x.iter_mut().for_each(|v| *v = v.round());
    sort_by_class(&mut d);
    csv(&d, out)
}

pub fn accuracy(forest: &Forest, x: &[f64], y: &[u32]) -> f64 {
    let pred = forest.predict_all(x);
    pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
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
        pub fn bytes(&self) -> usize {
            super::forest_bytes(&self.0)
        }
    }
}
