//! One decision tree as a flat node array: what the learner grows, the model
//! file stores and validates, and one-row prediction walks.
//!
//! Children always come after their parent, so a validated tree cannot loop
//! and every walk ends at a leaf. A leaf is pure (one class) or mixed: a mixed
//! leaf keeps its class counts in [`Tree::dists`], and the tree's probability
//! for a row is the distribution of the leaf it lands in.

use serde::{Deserialize, Serialize};

use crate::stats::argmax;

/// One node of a flat tree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// Rows with `row[feature] <= threshold` go to node `yes`, the others
    /// (NaN included) to node `no`.
    Split {
        feature: u32,
        threshold: f64,
        yes: u32,
        no: u32,
    },
    /// A leaf whose training rows were all of `class`.
    Pure { class: u32 },
    /// A leaf with rows of several classes: their counts are
    /// `Tree::dists[dist]`, and `class` is the most common one.
    Mixed { class: u32, dist: u32 },
}

impl Node {
    /// A pure leaf voting for `class`.
    pub fn leaf(class: u32) -> Node {
        Node::Pure { class }
    }

    pub fn is_leaf(&self) -> bool {
        !matches!(self, Node::Split { .. })
    }

    /// The class a leaf predicts (0 for a split).
    pub fn class(&self) -> u32 {
        match *self {
            Node::Pure { class } | Node::Mixed { class, .. } => class,
            Node::Split { .. } => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<StoredNode>", into = "Vec<StoredNode>")]
pub struct Tree {
    pub nodes: Vec<Node>,
    /// Class counts of the mixed leaves, in node order.
    pub dists: Vec<Box<[u32]>>,
}

/// Compact stored form of a node: a pure leaf keeps only its class, a mixed
/// leaf its class counts. (Model files of format 1 have no `Mixed` nodes and
/// decode unchanged.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum StoredNode {
    Leaf(u32),
    Split(u32, f64, u32, u32),
    Mixed(Vec<u32>),
}

impl From<Vec<StoredNode>> for Tree {
    fn from(v: Vec<StoredNode>) -> Self {
        let mut dists = Vec::new();
        let nodes = v
            .into_iter()
            .map(|n| match n {
                StoredNode::Leaf(class) => Node::Pure { class },
                StoredNode::Split(feature, threshold, yes, no) => Node::Split {
                    feature,
                    threshold,
                    yes,
                    no,
                },
                StoredNode::Mixed(counts) => {
                    let class = argmax(&counts) as u32;
                    dists.push(counts.into_boxed_slice());
                    Node::Mixed {
                        class,
                        dist: dists.len() as u32 - 1,
                    }
                }
            })
            .collect();
        Tree { nodes, dists }
    }
}

impl From<Tree> for Vec<StoredNode> {
    fn from(t: Tree) -> Self {
        t.nodes
            .into_iter()
            .map(|n| match n {
                Node::Split {
                    feature,
                    threshold,
                    yes,
                    no,
                } => StoredNode::Split(feature, threshold, yes, no),
                Node::Pure { class } => StoredNode::Leaf(class),
                Node::Mixed { dist, .. } => StoredNode::Mixed(t.dists[dist as usize].to_vec()),
            })
            .collect()
    }
}

impl Tree {
    /// A tree of pure leaves only.
    pub fn new(nodes: Vec<Node>) -> Tree {
        Tree {
            nodes,
            dists: Vec::new(),
        }
    }

    /// Renumber the class counts in node order (the order a decoded tree
    /// has), so that equal trees compare equal however they were grown.
    pub fn with_dists_in_node_order(mut self) -> Tree {
        let mut dists = Vec::with_capacity(self.dists.len());
        for n in &mut self.nodes {
            if let Node::Mixed { dist, .. } = n {
                dists.push(std::mem::take(&mut self.dists[*dist as usize]));
                *dist = dists.len() as u32 - 1;
            }
        }
        self.dists = dists;
        self
    }

    /// The leaf `row` lands in. Requires a validated tree.
    #[inline]
    pub fn leaf(&self, row: &[f64]) -> &Node {
        let mut i = 0;
        loop {
            let n = &self.nodes[i];
            match *n {
                Node::Split {
                    feature,
                    threshold,
                    yes,
                    no,
                } => {
                    i = if row[feature as usize] <= threshold {
                        yes as usize
                    } else {
                        no as usize
                    };
                }
                _ => return n,
            }
        }
    }

    /// Most likely class at the leaf `row` lands in.
    #[inline]
    pub fn predict(&self, row: &[f64]) -> u32 {
        self.leaf(row).class()
    }

    /// Add the class distribution of `leaf` (a leaf of this tree) to `acc`.
    #[inline]
    pub fn add_leaf(&self, leaf: &Node, acc: &mut [f64]) {
        match *leaf {
            Node::Pure { class } => acc[class as usize] += 1.0,
            Node::Mixed { dist, .. } => {
                let d = &self.dists[dist as usize];
                let total: u32 = d.iter().sum();
                for (a, &c) in acc.iter_mut().zip(d.iter()) {
                    *a += c as f64 / total as f64;
                }
            }
            Node::Split { .. } => {}
        }
    }

    /// Add this tree's class distribution for `row` to `acc`.
    #[inline]
    pub fn add_proba(&self, row: &[f64], acc: &mut [f64]) {
        self.add_leaf(self.leaf(row), acc);
    }

    /// Structural check: children point forward (so every walk ends), indices
    /// and classes are in range, class counts are well formed.
    pub fn validate(&self, n_features: usize, n_classes: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("a tree has no nodes".into());
        }
        let len = self.nodes.len();
        for (i, n) in self.nodes.iter().enumerate() {
            match *n {
                Node::Split {
                    feature, yes, no, ..
                } => {
                    let (y, no) = (yes as usize, no as usize);
                    if y <= i || no <= i || y >= len || no >= len {
                        return Err(format!("node {i} has children out of order or range"));
                    }
                    if feature as usize >= n_features {
                        return Err(format!(
                            "node {i} splits on feature {feature} of {n_features}"
                        ));
                    }
                }
                Node::Pure { class } | Node::Mixed { class, .. } if class as usize >= n_classes => {
                    return Err(format!("leaf {i} names class {class} of {n_classes}"));
                }
                Node::Pure { .. } => {}
                Node::Mixed { dist, .. } => {
                    let d = self
                        .dists
                        .get(dist as usize)
                        .ok_or_else(|| format!("leaf {i} has no class counts"))?;
                    if d.len() != n_classes || d.iter().all(|&c| c == 0) {
                        return Err(format!("leaf {i} has malformed class counts"));
                    }
                    if d.iter().map(|&c| c as u64).sum::<u64>() > u32::MAX as u64 {
                        return Err(format!("leaf {i} has too many rows"));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(feature: u32, threshold: f64, yes: u32, no: u32) -> Node {
        Node::Split {
            feature,
            threshold,
            yes,
            no,
        }
    }

    #[test]
    fn walks_stores_and_renumbers() {
        // Grown order: the mixed leaf at node 3 got its counts before node 2's.
        let t = Tree {
            nodes: vec![
                split(0, 1.0, 1, 2),
                split(1, 5.0, 3, 4),
                Node::Mixed { class: 1, dist: 1 },
                Node::Mixed { class: 0, dist: 0 },
                Node::leaf(2),
            ],
            dists: vec![vec![3, 1, 0].into(), vec![0, 4, 1].into()],
        };
        t.validate(2, 3).unwrap();
        assert_eq!(t.predict(&[0.0, 9.0]), 2);
        assert_eq!(t.predict(&[0.0, 1.0]), 0);
        assert_eq!(t.predict(&[f64::NAN, 1.0]), 1, "NaN goes to `no`");
        let mut p = vec![0.0; 3];
        t.add_proba(&[0.0, 1.0], &mut p);
        assert_eq!(p, vec![0.75, 0.25, 0.0]);
        let canon = t.clone().with_dists_in_node_order();
        assert_eq!(canon.dists[0].as_ref(), &[0, 4, 1]);
        assert_eq!(canon.nodes[3], Node::Mixed { class: 0, dist: 1 });
        // The stored form decodes to the tree with its counts in node order.
        let stored: Vec<StoredNode> = t.clone().into();
        assert_eq!(Tree::from(stored), canon);
        for i in 0..5 {
            let row = [i as f64 * 0.6, i as f64 * 3.0];
            assert_eq!(t.predict(&row), canon.predict(&row));
        }
    }

    #[test]
    fn validation_names_the_broken_node() {
        let good = Tree::new(vec![split(0, 1.0, 1, 2), Node::leaf(0), Node::leaf(1)]);
        good.validate(1, 2).unwrap();
        let broken = |nodes: Vec<Node>, dists: Vec<Box<[u32]>>| {
            Tree { nodes, dists }.validate(1, 2).unwrap_err()
        };
        assert_eq!(
            broken(
                vec![split(0, 1.0, 0, 2), Node::leaf(0), Node::leaf(1)],
                vec![]
            ),
            "node 0 has children out of order or range"
        );
        assert_eq!(
            broken(
                vec![split(3, 1.0, 1, 2), Node::leaf(0), Node::leaf(1)],
                vec![]
            ),
            "node 0 splits on feature 3 of 1"
        );
        assert_eq!(
            broken(vec![Node::leaf(2)], vec![]),
            "leaf 0 names class 2 of 2"
        );
        assert_eq!(
            broken(vec![Node::Mixed { class: 0, dist: 0 }], vec![]),
            "leaf 0 has no class counts"
        );
        assert_eq!(
            broken(
                vec![Node::Mixed { class: 0, dist: 0 }],
                vec![vec![0, 0].into()]
            ),
            "leaf 0 has malformed class counts"
        );
        assert!(Tree::new(vec![]).validate(1, 2).is_err());
    }
}
