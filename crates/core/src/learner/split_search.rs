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
            let e = self.entries;
            for &x in rows {
                let (r, w) = (e.row(x), e.weight(x));
                let c = col[r] as usize;
                self.hist[c * k + e.class(x, v.y)] += w;
                self.bin_n[c] += w;
            }
            &self.hist[..nb * k]
        };
        let m = self.node_n;
        let min_leaf = self.params.min_samples_leaf as u32;
        let total = &self.counts;
        self.left.fill(0);
        let (mut sl, mut sr) = (0u64, squares(total));
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
                let s = gini_score(sl, sr, ln, m);
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
                add_left(
                    &mut self.left[c],
                    total[c],
                    hist[b * k + c],
                    &mut sl,
                    &mut sr,
                );
            }
            ln += bn;
            last = b;
        }
        (best, seen_bins <= 1)
    }

    /// Small nodes: sort (code, weight, class) triples packed in a u64 and
    /// scan the same boundaries.
    fn eval_sorted(&mut self, v: View, j: usize, rows: &[u32]) -> Option<Best> {
        let col = v.col(j);
        let e = self.entries;
        self.pairs.clear();
        self.pairs.extend(rows.iter().map(|&x| {
            let r = e.row(x);
            (col[r] as u64) << 56 | (e.weight(x) as u64) << 32 | e.class(x, v.y) as u64
        }));
        self.pairs.sort_unstable();
        let m = self.node_n;
        let min_leaf = self.params.min_samples_leaf as u32;
        self.left.fill(0);
        let (mut sl, mut sr) = (0u64, squares(&self.counts));
        let mut ln = 0u32;
        let mut best: Option<Best> = None;
        let mut i = 0;
        while i < self.pairs.len() {
            let code = pair_code(self.pairs[i]);
            if ln > 0 && ln >= min_leaf && m - ln >= min_leaf {
                let s = gini_score(sl, sr, ln, m);
                if best.is_none_or(|x| s > x.score) {
                    best = Some(Best {
                        feature: j,
                        code: pair_code(self.pairs[i - 1]),
                        next: code,
                        score: s,
                    });
                }
            }
            while i < self.pairs.len() && pair_code(self.pairs[i]) == code {
                let p = self.pairs[i];
                let w = (p >> 32) as u32 & 0xFF_FFFF;
                let c = p as u32 as usize;
                add_left(&mut self.left[c], self.counts[c], w, &mut sl, &mut sr);
                ln += w;
                i += 1;
            }
        }
        best
    }

    fn pairs_constant(&self) -> bool {
        self.pairs.first().map(|&p| pair_code(p)) == self.pairs.last().map(|&p| pair_code(p))
    }
}

/// The code of a packed small-node triple.
#[inline]
fn pair_code(p: u64) -> u8 {
    (p >> 56) as u8
}

/// Gini score of a split, higher is better: Σ l²/nl + Σ r²/nr (the node's
/// weighted Gini impurity is m − score), from `sl` = Σ l² and `sr` = Σ r²
/// over the classes (exact integers, kept up to date by [`add_left`]).
#[inline]
fn gini_score(sl: u64, sr: u64, ln: u32, m: u32) -> f64 {
    let rn = m - ln;
    sl as f64 / ln as f64 + sr as f64 / rn as f64
}

/// Σ t² over the node's class counts: `sr` before any row goes left.
fn squares(total: &[u32]) -> u64 {
    total.iter().map(|&t| t as u64 * t as u64).sum()
}

/// Move `h` rows of a class with `t` rows in the node to the left side,
/// whose count of it is `l`, updating Σ l² and Σ r² (r = t − l) exactly:
/// (l + h)² = l² + h(2l + h), (r − h)² = r² − h(2r − h).
#[inline]
fn add_left(l: &mut u32, t: u32, h: u32, sl: &mut u64, sr: &mut u64) {
    let (h64, l64) = (h as u64, *l as u64);
    let r64 = (t - *l) as u64;
    *sl += h64 * (2 * l64 + h64);
    *sr -= h64 * (2 * r64 - h64);
    *l += h;
}
