//! Bootstrap entries: each distinct row of a tree's bootstrap sample once,
//! with the number of times it was drawn as its weight, packed in a u32 with
//! its class when they fit (so counting a node's classes reads no class
//! column).
//!
//! Layout, low bits first: the row, the class (when packed), the weight. A
//! row drawn more often than the weight bits hold gets several entries; every
//! count is a sum of weights, so the sums stay the same.

/// How entries pack a row, its class and its weight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entries {
    /// Low bits holding the row.
    row_mask: u32,
    /// Where the class starts (the row's bit count), and its mask (0 when
    /// classes are not packed).
    class_shift: u32,
    class_mask: u32,
    /// Where the weight starts.
    weight_shift: u32,
}

/// Bits for values `0..n`.
fn bits_for(n: usize) -> u32 {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).min(31)
}

impl Entries {
    /// Weights above this are split over several entries of the same row.
    /// Kept below 2²⁴ for the small-node sort's packing.
    const MAX_WEIGHT: u32 = (1 << 24) - 1;
    /// Classes are packed when at least this many bits stay for the weight
    /// (bootstrap counts above 7 are rare: Poisson(1)).
    const MIN_WEIGHT_BITS: u32 = 3;

    /// The packing for rows `0..n` of `n_classes` classes (rows are fewer
    /// than 2³¹: the row limit is far below).
    pub fn for_data(n: usize, n_classes: usize) -> Entries {
        let packs = bits_for(n) + bits_for(n_classes) + Self::MIN_WEIGHT_BITS <= 32;
        Self::layout(n, n_classes, packs)
    }

    /// Entries that leave classes in the class column (tests: the packing
    /// for rows too many to pack their classes).
    #[cfg(test)]
    pub fn without_classes(n: usize) -> Entries {
        Self::layout(n, 1, false)
    }

    fn layout(n: usize, n_classes: usize, packs: bool) -> Entries {
        let row_bits = bits_for(n);
        let class_bits = if packs { bits_for(n_classes) } else { 0 };
        Entries {
            row_mask: (1u32 << row_bits).wrapping_sub(1),
            class_shift: row_bits,
            class_mask: (1u32 << class_bits).wrapping_sub(1),
            weight_shift: row_bits + class_bits,
        }
    }

    fn max_weight(self) -> u32 {
        (u32::MAX >> self.weight_shift).min(Self::MAX_WEIGHT)
    }

    /// The row of entry `e`.
    #[inline(always)]
    pub fn row(self, e: u32) -> usize {
        (e & self.row_mask) as usize
    }

    /// The weight of entry `e`.
    #[inline(always)]
    pub fn weight(self, e: u32) -> u32 {
        e >> self.weight_shift
    }

    /// The class of entry `e`, from the entry or from the rows' classes `y`.
    #[inline(always)]
    pub fn class(self, e: u32, y: &[u32]) -> usize {
        if self.class_mask != 0 {
            ((e >> self.class_shift) & self.class_mask) as usize
        } else {
            y[self.row(e)] as usize
        }
    }

    /// Entry `e` for row `row` of a copy of the rows (class and weight kept).
    #[inline]
    pub fn with_row(self, e: u32, row: usize) -> u32 {
        (e & !self.row_mask) | row as u32
    }

    /// Sorted draws (a row as often as drawn) as entries, in row order; `y`
    /// the rows' classes.
    pub fn of_draws(self, draws: &[u32], y: &[u32]) -> Vec<u32> {
        let max = self.max_weight();
        let mut out = Vec::with_capacity(draws.len());
        let mut i = 0;
        while i < draws.len() {
            let r = draws[i];
            let mut j = i + 1;
            while j < draws.len() && draws[j] == r {
                j += 1;
            }
            let class = if self.class_mask != 0 {
                y[r as usize] << self.class_shift
            } else {
                0
            };
            let mut times = (j - i) as u32;
            while times > 0 {
                let w = times.min(max);
                out.push(r | class | (w << self.weight_shift));
                times -= w;
            }
            i = j;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_row_class_and_weight_and_split_heavy_rows() {
        let y = [0, 3, 1, 2, 3];
        // 5 rows (3 bits), 4 classes (2 bits): 27 bits for the weight.
        let e = Entries::for_data(5, 4);
        let out = e.of_draws(&[0, 0, 2, 4, 4, 4], &y);
        let got: Vec<_> = out
            .iter()
            .map(|&x| (e.row(x), e.class(x, &y), e.weight(x)))
            .collect();
        assert_eq!(got, [(0, 0, 2), (2, 1, 1), (4, 3, 3)]);
        assert_eq!(e.row(e.with_row(out[2], 1)), 1);
        assert_eq!(e.class(e.with_row(out[2], 1), &[9, 9]), 3);
        assert_eq!(e.weight(e.with_row(out[2], 1)), 3);
        // 2³⁰ rows and 4 classes leave no room for classes: read from y;
        // weights up to 3 an entry, more split into several entries.
        let e = Entries::for_data(1 << 30, 4);
        let draws = vec![4u32; 8];
        let out = e.of_draws(&draws, &y);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|&x| e.row(x) == 4 && e.class(x, &y) == 3));
        assert_eq!(out.iter().map(|&x| e.weight(x)).sum::<u32>(), 8);
    }
}
