//! Finding a node's best split: draw candidate features until `mtry`
//! non-constant ones are examined, and for each scan the bin boundaries of a
//! class-count histogram (or, in small nodes, of sorted (code, class) pairs)
//! for the best Gini score.

use super::SMALL_NODE;
use super::bins::View;
use super::grower::Grower;

/// The best split found in a node.
#[derive(Debug, Clone, Copy)]
pub(super) struct Best {
    pub feature: usize,
    /// Codes `<= code` go left.
    pub code: u8,
    /// The lowest code on the right.
    pub next: u8,
    pub score: f64,
}

impl Grower<'_, '_> {
    /// Draw candidate features until `mtry` non-constant ones are examined;
    /// return the best Gini split among them. `full`: every feature's class
    /// counts over the node's rows, when the node keeps them.
    pub(super) fn best_split(
        &mut self,
        v: View,
        rows: &[u32],
        full: Option<&[u32]>,
    ) -> Option<Best> {
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
        let m = rows.len() as u32;
        let min_leaf = self.params.min_samples_leaf as u32;
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
                let s = gini_score(&self.left, total, ln, m);
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
                let s = gini_score(&self.left, &self.counts, ln, m);
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
fn gini_score(left: &[u32], total: &[u32], ln: u32, m: u32) -> f64 {
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
