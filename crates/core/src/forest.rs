//! Random forest: flat trees, trained by the histogram learner in [`crate::hist`].
//!
//! Tree `i` is grown with seed `seed + i` (its own bootstrap sample and feature
//! draws), which gives per-tree progress and cancellation between trees. A
//! tree is a flat node array which the model file stores and validates, so a
//! decoded model can never index out of bounds or loop, and inference needs no
//! allocation. Leaves keep their class counts when they are not pure; the
//! forest's probabilities are the mean of its trees' leaf distributions.
//!
//! smartcore 0.7's random forest stays as the reference learner
//! ([`train_smartcore`]): N single-tree smartcore forests copied into the same
//! flat trees (a test checks they predict exactly what smartcore predicts),
//! used by the tests that hold the histogram learner to smartcore's accuracy.

use std::fmt;

use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use crate::hist;

/// Hyperparameters of the forest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForestParams {
    pub n_trees: u16,
    /// Maximum depth of a tree; `None` grows until leaves are pure.
    pub max_depth: Option<u16>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    /// Features drawn as split candidates (mtry); `None` = ⌊√features⌋.
    pub mtry: Option<usize>,
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: 100,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            mtry: None,
            seed: 42,
        }
    }
}

/// One node of a flat tree. A leaf has `yes == 0` (the root is never a child).
/// An internal node sends a row to `yes` when `row[feature] <= threshold`.
/// A leaf votes for `class` alone when `no == 0` (pure); otherwise its class
/// counts are `Tree::dists[no - 1]` and `class` is their most common class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub feature: u32,
    pub threshold: f64,
    pub yes: u32,
    pub no: u32,
    /// Class index (into the model's classes) predicted at a leaf.
    pub class: u32,
}

impl Node {
    /// A pure leaf voting for `class`.
    pub fn leaf(class: u32) -> Node {
        Node {
            feature: 0,
            threshold: 0.0,
            yes: 0,
            no: 0,
            class,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<StoredNode>", into = "Vec<StoredNode>")]
pub struct Tree {
    pub nodes: Vec<Node>,
    /// Class counts of the leaves that are not pure.
    pub dists: Vec<Box<[u32]>>,
}

/// Compact stored form of a node: a pure leaf keeps only its class, a mixed
/// leaf its class counts. (Model files of format 1 have no `Mixed` nodes and
/// decode unchanged.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum StoredNode {
    Leaf(u32),
    Split(u32, f64, u32, u32),
    Mixed(Vec<u32>),
}

impl From<Vec<StoredNode>> for Tree {
    fn from(v: Vec<StoredNode>) -> Self {
        let mut dists = Vec::new();
        let nodes = v
            .into_iter()
            .map(|n| match n {
                StoredNode::Leaf(class) => Node::leaf(class),
                StoredNode::Split(feature, threshold, yes, no) => Node {
                    feature,
                    threshold,
                    yes,
                    no,
                    class: 0,
                },
                StoredNode::Mixed(counts) => {
                    let class = argmax(&counts) as u32;
                    dists.push(counts.into_boxed_slice());
                    Node {
                        no: dists.len() as u32,
                        ..Node::leaf(class)
                    }
                }
            })
            .collect();
        Tree { nodes, dists }
    }
}

impl From<Tree> for Vec<StoredNode> {
    fn from(t: Tree) -> Self {
        t.nodes
            .into_iter()
            .map(|n| {
                if n.yes != 0 {
                    StoredNode::Split(n.feature, n.threshold, n.yes, n.no)
                } else if n.no == 0 {
                    StoredNode::Leaf(n.class)
                } else {
                    StoredNode::Mixed(t.dists[n.no as usize - 1].to_vec())
                }
            })
            .collect()
    }
}

impl Tree {
    /// A tree of pure leaves only.
    pub fn new(nodes: Vec<Node>) -> Tree {
        Tree {
            nodes,
            dists: Vec::new(),
        }
    }

    /// The leaf `row` lands in. Requires a validated tree.
    #[inline]
    pub fn leaf(&self, row: &[f64]) -> &Node {
        let mut i = 0;
        loop {
            let n = &self.nodes[i];
            if n.yes == 0 {
                return n;
            }
            i = if row[n.feature as usize] <= n.threshold {
                n.yes as usize
            } else {
                n.no as usize
            };
        }
    }

    /// Most likely class at the leaf `row` lands in.
    #[inline]
    pub fn predict(&self, row: &[f64]) -> u32 {
        self.leaf(row).class
    }

    #[inline]
    fn add_leaf(&self, leaf: &Node, acc: &mut [f64]) {
        if leaf.no == 0 {
            acc[leaf.class as usize] += 1.0;
        } else {
            let d = &self.dists[leaf.no as usize - 1];
            let total: u32 = d.iter().sum();
            for (a, &c) in acc.iter_mut().zip(d.iter()) {
                *a += c as f64 / total as f64;
            }
        }
    }

    /// Add this tree's class distribution for `row` to `acc`.
    #[inline]
    pub fn add_proba(&self, row: &[f64], acc: &mut [f64]) {
        self.add_leaf(self.leaf(row), acc);
    }

    /// Structural check: children point forward (so every walk ends), indices
    /// and classes are in range.
    fn validate(&self, n_features: usize, n_classes: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("a tree has no nodes".into());
        }
        let len = self.nodes.len();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.yes == 0 {
                if n.class as usize >= n_classes {
                    return Err(format!("leaf {i} names class {} of {n_classes}", n.class));
                }
                if n.no != 0 {
                    let d = self
                        .dists
                        .get(n.no as usize - 1)
                        .ok_or_else(|| format!("leaf {i} has no class counts"))?;
                    if d.len() != n_classes || d.iter().all(|&c| c == 0) {
                        return Err(format!("leaf {i} has malformed class counts"));
                    }
                    if d.iter().map(|&c| c as u64).sum::<u64>() > u32::MAX as u64 {
                        return Err(format!("leaf {i} has too many rows"));
                    }
                }
            } else {
                let (y, no) = (n.yes as usize, n.no as usize);
                if y <= i || no <= i || y >= len || no >= len {
                    return Err(format!("node {i} has children out of order or range"));
                }
                if n.feature as usize >= n_features {
                    return Err(format!(
                        "node {i} splits on feature {} of {n_features}",
                        n.feature
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A child in a [`BatchTree`]: a split's index; or a leaf, with `LEAF` set:
/// `LEAF | PURE | class` for a leaf of one class, `LEAF | i` for the `i`th
/// leaf with a class distribution (a validated forest has at most
/// `limits::MAX_CLASSES` classes, so a class never reaches these bits).
const LEAF: u32 = 1 << 31;
const PURE: u32 = 1 << 30;

/// A split of a [`BatchTree`]: a row goes to `kids[0]` when
/// `row[feature] <= threshold`, else to `kids[1]`.
#[derive(Debug, Clone, Copy)]
struct Split {
    threshold: f64,
    feature: u32,
    kids: [u32; 2],
}

/// A tree laid out for batch prediction: its splits, and the class
/// probabilities of its mixed leaves computed once.
#[derive(Debug)]
struct BatchTree {
    splits: Vec<Split>,
    /// `k` probabilities per mixed leaf, in leaf order.
    probs: Vec<f64>,
    /// The root: split 0, or a leaf when the tree is one leaf.
    root: u32,
    /// Depth of the shallowest leaf (the root is at depth 0).
    shallowest_leaf: u32,
}

impl BatchTree {
    /// Requires a validated tree.
    fn new(t: &Tree, k: usize) -> BatchTree {
        // Splits and mixed leaves are numbered apart, each in node order.
        let (mut n_splits, mut n_mixed) = (0, 0);
        let code: Vec<u32> = t
            .nodes
            .iter()
            .map(|n| {
                if n.yes != 0 {
                    n_splits += 1;
                    n_splits - 1
                } else if n.no == 0 {
                    LEAF | PURE | n.class
                } else {
                    n_mixed += 1;
                    LEAF | (n_mixed - 1)
                }
            })
            .collect();
        let mut splits = Vec::with_capacity(n_splits as usize);
        let mut probs = Vec::with_capacity(n_mixed as usize * k);
        for n in &t.nodes {
            if n.yes != 0 {
                splits.push(Split {
                    threshold: n.threshold,
                    feature: n.feature,
                    kids: [code[n.yes as usize], code[n.no as usize]],
                });
            } else if n.no != 0 {
                let at = probs.len();
                probs.resize(at + k, 0.0);
                t.add_leaf(n, &mut probs[at..]);
            }
        }
        // Children come after their parent (validated), so one pass gives
        // every node's depth.
        let mut depth = vec![0u32; t.nodes.len()];
        let mut shallowest_leaf = u32::MAX;
        for (i, n) in t.nodes.iter().enumerate() {
            if n.yes != 0 {
                depth[n.yes as usize] = depth[i] + 1;
                depth[n.no as usize] = depth[i] + 1;
            } else {
                shallowest_leaf = shallowest_leaf.min(depth[i]);
            }
        }
        BatchTree {
            splits,
            probs,
            root: code[0],
            shallowest_leaf,
        }
    }

    /// The child of split `at` that the row starting at `rows[off]` goes to.
    #[inline(always)]
    fn step(&self, at: u32, rows: &[f64], off: u32) -> u32 {
        let s = &self.splits[at as usize];
        let v = rows[off as usize + s.feature as usize];
        // Written so that NaN goes right, as in `Tree::leaf`.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let right = !(v <= s.threshold);
        s.kids[usize::from(right)]
    }

    /// Adds leaf `leaf`'s probabilities to `out` (`k` values): a pure leaf
    /// adds its one vote, as `Tree::add_leaf` does.
    #[inline(always)]
    fn add_leaf(&self, leaf: u32, out: &mut [f64], k: usize) {
        if leaf & PURE != 0 {
            out[(leaf & !(LEAF | PURE)) as usize] += 1.0;
        } else {
            let p = &self.probs[(leaf & !LEAF) as usize * k..][..k];
            for (a, &b) in out.iter_mut().zip(p) {
                *a += b;
            }
        }
    }

    /// Adds this tree's probabilities for `row` to `out` (`k` values).
    fn add_proba_row(&self, row: &[f64], out: &mut [f64], k: usize) {
        let mut at = self.root;
        while at & LEAF == 0 {
            at = self.step(at, row, 0);
        }
        self.add_leaf(at, out, k);
    }

    /// Adds this tree's probabilities for every row of `rows` (`f` values
    /// each, at most `BLOCK` rows) to `out` (`k` per row). `act` is scratch
    /// space; `inv` is `reciprocal(f)`.
    ///
    /// The rows move down the tree together, one level per pass: each pass
    /// takes every row still inside the tree one step. Rows still inside
    /// are kept at the front of `act`, rows at a leaf go to its back half,
    /// each as (offset of its values in `rows`, node). No branch depends on
    /// the data, so the steps of many rows overlap in the processor; a
    /// path-by-path walk waits on one load after another and mispredicts
    /// where each path ends.
    fn add_proba_rows(
        &self,
        rows: &[f64],
        f: usize,
        out: &mut [f64],
        k: usize,
        act: &mut [(u32, u32); 2 * BLOCK],
        inv: u64,
    ) {
        let n = rows.len() / f;
        let start = |a: &mut [(u32, u32)]| {
            for (r, a) in a.iter_mut().enumerate() {
                *a = ((r * f) as u32, self.root);
            }
        };
        let (mut inside, mut done) = if self.root & LEAF != 0 {
            start(&mut act[BLOCK..BLOCK + n]);
            (0, BLOCK + n)
        } else {
            start(&mut act[..n]);
            // Up to the level above the shallowest leaf every row stays inside
            // the tree: plain steps, no sorting out.
            for _ in 1..self.shallowest_leaf {
                for (off, at) in act[..n].iter_mut() {
                    *at = self.step(*at, rows, *off);
                }
            }
            (n, BLOCK)
        };
        while inside > 0 {
            let mut kept = 0;
            // (Indices masked to the size of `act`: no bounds checks in the way.)
            for i in 0..inside {
                let (off, at) = act[i % (2 * BLOCK)];
                let next = self.step(at, rows, off);
                let still = next & LEAF == 0;
                let to = if still { kept } else { done };
                act[to % (2 * BLOCK)] = (off, next);
                kept += usize::from(still);
                done += usize::from(!still);
            }
            inside = kept;
        }
        for &(off, leaf) in &act[BLOCK..done] {
            let r = ((off as u64 * inv) >> 32) as usize;
            self.add_leaf(leaf, &mut out[r * k..][..k], k);
        }
    }
}

/// Rows predicted together in a batch (a power of two).
const BLOCK: usize = 512;
/// Most features a row may have for the block-wise batch: a block's offsets
/// then fit in `u32`, and `reciprocal` divides them exactly.
const MAX_BLOCK_FEATURES: usize = 1 << 23;

/// `ceil(2^32 / f)`: for `off = r * f` with `r < BLOCK` and
/// `f <= MAX_BLOCK_FEATURES`, `off * reciprocal(f) >> 32 == r`. (Write
/// `2^32 = q * f - e` with `0 <= e < f`; then `off * q = r * 2^32 + r * e`,
/// and `r * e < 2^9 * 2^23 = 2^32`.)
fn reciprocal(f: usize) -> u64 {
    (1u64 << 32).div_ceil(f as u64)
}

/// A forest laid out for batch prediction ([`Forest::batch`]): lay it out
/// once, then predict as many batches as needed.
#[derive(Debug)]
pub struct BatchForest {
    trees: Vec<BatchTree>,
    n_features: usize,
    n_classes: usize,
}

impl BatchForest {
    /// Class probabilities of every row of row-major `x` into `out`
    /// (`n_classes` per row): the same values as [`Forest::predict_proba`]
    /// row by row, computed tree by tree over blocks of rows so that a tree
    /// and a block stay in cache.
    pub fn predict_proba(&self, x: &[f64], out: &mut [f64]) {
        self.predict_proba_with(x, out, self.n_features > MAX_BLOCK_FEATURES);
    }

    /// [`BatchForest::predict_proba`], block by block or, for rows too long
    /// for a block's offsets, row by row.
    fn predict_proba_with(&self, x: &[f64], out: &mut [f64], by_row: bool) {
        let (f, k) = (self.n_features, self.n_classes);
        out.fill(0.0);
        if by_row {
            for (row, o) in x.chunks_exact(f).zip(out.chunks_exact_mut(k)) {
                for t in &self.trees {
                    t.add_proba_row(row, o, k);
                }
            }
        } else {
            let mut act = Box::new([(0, 0); 2 * BLOCK]);
            let inv = reciprocal(f);
            for (xb, ob) in x.chunks(BLOCK * f).zip(out.chunks_mut(BLOCK * k)) {
                for t in &self.trees {
                    t.add_proba_rows(xb, f, ob, k, &mut act, inv);
                }
            }
        }
        let n_trees = self.trees.len() as f64;
        for v in out.iter_mut() {
            *v /= n_trees;
        }
    }

    /// [`BatchForest::predict_proba`] split over `threads` threads (native
    /// tools; the page has one thread and uses the plain batch).
    pub fn predict_proba_threads(&self, x: &[f64], out: &mut [f64], threads: usize) {
        let (f, k) = (self.n_features, self.n_classes);
        let rows = x.len() / f;
        if threads <= 1 || rows < 4096 || cfg!(target_arch = "wasm32") {
            return self.predict_proba(x, out);
        }
        let per = rows.div_ceil(threads);
        std::thread::scope(|s| {
            for (xp, op) in x.chunks(per * f).zip(out.chunks_mut(per * k)) {
                s.spawn(move || self.predict_proba(xp, op));
            }
        });
    }
}

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
            (Some(y), Some(no)) => Node {
                feature: n.split_feature as u32,
                // smartcore compares `x <= split_value.unwrap_or(NAN)`.
                threshold: n.split_value.unwrap_or(f64::NAN),
                yes: y as u32,
                no: no as u32,
                class: 0,
            },
            _ => Node {
                feature: 0,
                threshold: 0.0,
                yes: 0,
                no: 0,
                class,
            },
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

fn check_inputs(
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
    if params.n_trees == 0 || params.n_trees > crate::limits::MAX_TREES {
        return Err(ForestError::BadParams(format!(
            "the number of trees must be between 1 and {}",
            crate::limits::MAX_TREES
        )));
    }
    if params.min_samples_leaf == 0 || params.min_samples_split < 2 {
        return Err(ForestError::BadParams(
            "min samples per leaf must be ≥ 1 and per split ≥ 2".into(),
        ));
    }
    if let Some(m) = params.mtry
        && (m == 0 || m > n_features)
    {
        return Err(ForestError::BadParams(format!(
            "features per split must be between 1 and {n_features}"
        )));
    }
    if params.max_depth == Some(0) {
        return Err(ForestError::BadParams("max depth must be ≥ 1".into()));
    }
    Ok(())
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
    check_inputs(x, n_features, y, n_classes, params)?;
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ForestError::BadParams(
            "the training values must be finite numbers".into(),
        ));
    }
    let data = hist::Binned::new(x, n_features, y, n_classes);
    let mode = hist::HistMode::for_mtry(hist::mtry(params, n_features), n_features);
    grow_trees(n_features, n_classes, params, progress, |i| {
        Ok(hist::grow(
            &data,
            params,
            mode,
            params.seed.wrapping_add(i as u64),
        ))
    })
}

/// Grow `params.n_trees` trees with `grow(i)`, reporting progress after each
/// and stopping when asked to.
fn grow_trees(
    n_features: usize,
    n_classes: usize,
    params: &ForestParams,
    progress: &mut dyn FnMut(usize, usize) -> Control,
    mut grow: impl FnMut(usize) -> Result<Tree, ForestError>,
) -> Result<Forest, ForestError> {
    let total = params.n_trees as usize;
    let mut trees = Vec::with_capacity(total);
    for i in 0..total {
        trees.push(grow(i)?);
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

/// The reference learner: smartcore 0.7's random forest, one single-tree
/// forest per tree (seed `seed + i`), copied into flat trees. Slower than
/// [`train`] (it sorts at every node); kept to hold [`train`] to its accuracy.
pub fn train_smartcore(
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
    grow_trees(n_features, n_classes, params, progress, |i| {
        let fitted = SmartTree::fit(&xm, &yv, smart_params(params, i))
            .map_err(|e| ForestError::Learner(e.to_string()))?;
        flatten(&fitted)
    })
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

    /// The forest laid out for batch prediction.
    pub fn batch(&self) -> BatchForest {
        BatchForest {
            trees: self
                .trees
                .iter()
                .map(|t| BatchTree::new(t, self.n_classes))
                .collect(),
            n_features: self.n_features,
            n_classes: self.n_classes,
        }
    }

    /// [`BatchForest::predict_proba`] for one batch.
    pub fn predict_proba_batch(&self, x: &[f64], out: &mut [f64]) {
        self.batch().predict_proba(x, out);
    }

    /// [`BatchForest::predict_proba_threads`] for one batch.
    pub fn predict_proba_batch_threads(&self, x: &[f64], out: &mut [f64], threads: usize) {
        self.batch().predict_proba_threads(x, out, threads);
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

/// Index of the largest value, first one on ties.
pub fn argmax<T: PartialOrd + Copy>(v: &[T]) -> usize {
    let mut best = 0;
    for i in 1..v.len() {
        if v[i] > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two noisy gaussian-ish blobs per class from a fixed xorshift stream.
    pub(crate) fn blobs(n_per_class: usize, n_classes: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
        let mut s = seed | 1;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut x = Vec::new();
        let mut y = Vec::new();
        for c in 0..n_classes {
            for _ in 0..n_per_class {
                x.push(c as f64 * 2.0 + rnd() * 2.5);
                x.push(rnd() * 10.0);
                x.push((c % 2) as f64 + rnd());
                y.push(c as u32);
            }
        }
        (x, y)
    }

    #[test]
    fn flat_trees_predict_exactly_like_smartcore() {
        let (x, y) = blobs(60, 3, 7);
        let params = ForestParams {
            n_trees: 5,
            seed: 3,
            ..ForestParams::default()
        };
        let forest = train_smartcore(&x, 3, &y, 3, &params, &mut |_, _| Control::Continue).unwrap();
        forest.validate().unwrap();
        let xm = matrix(&x, 3).unwrap();
        for (i, tree) in forest.trees.iter().enumerate() {
            let reference = SmartTree::fit(&xm, &y, smart_params(&params, i)).unwrap();
            let expected = reference.predict(&xm).unwrap();
            let got: Vec<u32> = x.chunks(3).map(|r| tree.predict(r)).collect();
            assert_eq!(got, expected, "tree {i}");
        }
    }

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
        let mut batch = vec![0.0; y.len() * 4];
        a.predict_proba_batch(&x, &mut batch);
        let rows: Vec<f64> = x.chunks(3).flat_map(|r| a.predict_proba(r)).collect();
        assert_eq!(batch, rows);
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
    fn batch_predicts_exactly_like_one_row_at_a_time() {
        // Shallow trees keep mixed leaves; 4,200 rows are enough for two
        // threads and end in a partial block.
        let (x, y) = blobs(1400, 3, 5);
        let params = ForestParams {
            n_trees: 12,
            max_depth: Some(4),
            seed: 8,
            ..ForestParams::default()
        };
        let mut forest = train(&x, 3, &y, 3, &params, &mut |_, _| Control::Continue).unwrap();
        // A tree that is one mixed leaf, and a split whose right side is one.
        let mut stump = Tree::new(vec![Node::leaf(0)]);
        stump.nodes[0].no = 1;
        stump.dists.push(vec![1, 2, 3].into_boxed_slice());
        forest.trees.push(stump);
        let mut split = Tree::new(vec![
            Node {
                feature: 1,
                threshold: 5.0,
                yes: 1,
                no: 2,
                class: 0,
            },
            Node::leaf(2),
            Node {
                no: 1,
                ..Node::leaf(1)
            },
        ]);
        split.dists.push(vec![0, 5, 1].into_boxed_slice());
        forest.trees.push(split);
        forest.validate().unwrap();
        assert!(forest.trees.iter().any(|t| t.dists.len() > 1));

        let mut x = x;
        x.extend([f64::NAN, 5.0, 0.5, 5.0, f64::NAN, 0.5]);
        let rows: Vec<f64> = x.chunks(3).flat_map(|r| forest.predict_proba(r)).collect();
        let mut batch = vec![0.0; rows.len()];
        forest.predict_proba_batch(&x, &mut batch);
        assert_eq!(batch, rows);
        let mut threads = vec![0.0; rows.len()];
        forest.predict_proba_batch_threads(&x, &mut threads, 2);
        assert_eq!(threads, rows);
        // One layout, two batches (as file scoring does chunk by chunk).
        let laid_out = forest.batch();
        let (head, tail) = batch.split_at_mut(1000 * 3);
        laid_out.predict_proba(&x[..1000 * 3], head);
        laid_out.predict_proba(&x[1000 * 3..], tail);
        assert_eq!(batch, rows);
        // Row by row, as for rows too long for a block.
        laid_out.predict_proba_with(&x, &mut batch, true);
        assert_eq!(batch, rows);
        let mut none = vec![];
        forest.predict_proba_batch(&[], &mut none);
    }

    #[test]
    fn block_offsets_give_back_their_row() {
        for f in [
            1,
            2,
            3,
            7,
            34,
            1000,
            65_537,
            MAX_BLOCK_FEATURES - 1,
            MAX_BLOCK_FEATURES,
        ] {
            let inv = reciprocal(f);
            for r in 0..BLOCK {
                let off = u32::try_from(r * f).unwrap();
                assert_eq!(((off as u64 * inv) >> 32) as usize, r, "f {f}, row {r}");
            }
        }
    }

    #[test]
    fn validation_rejects_broken_trees() {
        let leaf = Node::leaf;
        let good = Forest {
            n_features: 1,
            n_classes: 2,
            trees: vec![Tree::new(vec![
                Node {
                    feature: 0,
                    threshold: 1.0,
                    yes: 1,
                    no: 2,
                    class: 0,
                },
                leaf(0),
                leaf(1),
            ])],
        };
        good.validate().unwrap();
        assert_eq!(good.predict(&[0.5]), 0);
        assert_eq!(good.predict(&[1.5]), 1);
        let mut cyc = good.clone();
        cyc.trees[0].nodes[0].no = 0;
        assert!(cyc.validate().is_err());
        let mut oob = good.clone();
        oob.trees[0].nodes[0].yes = 7;
        assert!(oob.validate().is_err());
        let mut feat = good.clone();
        feat.trees[0].nodes[0].feature = 1;
        assert!(feat.validate().is_err());
        let mut class = good.clone();
        class.trees[0].nodes[2].class = 2;
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
