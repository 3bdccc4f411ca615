//! The forest's own tree learner: histogram-binned CART with Gini splits.
//!
//! Every feature is cut once per forest into at most 256 bins (u8 codes,
//! stored column by column); a tree then never sorts: a node counts its rows'
//! classes per bin of each candidate feature (a class-count histogram) and
//! scans the bin boundaries for the best Gini split. Like scikit-learn's
//! `RandomForestClassifier`: a bootstrap sample per tree, `mtry` candidate
//! features drawn afresh at every split (more are drawn when the drawn ones
//! are constant in the node), fully grown trees by default, leaves that keep
//! their class counts (the forest averages them into probabilities).
//!
//! When `mtry` is at least half the features, a node histograms every feature
//! and its children get theirs by the sibling-subtraction trick (count the
//! smaller child, subtract it from the parent for the larger), which then costs
//! less than counting each candidate feature per node. Both ways count the same
//! rows, so they grow identical trees (tested).
//!
//! Trees grow depth first. On training data larger than a core's cache, a
//! node's rows lie scattered over it once the tree is a few levels deep, and
//! every row and candidate feature costs a cache miss; so a subtree whose rows
//! fit in the cache ([`CACHED_DATA`]) grows on a packed copy of them: the same
//! splits (tested), about 0.7× the time at 500,000 rows × 34 features.
//!
//! Thresholds are bin edges: midpoints between neighbouring values of the
//! binning sample, so `value <= threshold` on raw values sends a training row
//! exactly where its code went during training.

use crate::forest::{ForestParams, Node, Tree};
use crate::split::Rng;

/// Most bins per feature (codes fit in a u8).
pub const MAX_BINS: usize = 256;
/// Rows used to place the bin edges (a stride sample beyond this).
const BIN_SAMPLE: usize = 200_000;
/// Below this many rows a node sorts its (code, class) pairs instead of
/// filling a 256-bin histogram.
const SMALL_NODE: usize = 64;

/// Bin edges per feature: `edges[j][b]` separates bin `b` from bin `b + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    pub edges: Vec<Vec<f64>>,
}

impl Bins {
    /// Place at most [`MAX_BINS`] bins per feature on row-major `x`, each bin
    /// holding about the same number of rows; a feature with ≤ 256 distinct
    /// values gets one bin per value.
    pub fn fit(x: &[f64], n_features: usize) -> Bins {
        let n = x.len() / n_features;
        let step = n.div_ceil(BIN_SAMPLE).max(1);
        let mut col = Vec::with_capacity(n / step + 1);
        let edges = (0..n_features)
            .map(|j| {
                col.clear();
                col.extend((0..n).step_by(step).map(|r| x[r * n_features + j]));
                col.sort_unstable_by(f64::total_cmp);
                edges_of(&col)
            })
            .collect();
        Bins { edges }
    }

    /// Bin code of `v` for feature `j`: the number of edges below `v`.
    #[inline]
    pub fn code(&self, j: usize, v: f64) -> u8 {
        self.edges[j].partition_point(|&e| e < v) as u8
    }

    /// Codes of row-major `x`, column by column (`codes[j * n + r]`).
    pub fn codes(&self, x: &[f64], n_features: usize) -> Vec<u8> {
        let n = x.len() / n_features;
        let mut out = vec![0u8; n * n_features];
        for j in 0..n_features {
            let col = &mut out[j * n..(j + 1) * n];
            for (r, c) in col.iter_mut().enumerate() {
                *c = self.code(j, x[r * n_features + j]);
            }
        }
        out
    }
}

/// A threshold strictly between `a < b` (the midpoint unless rounding says no).
fn between(a: f64, b: f64) -> f64 {
    let m = a / 2.0 + b / 2.0;
    if m >= a && m < b { m } else { a }
}

/// Edges for one sorted column: at most `MAX_BINS - 1` midpoints between
/// distinct values, spaced so that bins hold similar row counts.
fn edges_of(sorted: &[f64]) -> Vec<f64> {
    // Distinct values with their counts (NaN cannot occur: inputs are checked).
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in sorted {
        match distinct.last_mut() {
            Some((d, c)) if *d == v => *c += 1,
            _ => distinct.push((v, 1)),
        }
    }
    if distinct.len() <= MAX_BINS {
        return distinct
            .windows(2)
            .map(|w| between(w[0].0, w[1].0))
            .collect();
    }
    // Close bin `e` once the rows so far reach (e + 1) / MAX_BINS of all.
    let n = sorted.len();
    let mut edges = Vec::with_capacity(MAX_BINS - 1);
    let mut cum = 0usize;
    for w in distinct.windows(2) {
        cum += w[0].1;
        if cum * MAX_BINS >= (edges.len() + 1) * n {
            edges.push(between(w[0].0, w[1].0));
        }
    }
    debug_assert!(edges.len() < MAX_BINS);
    edges
}

/// The training data as the trees see it.
pub struct Binned<'a> {
    pub bins: Bins,
    /// `codes[j * n_rows + r]`.
    pub codes: Vec<u8>,
    pub n_rows: usize,
    pub n_features: usize,
    pub y: &'a [u32],
    pub n_classes: usize,
    /// First histogram slot of each feature (prefix sums of its bin count).
    offsets: Vec<usize>,
}

impl<'a> Binned<'a> {
    pub fn new(x: &[f64], n_features: usize, y: &'a [u32], n_classes: usize) -> Self {
        let bins = Bins::fit(x, n_features);
        let codes = bins.codes(x, n_features);
        let mut offsets = Vec::with_capacity(n_features + 1);
        let mut total = 0;
        for e in &bins.edges {
            offsets.push(total);
            total += e.len() + 1;
        }
        offsets.push(total);
        Binned {
            bins,
            codes,
            n_rows: y.len(),
            n_features,
            y,
            n_classes,
            offsets,
        }
    }

    fn n_bins(&self, j: usize) -> usize {
        self.offsets[j + 1] - self.offsets[j]
    }

    fn view(&self) -> View<'_> {
        View {
            codes: &self.codes,
            y: self.y,
            n: self.n_rows,
        }
    }
}

/// Codes (column by column) and classes of the rows a tree grows on: the
/// whole training set, or a copy of one subtree's rows.
#[derive(Clone, Copy)]
struct View<'v> {
    codes: &'v [u8],
    y: &'v [u32],
    n: usize,
}

impl View<'_> {
    #[inline]
    fn col(&self, j: usize) -> &[u8] {
        &self.codes[j * self.n..(j + 1) * self.n]
    }

    /// Codes (column by column) and classes of `rows`, packed: the data of a
    /// view whose row `i` is `rows[i]` here.
    fn copy_rows(&self, rows: &[u32]) -> (Vec<u8>, Vec<u32>) {
        let m = rows.len();
        let mut codes = vec![0u8; m * (self.codes.len() / self.n)];
        for (j, local) in codes.chunks_exact_mut(m).enumerate() {
            let col = self.col(j);
            for (c, &r) in local.iter_mut().zip(rows) {
                *c = col[r as usize];
            }
        }
        let y = rows.iter().map(|&r| self.y[r as usize]).collect();
        (codes, y)
    }
}

/// Rows whose codes and classes take more than this many bytes outgrow a
/// core's cache (2 MB of L2 per core on the benchmark machine); on such data a
/// subtree whose rows fit gets a packed copy of them to grow on.
const CACHED_DATA: usize = 2 << 20;

/// How a node histograms its candidate features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistMode {
    /// Count each drawn feature per node.
    PerFeature,
    /// Keep every feature's histogram per node; children by subtraction.
    Subtract,
}

impl HistMode {
    /// The cheaper way for `mtry` of `n_features`.
    pub fn for_mtry(mtry: usize, n_features: usize) -> HistMode {
        if 2 * mtry >= n_features {
            HistMode::Subtract
        } else {
            HistMode::PerFeature
        }
    }
}

/// The best split found in a node.
#[derive(Debug, Clone, Copy)]
struct Best {
    feature: usize,
    /// Codes `<= code` go left.
    code: u8,
    /// The lowest code on the right.
    next: u8,
    score: f64,
}

/// A node waiting to be grown: rows `idx[start..end]`.
struct Task {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    /// Every feature's class counts (Subtract mode, large nodes only).
    hist: Option<Vec<u32>>,
}

struct Grower<'d, 'y> {
    data: &'d Binned<'y>,
    params: &'d ForestParams,
    mtry: usize,
    mode: HistMode,
    /// See [`CACHED_DATA`].
    cached: usize,
    rng: Rng,
    /// Scratch: one feature's histogram (bins × classes) and bin totals.
    hist: Vec<u32>,
    bin_n: Vec<u32>,
    pairs: Vec<(u8, u32)>,
    features: Vec<usize>,
    left: Vec<u32>,
    counts: Vec<u32>,
    buf: Vec<u32>,
}

/// Candidate features per split: `params.mtry`, or ⌊√features⌋ (at least 1).
pub fn mtry(params: &ForestParams, n_features: usize) -> usize {
    params
        .mtry
        .unwrap_or_else(|| ((n_features as f64).sqrt() as usize).max(1))
        .clamp(1, n_features)
}

/// Grow one tree on a bootstrap sample drawn with `seed`.
pub fn grow(data: &Binned, params: &ForestParams, mode: HistMode, seed: u64) -> Tree {
    grow_cached(data, params, mode, seed, CACHED_DATA)
}

/// [`grow`], copying subtrees' rows when the data takes more than `cached`
/// bytes (tests set it low to compare trees grown with and without copies).
fn grow_cached(
    data: &Binned,
    params: &ForestParams,
    mode: HistMode,
    seed: u64,
    cached: usize,
) -> Tree {
    let k = data.n_classes;
    let mtry = mtry(params, data.n_features);
    let mut g = Grower {
        data,
        params,
        mtry,
        mode,
        cached,
        rng: Rng::new(seed),
        hist: vec![0; MAX_BINS * k],
        bin_n: vec![0; MAX_BINS],
        pairs: Vec::new(),
        features: (0..data.n_features).collect(),
        left: vec![0; k],
        counts: vec![0; k],
        buf: Vec::new(),
    };
    let n = data.n_rows;
    let mut idx: Vec<u32> = (0..n).map(|_| g.rng.below(n) as u32).collect();
    idx.sort_unstable();
    g.grow_all(&mut idx)
}

impl Grower<'_, '_> {
    fn grow_all(&mut self, idx: &mut [u32]) -> Tree {
        let mut nodes = vec![Node::leaf(0)];
        let mut dists: Vec<Box<[u32]>> = Vec::new();
        let view = self.data.view();
        let root_hist = (self.mode == HistMode::Subtract && idx.len() >= SMALL_NODE)
            .then(|| self.full_hist(view, idx));
        let root = Task {
            node: 0,
            start: 0,
            end: idx.len(),
            depth: 0,
            hist: root_hist,
        };
        self.grow_from(view, idx, root, &mut nodes, &mut dists);
        Tree { nodes, dists }
    }

    /// Grow the subtree of `first` depth first, left before right (the order
    /// fixes which random draws each node gets). On data too large for the
    /// cache, a node small enough gets a copy of its rows, packed, and its
    /// subtree grows on that: the same splits, without a cache miss for every
    /// row and feature at each level below.
    fn grow_from(
        &mut self,
        v: View,
        idx: &mut [u32],
        first: Task,
        nodes: &mut Vec<Node>,
        dists: &mut Vec<Box<[u32]>>,
    ) {
        let row_bytes = self.data.n_features + 4;
        let gather = v.n * row_bytes > self.cached;
        let mut stack = vec![first];
        while let Some(task) = stack.pop() {
            let rows = &idx[task.start..task.end];
            let m = rows.len();
            if gather && m >= SMALL_NODE && m * row_bytes <= self.cached {
                let (codes, y) = v.copy_rows(rows);
                let mut local_idx: Vec<u32> = (0..m as u32).collect();
                let local = View {
                    codes: &codes,
                    y: &y,
                    n: m,
                };
                let task = Task {
                    start: 0,
                    end: m,
                    ..task
                };
                self.grow_from(local, &mut local_idx, task, nodes, dists);
                continue;
            }
            self.counts.fill(0);
            for &r in rows {
                self.counts[v.y[r as usize] as usize] += 1;
            }
            let nonzero = self.counts.iter().filter(|&&c| c > 0).count();
            let depth_ok = self
                .params
                .max_depth
                .is_none_or(|d| task.depth < d as usize);
            let can_split = nonzero > 1
                && depth_ok
                && m >= self.params.min_samples_split
                && m >= 2 * self.params.min_samples_leaf;
            let best = if can_split {
                self.best_split(v, rows, task.hist.as_deref())
            } else {
                None
            };
            let Some(best) = best else {
                nodes[task.node] = self.leaf(nonzero, dists);
                continue;
            };
            // Stable partition: left rows keep their order, then right rows.
            let col = v.col(best.feature);
            self.buf.clear();
            let mut w = task.start;
            for i in task.start..task.end {
                let r = idx[i];
                if col[r as usize] <= best.code {
                    idx[w] = r;
                    w += 1;
                } else {
                    self.buf.push(r);
                }
            }
            idx[w..task.end].copy_from_slice(&self.buf);
            let (yes, no) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::leaf(0));
            nodes.push(Node::leaf(0));
            // Any edge from the left side's highest code to below the right
            // side's lowest splits the rows alike: take the middle one, like
            // scikit-learn's midpoint threshold.
            let edge = (best.code as usize + best.next as usize - 1) / 2;
            nodes[task.node] = Node {
                feature: best.feature as u32,
                threshold: self.data.bins.edges[best.feature][edge],
                yes: yes as u32,
                no: no as u32,
                class: 0,
            };
            let (lh, rh) = self.child_hists(v, task.hist, idx, task.start, w, task.end);
            stack.push(Task {
                node: no,
                start: w,
                end: task.end,
                depth: task.depth + 1,
                hist: rh,
            });
            stack.push(Task {
                node: yes,
                start: task.start,
                end: w,
                depth: task.depth + 1,
                hist: lh,
            });
        }
    }

    fn leaf(&mut self, nonzero: usize, dists: &mut Vec<Box<[u32]>>) -> Node {
        let class = crate::forest::argmax(&self.counts) as u32;
        if nonzero <= 1 {
            Node::leaf(class)
        } else {
            dists.push(self.counts.clone().into_boxed_slice());
            Node {
                no: dists.len() as u32,
                ..Node::leaf(class)
            }
        }
    }

    /// Every feature's class counts over `rows` (Subtract mode).
    fn full_hist(&self, v: View, rows: &[u32]) -> Vec<u32> {
        let d = self.data;
        let k = d.n_classes;
        let mut h = vec![0u32; d.offsets[d.n_features] * k];
        for j in 0..d.n_features {
            let col = v.col(j);
            let base = d.offsets[j] * k;
            for &r in rows {
                let r = r as usize;
                h[base + col[r] as usize * k + v.y[r] as usize] += 1;
            }
        }
        h
    }

    /// Children's full histograms: count the smaller, subtract for the larger.
    fn child_hists(
        &self,
        v: View,
        parent: Option<Vec<u32>>,
        idx: &[u32],
        start: usize,
        mid: usize,
        end: usize,
    ) -> (Option<Vec<u32>>, Option<Vec<u32>>) {
        let Some(mut parent) = parent else {
            return (None, None);
        };
        let (nl, nr) = (mid - start, end - mid);
        if nl.max(nr) < SMALL_NODE {
            return (None, None);
        }
        let left_smaller = nl <= nr;
        let small = if left_smaller {
            self.full_hist(v, &idx[start..mid])
        } else {
            self.full_hist(v, &idx[mid..end])
        };
        for (p, s) in parent.iter_mut().zip(&small) {
            *p -= s;
        }
        let small = (nl.min(nr) >= SMALL_NODE).then_some(small);
        if left_smaller {
            (small, Some(parent))
        } else {
            (Some(parent), small)
        }
    }

    /// Draw candidate features until `mtry` non-constant ones are examined;
    /// return the best Gini split among them.
    fn best_split(&mut self, v: View, rows: &[u32], full: Option<&[u32]>) -> Option<Best> {
        let nf = self.data.n_features;
        let mut best: Option<Best> = None;
        let mut examined = 0;
        for t in 0..nf {
            let pick = t + self.rng.below(nf - t);
            self.features.swap(t, pick);
            let j = self.features[t];
            let (found, constant) = self.eval_feature(v, j, rows, full);
            if constant {
                continue;
            }
            examined += 1;
            if let Some(s) = found
                && best.is_none_or(|b| s.score > b.score)
            {
                best = Some(s);
            }
            if examined == self.mtry {
                break;
            }
        }
        best
    }

    /// Best split on feature `j`; `.1` is true when `j` is constant in the node.
    fn eval_feature(
        &mut self,
        v: View,
        j: usize,
        rows: &[u32],
        full: Option<&[u32]>,
    ) -> (Option<Best>, bool) {
        let d = self.data;
        let k = d.n_classes;
        let nb = d.n_bins(j);
        let m = rows.len() as u32;
        let min_leaf = self.params.min_samples_leaf as u32;
        let col = v.col(j);
        // Fill the scratch histogram (bins × classes) and bin totals.
        let hist: &[u32] = if let Some(full) = full {
            let base = d.offsets[j] * k;
            let h = &full[base..base + nb * k];
            for b in 0..nb {
                self.bin_n[b] = h[b * k..(b + 1) * k].iter().sum();
            }
            h
        } else if rows.len() < SMALL_NODE {
            return (self.eval_sorted(v, j, rows), self.pairs_constant());
        } else {
            self.hist[..nb * k].fill(0);
            self.bin_n[..nb].fill(0);
            for &r in rows {
                let r = r as usize;
                let c = col[r] as usize;
                self.hist[c * k + v.y[r] as usize] += 1;
                self.bin_n[c] += 1;
            }
            &self.hist[..nb * k]
        };
        let total = &self.counts;
        self.left.fill(0);
        let mut ln = 0u32;
        let mut best: Option<Best> = None;
        let mut seen_bins = 0;
        let mut last = 0usize;
        for b in 0..nb {
            let bn = self.bin_n[b];
            if bn == 0 {
                continue;
            }
            seen_bins += 1;
            if ln > 0 && ln >= min_leaf && m - ln >= min_leaf {
                let s = score(&self.left, total, ln, m);
                if best.is_none_or(|x| s > x.score) {
                    best = Some(Best {
                        feature: j,
                        code: last as u8,
                        next: b as u8,
                        score: s,
                    });
                }
            }
            for c in 0..k {
                self.left[c] += hist[b * k + c];
            }
            ln += bn;
            last = b;
        }
        (best, seen_bins <= 1)
    }

    /// Small nodes: sort (code, class) pairs and scan the same boundaries.
    fn eval_sorted(&mut self, v: View, j: usize, rows: &[u32]) -> Option<Best> {
        let col = v.col(j);
        self.pairs.clear();
        self.pairs
            .extend(rows.iter().map(|&r| (col[r as usize], v.y[r as usize])));
        self.pairs.sort_unstable();
        let m = rows.len() as u32;
        let min_leaf = self.params.min_samples_leaf as u32;
        self.left.fill(0);
        let mut ln = 0u32;
        let mut best: Option<Best> = None;
        let mut i = 0;
        while i < self.pairs.len() {
            let code = self.pairs[i].0;
            if ln > 0 && ln >= min_leaf && m - ln >= min_leaf {
                let s = score(&self.left, &self.counts, ln, m);
                if best.is_none_or(|x| s > x.score) {
                    best = Some(Best {
                        feature: j,
                        code: self.pairs[i - 1].0,
                        next: code,
                        score: s,
                    });
                }
            }
            while i < self.pairs.len() && self.pairs[i].0 == code {
                self.left[self.pairs[i].1 as usize] += 1;
                ln += 1;
                i += 1;
            }
        }
        best
    }

    fn pairs_constant(&self) -> bool {
        self.pairs.first().map(|p| p.0) == self.pairs.last().map(|p| p.0)
    }
}

/// Gini score of a split, higher is better: Σ l²/nl + Σ r²/nr (the node's
/// weighted Gini impurity is m − score).
#[inline]
fn score(left: &[u32], total: &[u32], ln: u32, m: u32) -> f64 {
    let rn = m - ln;
    let mut sl = 0u64;
    let mut sr = 0u64;
    for (&l, &t) in left.iter().zip(total) {
        let r = t - l;
        sl += l as u64 * l as u64;
        sr += r as u64 * r as u64;
    }
    sl as f64 / ln as f64 + sr as f64 / rn as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::{self, Control, Forest};
    use crate::ingest::{IngestOptions, read_csv};
    use crate::model::{TrainOptions, prepare};
    use crate::split::take_rows;

    fn noisy(n: usize, f: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::with_capacity(n * f);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let c = rng.below(k);
            for j in 0..f {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                // Feature 0 and 1 carry the class; the rest is noise, some of
                // it with few distinct values.
                x.push(match j {
                    0 => c as f64 + u * 1.5,
                    1 => (c * c) as f64 * 0.3 + u,
                    _ if j % 3 == 0 => (u * 4.0).floor(),
                    _ => u * 1e6,
                });
            }
            y.push(c as u32);
        }
        (x, y)
    }

    #[test]
    fn bins_split_raw_values_exactly_like_their_codes() {
        let (x, _) = noisy(3000, 5, 3, 1);
        let bins = Bins::fit(&x, 5);
        for (j, e) in bins.edges.iter().enumerate() {
            assert!(e.len() < MAX_BINS, "feature {j}: {} edges", e.len());
            assert!(e.windows(2).all(|w| w[0] < w[1]), "edges rise");
        }
        // Few distinct values: one bin each.
        assert_eq!(bins.edges[3].len(), 3);
        // Many distinct values: the full 256 bins, of similar size.
        assert_eq!(bins.edges[4].len(), MAX_BINS - 1);
        for r in 0..3000 {
            for j in 0..5 {
                let v = x[r * 5 + j];
                let c = bins.code(j, v) as usize;
                for (b, &edge) in bins.edges[j].iter().enumerate() {
                    assert_eq!(v <= edge, c <= b, "row {r} feature {j} edge {b}");
                }
            }
        }
        let mut per_bin = vec![0; MAX_BINS];
        for r in 0..3000 {
            per_bin[bins.code(4, x[r * 5 + 4]) as usize] += 1;
        }
        assert!(
            per_bin.iter().all(|&c| (5..=25).contains(&c)),
            "{per_bin:?}"
        );
    }

    #[test]
    fn subtraction_grows_the_same_trees_as_counting_per_feature() {
        let (x, y) = noisy(2000, 6, 4, 2);
        let data = Binned::new(&x, 6, &y, 4);
        for mtry in [2, 3, 6] {
            let params = ForestParams {
                mtry: Some(mtry),
                ..ForestParams::default()
            };
            for seed in 0..4 {
                let a = grow(&data, &params, HistMode::PerFeature, seed);
                let b = grow(&data, &params, HistMode::Subtract, seed);
                assert_eq!(a, b, "mtry {mtry} seed {seed}");
                assert!(a.nodes.len() > 50);
            }
        }
    }

    #[test]
    fn copying_subtrees_rows_grows_the_same_trees() {
        // 3,000 rows × (6 codes + 4) bytes = 30 KB: with a 4 KB limit every
        // subtree of 64 to 409 rows grows on its own copy.
        let (x, y) = noisy(3000, 6, 4, 5);
        let data = Binned::new(&x, 6, &y, 4);
        for (mtry, mode) in [(2, HistMode::PerFeature), (3, HistMode::Subtract)] {
            let params = ForestParams {
                mtry: Some(mtry),
                ..ForestParams::default()
            };
            for seed in 0..4 {
                let plain = grow_cached(&data, &params, mode, seed, usize::MAX);
                let copied = grow_cached(&data, &params, mode, seed, 4 << 10);
                assert_eq!(plain, copied, "mtry {mtry} seed {seed}");
                assert!(plain.nodes.len() > 100);
            }
        }
    }

    #[test]
    fn a_full_tree_fits_its_bootstrap_and_honours_min_leaf() {
        let (x, y) = noisy(1500, 4, 3, 3);
        let data = Binned::new(&x, 4, &y, 3);
        let forest = |params: &ForestParams| Forest {
            n_features: 4,
            n_classes: 3,
            trees: vec![grow(&data, params, HistMode::PerFeature, 5)],
        };
        let full = forest(&ForestParams::default());
        full.validate().unwrap();
        // Grown until leaves are pure or their rows share every bin: it fits
        // its training rows almost perfectly (out-of-bag rows included in x).
        let pred = full.predict_all(&x);
        let fit = pred.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64;
        assert!(fit > 0.8, "{fit}");
        let mixed = full.trees[0].dists.len();
        let leaves = full.trees[0].nodes.iter().filter(|n| n.yes == 0).count();
        assert!(mixed * 10 < leaves, "{mixed} mixed of {leaves} leaves");
        let leafy = forest(&ForestParams {
            min_samples_leaf: 20,
            ..ForestParams::default()
        });
        leafy.validate().unwrap();
        // Leaves of ≥ 20 of the 1,500 bootstrap rows: at most 75 of them.
        let leaves = |f: &Forest| f.trees[0].nodes.iter().filter(|n| n.yes == 0).count();
        assert!(leaves(&leafy) <= 75, "{}", leaves(&leafy));
        assert!(leaves(&leafy) * 3 < leaves(&full));
        // Mixed leaves keep their counts; probabilities still sum to 1.
        assert!(!leafy.trees[0].dists.is_empty());
        for r in x.chunks(4).take(100) {
            let p = leafy.predict_proba(r);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        let shallow = forest(&ForestParams {
            max_depth: Some(2),
            ..ForestParams::default()
        });
        assert!(shallow.trees[0].nodes.len() <= 7);
    }

    /// The bar: the histogram forest's hold-out accuracy on the public
    /// file's honest (time-ordered) split is at least smartcore's.
    #[test]
    fn at_least_as_accurate_as_smartcore_on_the_public_file() {
        let t = read_csv(
            include_bytes!("../../../data/snmp-mib/all_data.csv"),
            &IngestOptions::labelled("all_data.csv"),
        )
        .unwrap();
        let p = prepare(
            &t,
            &TrainOptions {
                counters_interval: Some(15.0),
                ..TrainOptions::default()
            },
        )
        .unwrap();
        let f = p.n_features();
        let k = p.classes.len();
        let mut totals = [0.0f64; 2];
        for split in [p.time_ordered_split(0.3), p.random_split(0.3, 7)] {
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
                forest::train(&xtr, f, &ytr, k, &params, &mut |_, _| Control::Continue).unwrap();
            let smart =
                forest::train_smartcore(&xtr, f, &ytr, k, &params, &mut |_, _| Control::Continue)
                    .unwrap();
            let (a, b) = (acc(&ours), acc(&smart));
            eprintln!("hist {a:.4} smartcore {b:.4}");
            totals[0] += a;
            totals[1] += b;
        }
        assert!(totals[0] >= totals[1], "{totals:?}");
    }
}
