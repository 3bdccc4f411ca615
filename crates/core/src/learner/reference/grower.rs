//! Growing one tree: nodes depth first, left before right (the order fixes
//! which random draws each node gets), each node either a leaf or split by
//! its best Gini split, its rows partitioned stably between the children.

use super::bins::{Binned, View};
use super::split_search::Best;
use super::{HistMode, MAX_BINS, SMALL_NODE};
use crate::params::ForestParams;
use crate::split::Rng;
use crate::stats::argmax;
use crate::tree::{Node, Tree};

/// A node waiting to be grown: rows `idx[start..end]`.
struct Task {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    /// Every feature's class counts (Subtract mode, large nodes only).
    hist: Option<Vec<u32>>,
}

/// The tree being grown: its nodes and the class counts of its mixed leaves.
struct Growing {
    nodes: Vec<Node>,
    dists: Vec<Box<[u32]>>,
}

/// One tree's growing state and scratch space.
pub(super) struct Grower<'d, 'y> {
    pub data: &'d Binned<'y>,
    pub params: &'d ForestParams,
    pub mtry: usize,
    mode: HistMode,
    /// Bytes of rows above which a subtree grows on a packed copy of its
    /// rows (see [`super::CACHED_DATA`]).
    cached: usize,
    pub rng: Rng,
    /// Scratch: one feature's histogram (bins × classes) and bin totals.
    pub hist: Vec<u32>,
    pub bin_n: Vec<u32>,
    pub pairs: Vec<(u8, u32)>,
    pub features: Vec<usize>,
    pub left: Vec<u32>,
    /// Class counts of the node being grown.
    pub counts: Vec<u32>,
    buf: Vec<u32>,
}

impl<'d, 'y> Grower<'d, 'y> {
    pub fn new(
        data: &'d Binned<'y>,
        params: &'d ForestParams,
        mode: HistMode,
        seed: u64,
        cached: usize,
    ) -> Self {
        let k = data.n_classes;
        Grower {
            data,
            params,
            mtry: crate::params::mtry(params, data.n_features),
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
        }
    }

    /// Draw the bootstrap sample and grow the tree on it.
    pub fn grow_tree(mut self) -> Tree {
        let n = self.data.n_rows;
        let mut idx: Vec<u32> = (0..n).map(|_| self.rng.below(n) as u32).collect();
        idx.sort_unstable();
        let view = self.data.view();
        let root_hist = (self.mode == HistMode::Subtract && idx.len() >= SMALL_NODE)
            .then(|| self.full_hist(view, &idx));
        let root = Task {
            node: 0,
            start: 0,
            end: idx.len(),
            depth: 0,
            hist: root_hist,
        };
        let mut out = Growing {
            nodes: vec![Node::leaf(0)],
            dists: Vec::new(),
        };
        self.grow_from(view, &mut idx, root, &mut out);
        Tree {
            nodes: out.nodes,
            dists: out.dists,
        }
        .with_dists_in_node_order()
    }

    /// Grow the subtree of `first`, depth first. On data too large for the
    /// cache, a node small enough gets a packed copy of its rows and its
    /// subtree grows on that: the same splits, without a cache miss for
    /// every row and feature at each level below.
    fn grow_from(&mut self, v: View, idx: &mut [u32], first: Task, out: &mut Growing) {
        let row_bytes = self.data.n_features + 4;
        let gather = v.n * row_bytes > self.cached;
        let mut stack = vec![first];
        while let Some(task) = stack.pop() {
            let m = task.end - task.start;
            if gather && m >= SMALL_NODE && m * row_bytes <= self.cached {
                self.grow_on_copy(v, &idx[task.start..task.end], task, out);
                continue;
            }
            let Some(best) = self.split_of(v, &idx[task.start..task.end], &task, out) else {
                continue;
            };
            let mid = self.partition(v, idx, &task, best);
            let (yes, no) = (out.nodes.len(), out.nodes.len() + 1);
            out.nodes.push(Node::leaf(0));
            out.nodes.push(Node::leaf(0));
            // Any edge from the left side's highest code to below the right
            // side's lowest splits the rows alike: take the middle one, like
            // scikit-learn's midpoint threshold.
            let edge = (best.code as usize + best.next as usize - 1) / 2;
            out.nodes[task.node] = Node::Split {
                feature: best.feature as u32,
                threshold: self.data.bins.edges[best.feature][edge],
                yes: yes as u32,
                no: no as u32,
            };
            let (lh, rh) = self.child_hists(v, task.hist, idx, task.start, mid, task.end);
            stack.push(Task {
                node: no,
                start: mid,
                end: task.end,
                depth: task.depth + 1,
                hist: rh,
            });
            stack.push(Task {
                node: yes,
                start: task.start,
                end: mid,
                depth: task.depth + 1,
                hist: lh,
            });
        }
    }

    /// Grow `task`'s subtree on a packed copy of its `rows`.
    fn grow_on_copy(&mut self, v: View, rows: &[u32], task: Task, out: &mut Growing) {
        let m = rows.len();
        let (codes, y) = super::copy_rows(v, rows);
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
        self.grow_from(local, &mut local_idx, task, out);
    }

    /// The node's best split, or `None` after making it a leaf: when its rows
    /// are of one class, it is as deep or small as allowed, or no split helps.
    fn split_of(&mut self, v: View, rows: &[u32], task: &Task, out: &mut Growing) -> Option<Best> {
        self.counts.fill(0);
        for &r in rows {
            self.counts[v.y[r as usize] as usize] += 1;
        }
        let nonzero = self.counts.iter().filter(|&&c| c > 0).count();
        let p = self.params;
        let can_split = nonzero > 1
            && p.max_depth.is_none_or(|d| task.depth < d as usize)
            && rows.len() >= p.min_samples_split
            && rows.len() >= 2 * p.min_samples_leaf;
        let best = if can_split {
            self.best_split(v, rows, task.hist.as_deref())
        } else {
            None
        };
        if best.is_none() {
            out.nodes[task.node] = self.leaf(nonzero, &mut out.dists);
        }
        best
    }

    /// Stable partition of the task's rows by `best`: left rows keep their
    /// order, then right rows. Returns where the right rows start.
    fn partition(&mut self, v: View, idx: &mut [u32], task: &Task, best: Best) -> usize {
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
        w
    }

    /// A leaf for the class counts in `self.counts`.
    fn leaf(&mut self, nonzero: usize, dists: &mut Vec<Box<[u32]>>) -> Node {
        let class = argmax(&self.counts) as u32;
        if nonzero <= 1 {
            Node::leaf(class)
        } else {
            dists.push(self.counts.clone().into_boxed_slice());
            Node::Mixed {
                class,
                dist: dists.len() as u32 - 1,
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
}
