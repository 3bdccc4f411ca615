//! Batch prediction: a forest laid out for scoring many rows at once.
//!
//! [`BatchForest`] keeps each tree's splits (children tagged as split or
//! leaf) and its mixed leaves' probabilities divided out once. Blocks of
//! [`BLOCK`] rows then go through one tree at a time, level by level: each
//! pass moves every row still inside the tree one step, with no branch on
//! the data, and keeps only the rows not yet at a leaf. The probabilities are
//! exactly those of [`Forest::predict_proba`] row by row (tested). When only
//! the classes are wanted (held-out figures, permutation importance), a row
//! leaves the block once no tree left can change its class
//! ([`BatchForest::predict_classes`], the same classes, tested).

use crate::forest::Forest;
use crate::stats::argmax;
use crate::tree::{Node, Tree};

/// A child in a [`BatchTree`]: a split's index; or a leaf, with `LEAF` set:
/// `LEAF | PURE | class` for a leaf of one class, `LEAF | i` for the `i`th
/// leaf with a class distribution (a validated forest has at most
/// `limits::MAX_CLASSES` classes, so a class never reaches these bits).
const LEAF: u32 = 1 << 31;
const PURE: u32 = 1 << 30;

/// A split node of a [`BatchTree`]: a row goes to `kids[0]` when
/// `row[feature] <= threshold`, else to `kids[1]`.
#[derive(Debug, Clone, Copy)]
struct Branch {
    threshold: f64,
    feature: u32,
    kids: [u32; 2],
}

/// A tree laid out for batch prediction: its splits, and the class
/// probabilities of its mixed leaves computed once.
#[derive(Debug)]
struct BatchTree {
    splits: Vec<Branch>,
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
            .map(|n| match *n {
                Node::Split { .. } => {
                    n_splits += 1;
                    n_splits - 1
                }
                Node::Pure { class } => LEAF | PURE | class,
                Node::Mixed { .. } => {
                    n_mixed += 1;
                    LEAF | (n_mixed - 1)
                }
            })
            .collect();
        let mut splits = Vec::with_capacity(n_splits as usize);
        let mut probs = Vec::with_capacity(n_mixed as usize * k);
        for n in &t.nodes {
            match *n {
                Node::Split {
                    feature,
                    threshold,
                    yes,
                    no,
                } => splits.push(Branch {
                    threshold,
                    feature,
                    kids: [code[yes as usize], code[no as usize]],
                }),
                Node::Mixed { .. } => {
                    let at = probs.len();
                    probs.resize(at + k, 0.0);
                    t.add_leaf(n, &mut probs[at..]);
                }
                Node::Pure { .. } => {}
            }
        }
        // Children come after their parent (validated), so one pass gives
        // every node's depth.
        let mut depth = vec![0u32; t.nodes.len()];
        let mut shallowest_leaf = u32::MAX;
        for (i, n) in t.nodes.iter().enumerate() {
            if let Node::Split { yes, no, .. } = *n {
                depth[yes as usize] = depth[i] + 1;
                depth[no as usize] = depth[i] + 1;
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

    /// The most likely class of every row of row-major `x` (lowest index on
    /// a tie): exactly the argmax of [`BatchForest::predict_proba`], with
    /// less work. Trees are summed in the same order; but each tree adds at
    /// most 1 to any class, so once a row's leading class is ahead of every
    /// other by more than the trees left (and a margin far above rounding),
    /// no tree left can change its class and the row goes down no further
    /// tree. Past half the trees, most rows of a confident forest stop.
    pub fn predict_classes(&self, x: &[f64]) -> Vec<u32> {
        let (f, k) = (self.n_features, self.n_classes);
        let n_trees = self.trees.len();
        if f == 0 || k == 0 || n_trees == 0 || f > MAX_BLOCK_FEATURES {
            return self.predict_classes_of_every_tree(x);
        }
        let mut classes = vec![0u32; x.len() / f];
        let mut act = Box::new([(0, 0); 2 * BLOCK]);
        let inv = reciprocal(f);
        // The block's rows still undecided: their values, their sums so far
        // (`k` each) and where they are in `x`.
        let (mut rows, mut sums, mut at) = (Vec::new(), Vec::new(), Vec::new());
        let mut probs = vec![0.0; k];
        for (b, xb) in x.chunks(BLOCK * f).enumerate() {
            let m = xb.len() / f;
            rows.clear();
            rows.extend_from_slice(&xb[..m * f]);
            sums.clear();
            sums.resize(m * k, 0.0);
            at.clear();
            at.extend(b * BLOCK..b * BLOCK + m);
            for (t, tree) in self.trees.iter().enumerate() {
                if at.is_empty() {
                    break;
                }
                tree.add_proba_rows(&rows, f, &mut sums, k, &mut act, inv);
                let left = n_trees - t - 1;
                // A lead over `left` needs more than `left` trees seen.
                if left == 0 || t < left {
                    continue;
                }
                let mut kept = 0;
                for i in 0..at.len() {
                    match decided(&sums[i * k..(i + 1) * k], left as f64) {
                        Some(c) => classes[at[i]] = c,
                        None => {
                            if kept != i {
                                rows.copy_within(i * f..(i + 1) * f, kept * f);
                                sums.copy_within(i * k..(i + 1) * k, kept * k);
                                at[kept] = at[i];
                            }
                            kept += 1;
                        }
                    }
                }
                rows.truncate(kept * f);
                sums.truncate(kept * k);
                at.truncate(kept);
            }
            // Rows every tree saw: divided as `predict_proba` divides.
            for (s, &r) in sums.chunks_exact(k).zip(&at) {
                for (p, &v) in probs.iter_mut().zip(s) {
                    *p = v / n_trees as f64;
                }
                classes[r] = argmax(&probs) as u32;
            }
        }
        classes
    }

    /// The argmax (lowest index on a tie) of [`BatchForest::predict_proba`]
    /// for every row of `x`, every tree summed: what
    /// [`BatchForest::predict_classes`] gives with less work.
    pub fn predict_classes_of_every_tree(&self, x: &[f64]) -> Vec<u32> {
        let k = self.n_classes.max(1);
        let mut probs = vec![0.0; x.len() / self.n_features.max(1) * k];
        self.predict_proba(x, &mut probs);
        probs.chunks_exact(k).map(|p| argmax(p) as u32).collect()
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

/// The class of a row whose trees so far summed to `sums`, when the `left`
/// trees still to come cannot change it: the leader is ahead of every other
/// class by more than `left` (each tree adds at most 1 to a class) plus a
/// margin far above the rounding of a thousand additions.
fn decided(sums: &[f64], left: f64) -> Option<u32> {
    let lead = argmax(sums);
    let top = sums[lead];
    let beaten = sums
        .iter()
        .enumerate()
        .all(|(c, &v)| c == lead || top - v > left + 1e-6);
    beaten.then_some(lead as u32)
}

impl Forest {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::{Control, ForestParams, train};
    use crate::testdata::blobs;

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
        let stump = Tree {
            nodes: vec![Node::Mixed { class: 2, dist: 0 }],
            dists: vec![vec![1, 2, 3].into_boxed_slice()],
        };
        forest.trees.push(stump);
        let split = Tree {
            nodes: vec![
                Node::Split {
                    feature: 1,
                    threshold: 5.0,
                    yes: 1,
                    no: 2,
                },
                Node::leaf(2),
                Node::Mixed { class: 1, dist: 0 },
            ],
            dists: vec![vec![0, 5, 1].into_boxed_slice()],
        };
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
    fn classes_stopped_early_are_the_argmax_of_every_tree() {
        // Noisy labels give close votes and mixed leaves (shallow trees),
        // clear blobs unanimous ones; forests of 1, 2, 3 and many trees, rows
        // over several blocks, a partial block and NaN cells.
        let (noisy_x, noisy_y) = crate::testdata::noisy(1500, 4, 3, 11);
        let (blob_x, blob_y) = blobs(700, 4, 5);
        let mut stopped_early = false;
        for (x, y, f, k) in [(&noisy_x, &noisy_y, 4, 3), (&blob_x, &blob_y, 3, 4)] {
            for (n_trees, max_depth) in [
                (1, None),
                (2, Some(2)),
                (3, None),
                (40, Some(3)),
                (61, None),
            ] {
                let params = ForestParams {
                    n_trees,
                    max_depth,
                    seed: 3,
                    ..ForestParams::default()
                };
                let forest = train(x, f, y, k, &params, &mut |_, _| Control::Continue).unwrap();
                let mut x = x.clone();
                x[5] = f64::NAN;
                let laid_out = forest.batch();
                let want = forest.predict_all(&x);
                assert_eq!(laid_out.predict_classes_of_every_tree(&x), want);
                assert_eq!(
                    laid_out.predict_classes(&x),
                    want,
                    "{n_trees} trees, depth {max_depth:?}"
                );
                let mut probs = vec![0.0; x.len() / f * k];
                laid_out.predict_proba(&x, &mut probs);
                // Rows decided before the last tree: some lead by more than
                // the trees left once half are seen.
                stopped_early |= probs.chunks_exact(k).any(|p| {
                    let mut v: Vec<f64> = p.iter().map(|q| q * n_trees as f64).collect();
                    v.sort_by(|a, b| b.total_cmp(a));
                    n_trees > 2 && v[0] - v[1] > n_trees as f64 / 2.0 + 1.0
                });
            }
        }
        assert!(
            stopped_early,
            "no row could stop early: the test does not test it"
        );
        // A lead of exactly the trees left does not decide; a larger one does.
        assert_eq!(decided(&[3.0, 1.0], 2.0), None);
        assert_eq!(decided(&[1.0, 4.0, 0.5], 2.0), Some(1));
        assert_eq!(decided(&[2.0, 2.0], 0.0), None);
        let stump = crate::forest::one_stump(2, 0, 0.5);
        assert!(stump.batch().predict_classes(&[]).is_empty());
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
}
