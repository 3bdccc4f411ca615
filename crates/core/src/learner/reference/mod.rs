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
