//! The forest's tree learner: histogram-binned CART with Gini splits.
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
//! A tree's bootstrap sample keeps each drawn row once, with the number of
//! times it was drawn as its weight (about 37% of draws repeat a row), packed
//! with the row's class into a u32 (`entries`): every histogram, class
//! count and node size is a sum of weights, so it equals the count over the
//! draws one by one, and duplicates always go the same way, so the trees are
//! the same as with one entry per draw (tested against a copy of that
//! learner), on about a third fewer entries. Choices that only pick a way of
//! counting (sort or histogram, copy or not) look at the entries.
//!
//! Trees grow depth first. On training data larger than a core's cache, a
//! node's rows lie scattered over it once the tree is a few levels deep, and
//! every row and candidate feature costs a cache miss; so a subtree whose rows
//! fit in the cache ([`CACHED_DATA`]) grows on a packed copy of them: the same
//! splits (tested), about 0.7× the time at 500,000 rows × 34 features.
//!
//! Rooms: [`bins`] (bin edges, coded rows), `entries` (a bootstrap
//! sample's rows, weights and classes), `grower` (one tree, node by node),
//! `split_search` (a node's best split).

pub mod bins;
mod entries;
mod grower;
mod split_search;

#[cfg(test)]
mod reference;

pub use bins::{Binned, Bins, MAX_BINS};

use crate::params::ForestParams;
use crate::tree::Tree;

/// Below this many entries (distinct rows) a node sorts its (code, weight,
/// class) triples instead of filling a 256-bin histogram.
const SMALL_NODE: usize = 64;

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
    grower::Grower::new(data, params, mode, seed, cached).grow_tree()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::Forest;
    use crate::testdata::noisy;

    /// Trees from [`grow_cached`] and from the reference copy of the learner
    /// (one entry per bootstrap draw) over many settings: they must be equal.
    fn assert_same_as_reference(data: &Binned, what: &str, seeds: u64) -> usize {
        let nf = data.n_features;
        let mut nodes = 0;
        let settings = [
            (1, 2, None),
            (2, 5, None),
            (1, 1, Some(3)),
            (3, 10, Some(6)),
            (1, 2, Some(40)),
            (7, 20, None),
        ];
        for mtry in [1, 2, nf / 2, nf] {
            for mode in [HistMode::PerFeature, HistMode::Subtract] {
                for (leaf, split, depth) in settings {
                    for cached in [usize::MAX, 4 << 10, 1 << 20] {
                        let params = ForestParams {
                            mtry: Some(mtry.max(1)),
                            min_samples_leaf: leaf,
                            min_samples_split: split,
                            max_depth: depth,
                            ..ForestParams::default()
                        };
                        for seed in 0..seeds {
                            let new = grow_cached(data, &params, mode, seed, cached);
                            let old = reference::grow_cached(data, &params, mode, seed, cached);
                            assert_eq!(
                                new, old,
                                "{what}: mtry {mtry} {mode:?} leaf {leaf} split {split} \
                                 depth {depth:?} cached {cached} seed {seed}"
                            );
                            nodes += new.nodes.len();
                            if cached != 1 << 20 {
                                let mut g = grower::Grower::new(data, &params, mode, seed, cached);
                                g.entries = entries::Entries::without_classes(data.n_rows);
                                assert_eq!(
                                    g.grow_tree(),
                                    old,
                                    "classes unpacked: {what} seed {seed}"
                                );
                            }
                        }
                    }
                }
            }
        }
        nodes
    }

    #[test]
    fn weighted_rows_grow_the_same_trees_as_one_entry_per_draw() {
        // Mixed features: informative, few values (many ties), near-unique.
        let (x, y) = noisy(3000, 6, 4, 11);
        let data = Binned::new(&x, 6, &y, 4);
        assert!(assert_same_as_reference(&data, "noisy 3000", 3) > 10_000);
        // Many identical rows: 40 distinct rows repeated, classes partly
        // contradicting, so leaves are mixed and splits run out.
        let (x0, y0) = noisy(40, 5, 3, 12);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..2000 {
            let r = (i * 7) % 40;
            x.extend_from_slice(&x0[r * 5..(r + 1) * 5]);
            y.push(if i % 9 == 0 { (y0[r] + 1) % 3 } else { y0[r] });
        }
        let data = Binned::new(&x, 5, &y, 3);
        assert!(assert_same_as_reference(&data, "repeated rows", 3) > 1_000);
        // Tiny sets: below the small-node size from the root, and one row.
        for n in [1, 2, 30, 63, 64, 65, 200] {
            let (x, y) = noisy(n, 4, 2, n as u64);
            let data = Binned::new(&x, 4, &y, 2);
            assert_same_as_reference(&data, &format!("{n} rows"), 4);
        }
        // Many classes.
        let (x, y) = noisy(1500, 4, 20, 13);
        let data = Binned::new(&x, 4, &y, 20);
        assert_same_as_reference(&data, "20 classes", 2);
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
        let leaves = full.trees[0].nodes.iter().filter(|n| n.is_leaf()).count();
        assert!(mixed * 10 < leaves, "{mixed} mixed of {leaves} leaves");
        let leafy = forest(&ForestParams {
            min_samples_leaf: 20,
            ..ForestParams::default()
        });
        leafy.validate().unwrap();
        // Leaves of ≥ 20 of the 1,500 bootstrap rows: at most 75 of them.
        let leaves = |f: &Forest| f.trees[0].nodes.iter().filter(|n| n.is_leaf()).count();
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
}
