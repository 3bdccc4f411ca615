//! Test-only reference: a verbatim copy of the tree learner as it was before
//! bootstrap rows carried weights (commit 9b47049, `grower.rs` and
//! `split_search.rs`), one entry per draw of a row. Tests grow trees with both
//! and require them equal.

mod grower;
mod split_search;

use super::bins;
use super::{HistMode, MAX_BINS, SMALL_NODE};
use crate::params::ForestParams;
use crate::tree::Tree;

/// The old `grow_cached`: one tree on a bootstrap sample drawn with `seed`.
pub(super) fn grow_cached(
    data: &bins::Binned,
    params: &ForestParams,
    mode: HistMode,
    seed: u64,
    cached: usize,
) -> Tree {
    grower::Grower::new(data, params, mode, seed, cached).grow_tree()
}

/// The old `View::copy_rows` (one entry per draw).
fn copy_rows(v: bins::View, rows: &[u32]) -> (Vec<u8>, Vec<u32>) {
    let m = rows.len();
    let mut codes = vec![0u8; m * (v.codes.len() / v.n)];
    for (j, local) in codes.chunks_exact_mut(m).enumerate() {
        let col = v.col(j);
        for (c, &r) in local.iter_mut().zip(rows) {
            *c = col[r as usize];
        }
    }
    let y = rows.iter().map(|&r| v.y[r as usize]).collect();
    (codes, y)
}
