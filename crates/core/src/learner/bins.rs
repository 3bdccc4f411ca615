//! Binning: each feature cut once into at most [`MAX_BINS`] bins of similar
//! row counts (u8 codes, stored column by column), and the views of coded
//! rows a tree grows on.
//!
//! Thresholds are bin edges: midpoints between neighbouring values of the
//! binning sample, so `value <= threshold` on raw values sends a training row
//! exactly where its code went during training.

/// Most bins per feature (codes fit in a u8).
pub const MAX_BINS: usize = 256;
/// Rows used to place the bin edges (a stride sample beyond this).
const BIN_SAMPLE: usize = 200_000;

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
    pub(super) offsets: Vec<usize>,
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

    pub(super) fn n_bins(&self, j: usize) -> usize {
        self.offsets[j + 1] - self.offsets[j]
    }

    pub(super) fn view(&self) -> View<'_> {
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
pub(super) struct View<'v> {
    pub(super) codes: &'v [u8],
    pub(super) y: &'v [u32],
    pub(super) n: usize,
}

impl View<'_> {
    #[inline]
    pub(super) fn col(&self, j: usize) -> &[u8] {
        &self.codes[j * self.n..(j + 1) * self.n]
    }

    /// Codes (column by column) and classes of the `m` `rows`, packed: the
    /// data of a view whose row `i` is the `i`th of `rows` here.
    pub(super) fn copy_rows(
        &self,
        rows: impl Iterator<Item = usize> + Clone,
        m: usize,
    ) -> (Vec<u8>, Vec<u32>) {
        let mut codes = vec![0u8; m * (self.codes.len() / self.n)];
        for (j, local) in codes.chunks_exact_mut(m).enumerate() {
            let col = self.col(j);
            for (c, r) in local.iter_mut().zip(rows.clone()) {
                *c = col[r];
            }
        }
        let y = rows.map(|r| self.y[r]).collect();
        (codes, y)
    }
}
