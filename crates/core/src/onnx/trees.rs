//! ONNX node lists → [`EnsembleTree`]s, with ONNX Runtime's reading of them.
//!
//! `TreeEnsembleClassifier` (opsets 1/3) lists nodes as parallel attribute
//! arrays keyed by (tree id, node id). ONNX Runtime
//! (`TreeEnsembleCommon::Init`/`AddNodes`) takes a tree's first listed node
//! as its root, walks false branches before true ones and refuses a tree
//! whose false child was already placed, a node it cannot reach, a node id
//! listed twice, or a child id outside `[0, number of nodes)`; weights on a
//! branch node are ignored. `TreeEnsemble` (opset 5) lists interior nodes and
//! leaves apart, with explicit roots; ONNX Runtime unrolls it into the older
//! form. Here every tree becomes a node array in topological order (children
//! after parents), so that evaluation always ends; shared subtrees are kept
//! shared, cycles are refused.

use std::collections::HashMap;

use super::OnnxError;
use super::ensemble::{EnsembleNode, EnsembleTree, Mode};
use crate::limits;

fn invalid(msg: String) -> OnnxError {
    OnnxError::Invalid(msg)
}

/// A split as the file gives it, before the layout.
#[derive(Debug, Clone, Copy)]
pub struct RawSplit {
    pub mode: Mode,
    pub feature: u32,
    pub threshold: f64,
    pub missing_yes: bool,
}

/// One node of a graph being laid out: a split with two children (node
/// keys), or a leaf.
enum Raw {
    Split(RawSplit, usize, usize),
    Leaf(Vec<(u32, f64)>),
}

/// Lays out the nodes reachable from `root` in topological order (Kahn's
/// algorithm). `get(key)` gives a node. Refuses a cycle.
fn topological(
    root: usize,
    get: &mut dyn FnMut(usize) -> Result<Raw, OnnxError>,
    tree: &str,
) -> Result<Vec<EnsembleNode>, OnnxError> {
    // Reachable nodes and their in-degrees.
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut keys = Vec::new();
    let mut raws = Vec::new();
    let mut stack = vec![root];
    index.insert(root, 0);
    keys.push(root);
    while let Some(k) = stack.pop() {
        let raw = get(k)?;
        if let Raw::Split(_, y, n) = &raw {
            for c in [*y, *n] {
                if let std::collections::hash_map::Entry::Vacant(e) = index.entry(c) {
                    e.insert(keys.len());
                    keys.push(c);
                    stack.push(c);
                }
            }
        }
        raws.push((index[&k], raw));
        if keys.len() > limits::MAX_ONNX_NODES {
            return Err(OnnxError::Unsupported(limits::onnx_nodes_message(
                keys.len(),
            )));
        }
    }
    raws.sort_by_key(|(i, _)| *i);
    let raws: Vec<Raw> = raws.into_iter().map(|(_, r)| r).collect();
    let len = raws.len();
    let mut indegree = vec![0u32; len];
    for r in &raws {
        if let Raw::Split(_, y, n) = r {
            indegree[index[y]] += 1;
            indegree[index[n]] += 1;
        }
    }
    if indegree[0] != 0 {
        return Err(invalid(format!("{tree} has a cycle through its root.")));
    }
    let mut order = Vec::with_capacity(len);
    let mut position = vec![u32::MAX; len];
    let mut ready = std::collections::VecDeque::from([0usize]);
    while let Some(i) = ready.pop_front() {
        position[i] = order.len() as u32;
        order.push(i);
        if let Raw::Split(_, y, n) = &raws[i] {
            for c in [index[y], index[n]] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    ready.push_back(c);
                }
            }
        }
    }
    if order.len() != len {
        return Err(invalid(format!("{tree} has a cycle.")));
    }
    let mut raws: Vec<Option<Raw>> = raws.into_iter().map(Some).collect();
    Ok(order
        .iter()
        .map(|&i| match raws[i].take() {
            Some(Raw::Split(s, y, n)) => EnsembleNode::Branch {
                mode: s.mode,
                feature: s.feature,
                threshold: s.threshold,
                yes: position[index[&y]],
                no: position[index[&n]],
                missing_yes: s.missing_yes,
            },
            Some(Raw::Leaf(weights)) => EnsembleNode::Leaf { weights },
            None => EnsembleNode::Leaf { weights: vec![] },
        })
        .collect())
}

/// The node lists of a `TreeEnsembleClassifier` (opsets 1 and 3).
pub struct ClassicLists<'a> {
    pub tree_ids: &'a [i64],
    pub node_ids: &'a [i64],
    pub feature_ids: &'a [i64],
    /// `None` for a leaf.
    pub modes: Vec<Option<Mode>>,
    pub values: Vec<f64>,
    pub true_ids: &'a [i64],
    pub false_ids: &'a [i64],
    pub missing_true: &'a [i64],
    pub class_tree_ids: &'a [i64],
    pub class_node_ids: &'a [i64],
    pub class_ids: &'a [i64],
    pub class_weights: Vec<f64>,
}

/// Trees built from a file, and what was left aside.
#[derive(Debug)]
pub struct Built {
    pub trees: Vec<EnsembleTree>,
    /// Largest feature id of any node, leaves included (ONNX Runtime checks
    /// the input width against it).
    pub max_feature: i64,
    /// Weights attached to split nodes, which ONNX Runtime ignores.
    pub ignored_weights: usize,
}

fn feature_u32(f: i64, at: &str) -> Result<u32, OnnxError> {
    u32::try_from(f).map_err(|_| invalid(format!("{at} has feature id {f}.")))
}

/// Trees of a `TreeEnsembleClassifier`.
pub fn classic(l: &ClassicLists, n_classes: usize) -> Result<Built, OnnxError> {
    let n = l.tree_ids.len();
    if n > limits::MAX_ONNX_NODES || l.class_ids.len() > limits::MAX_ONNX_NODES {
        return Err(OnnxError::Unsupported(limits::onnx_nodes_message(
            n.max(l.class_ids.len()),
        )));
    }
    let lens = [
        l.node_ids.len(),
        l.feature_ids.len(),
        l.modes.len(),
        l.values.len(),
        l.true_ids.len(),
        l.false_ids.len(),
    ];
    if lens.iter().any(|&x| x != n) || l.missing_true.len() > n {
        return Err(invalid(format!(
            "the nodes_* attributes have different lengths ({n} tree ids, then {lens:?})."
        )));
    }
    let m = l.class_ids.len();
    if l.class_tree_ids.len() != m || l.class_node_ids.len() != m || l.class_weights.len() != m {
        return Err(invalid(
            "the class_* attributes have different lengths.".into(),
        ));
    }
    if n == 0 {
        return Err(invalid("the ensemble has no nodes.".into()));
    }
    // Trees in order of first appearance, their nodes listed together.
    let mut segments: Vec<(i64, usize, usize)> = Vec::new();
    let mut seen: HashMap<i64, ()> = HashMap::new();
    let mut at: HashMap<(i64, i64), usize> = HashMap::with_capacity(n);
    let mut max_feature = -1;
    for i in 0..n {
        let t = l.tree_ids[i];
        match segments.last_mut() {
            Some((id, _, end)) if *id == t => *end = i + 1,
            _ => {
                if seen.insert(t, ()).is_some() {
                    return Err(invalid(format!(
                        "the nodes of tree {t} are not listed together."
                    )));
                }
                segments.push((t, i, i + 1));
            }
        }
        let id = l.node_ids[i];
        if !(0..=i32::MAX as i64).contains(&id) {
            return Err(invalid(format!("tree {t} has node id {id}.")));
        }
        if at.insert((t, id), i).is_some() {
            return Err(invalid(format!("node {id} of tree {t} is listed twice.")));
        }
        if l.feature_ids[i] < 0 {
            return Err(invalid(format!(
                "node {id} of tree {t} has feature id {}.",
                l.feature_ids[i]
            )));
        }
        max_feature = max_feature.max(l.feature_ids[i]);
    }
    if segments.len() > limits::MAX_ONNX_TREES {
        return Err(OnnxError::Unsupported(limits::onnx_trees_message(
            segments.len(),
        )));
    }
    // Leaf weights, each leaf's in the file's order.
    let mut weights: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    let mut ignored_weights = 0;
    for j in 0..m {
        let (t, id) = (l.class_tree_ids[j], l.class_node_ids[j]);
        let &i = at.get(&(t, id)).ok_or_else(|| {
            invalid(format!(
                "a class weight names node {id} of tree {t}, which does not exist."
            ))
        })?;
        if l.modes[i].is_some() {
            ignored_weights += 1;
            continue;
        }
        let c = l.class_ids[j];
        if c < 0 || c as usize >= n_classes {
            return Err(invalid(format!(
                "a weight of node {id} in tree {t} is for class {c}, but there are {n_classes} classes."
            )));
        }
        weights[i].push((c as u32, l.class_weights[j]));
    }
    let child = |t: i64, id: i64, from: usize| -> Result<usize, OnnxError> {
        if id < 0 || id as usize >= n {
            return Err(invalid(format!(
                "node {} of tree {t} has child id {id}; ONNX Runtime needs ids below {n}.",
                l.node_ids[from]
            )));
        }
        at.get(&(t, id)).copied().ok_or_else(|| {
            invalid(format!(
                "node {} of tree {t} has child {id}, which is not in the tree.",
                l.node_ids[from]
            ))
        })
    };
    let mut trees = Vec::with_capacity(segments.len());
    for &(t, start, end) in &segments {
        // ONNX Runtime's walk: false branch first; a false child must be new.
        let mut placed = vec![false; end - start];
        let mut stack = vec![(start, false)];
        let mut count = 0;
        while let Some((i, via_false)) = stack.pop() {
            if placed[i - start] {
                if via_false {
                    return Err(invalid(format!(
                        "in tree {t}, node {} is reached again through a false branch, which ONNX Runtime refuses.",
                        l.node_ids[i]
                    )));
                }
                continue;
            }
            placed[i - start] = true;
            count += 1;
            if l.modes[i].is_some() {
                stack.push((child(t, l.true_ids[i], i)?, false));
                stack.push((child(t, l.false_ids[i], i)?, true));
            }
        }
        if count != end - start {
            return Err(invalid(format!(
                "tree {t} has {} node(s) its root does not reach.",
                end - start - count
            )));
        }
        let mut get = |i: usize| -> Result<Raw, OnnxError> {
            Ok(match l.modes[i] {
                Some(mode) => Raw::Split(
                    RawSplit {
                        mode,
                        feature: feature_u32(
                            l.feature_ids[i],
                            &format!("node {} of tree {t}", l.node_ids[i]),
                        )?,
                        threshold: l.values[i],
                        missing_yes: l.missing_true.get(i) == Some(&1),
                    },
                    child(t, l.true_ids[i], i)?,
                    child(t, l.false_ids[i], i)?,
                ),
                None => Raw::Leaf(std::mem::take(&mut weights[i])),
            })
        };
        let nodes = topological(start, &mut get, &format!("tree {t}"))?;
        trees.push(EnsembleTree { nodes });
    }
    Ok(Built {
        trees,
        max_feature,
        ignored_weights,
    })
}

/// The lists of an opset 5 `TreeEnsemble`.
pub struct TargetLists<'a> {
    pub feature_ids: &'a [i64],
    pub splits: Vec<f64>,
    /// Already checked: no `BRANCH_MEMBER`.
    pub modes: Vec<Mode>,
    pub true_ids: &'a [i64],
    pub false_ids: &'a [i64],
    pub true_leafs: &'a [i64],
    pub false_leafs: &'a [i64],
    pub missing_true: &'a [i64],
    pub roots: &'a [i64],
    pub leaf_targets: &'a [i64],
    pub leaf_weights: Vec<f64>,
}

/// Trees of an opset 5 `TreeEnsemble` with `n_targets` targets.
pub fn targets(l: &TargetLists, n_targets: usize) -> Result<Built, OnnxError> {
    let n = l.feature_ids.len();
    let m = l.leaf_targets.len();
    if n > limits::MAX_ONNX_NODES || m > limits::MAX_ONNX_NODES {
        return Err(OnnxError::Unsupported(limits::onnx_nodes_message(n.max(m))));
    }
    if l.roots.len() > limits::MAX_ONNX_TREES {
        return Err(OnnxError::Unsupported(limits::onnx_trees_message(
            l.roots.len(),
        )));
    }
    let lens = [
        l.splits.len(),
        l.modes.len(),
        l.true_ids.len(),
        l.false_ids.len(),
        l.true_leafs.len(),
        l.false_leafs.len(),
    ];
    if lens.iter().any(|&x| x != n) || (!l.missing_true.is_empty() && l.missing_true.len() != n) {
        return Err(invalid(format!(
            "the nodes_* attributes have different lengths ({n} feature ids, then {lens:?})."
        )));
    }
    if l.leaf_weights.len() != m {
        return Err(invalid(
            "leaf_targetids and leaf_weights have different lengths.".into(),
        ));
    }
    if l.roots.is_empty() {
        return Err(invalid("the ensemble has no trees.".into()));
    }
    let mut max_feature = -1;
    for &f in l.feature_ids {
        if f < 0 {
            return Err(invalid(format!("a node has feature id {f}.")));
        }
        max_feature = max_feature.max(f);
    }
    // Keys: interior node i is i, leaf j is n + j.
    let leaf = |j: i64| -> Result<usize, OnnxError> {
        if j < 0 || j as usize >= m {
            return Err(invalid(format!("a node points to leaf {j} of {m}.")));
        }
        let t = l.leaf_targets[j as usize];
        if t < 0 || t as usize >= n_targets {
            return Err(invalid(format!(
                "leaf {j} is for target {t} of {n_targets}."
            )));
        }
        Ok(n + j as usize)
    };
    let node = |i: i64| -> Result<usize, OnnxError> {
        if i < 0 || i as usize >= n {
            return Err(invalid(format!("a node points to node {i} of {n}.")));
        }
        Ok(i as usize)
    };
    let kid = |id: i64, is_leaf: i64| if is_leaf != 0 { leaf(id) } else { node(id) };
    let mut trees = Vec::with_capacity(l.roots.len());
    for (ti, &r) in l.roots.iter().enumerate() {
        let root = node(r)?;
        if l.true_ids[root] == l.false_ids[root] {
            // ONNX Runtime reads such a root as a leaf whose weight is at the
            // root's own index; the spec points both branches at one leaf.
            // They agree only when that leaf has the root's index.
            let agrees =
                l.true_leafs[root] != 0 && l.false_leafs[root] != 0 && l.true_ids[root] == r;
            if !agrees {
                return Err(OnnxError::Unsupported(format!(
                    "tree {ti}'s root has the same true and false child; ONNX Runtime and the ONNX specification read that differently."
                )));
            }
            let j = leaf(r)? - n;
            trees.push(EnsembleTree {
                nodes: vec![EnsembleNode::Leaf {
                    weights: vec![(l.leaf_targets[j] as u32, l.leaf_weights[j])],
                }],
            });
            continue;
        }
        let mut get = |k: usize| -> Result<Raw, OnnxError> {
            if k >= n {
                let j = k - n;
                return Ok(Raw::Leaf(vec![(
                    l.leaf_targets[j] as u32,
                    l.leaf_weights[j],
                )]));
            }
            Ok(Raw::Split(
                RawSplit {
                    mode: l.modes[k],
                    feature: feature_u32(l.feature_ids[k], &format!("node {k}"))?,
                    threshold: l.splits[k],
                    missing_yes: l.missing_true.get(k) == Some(&1),
                },
                kid(l.true_ids[k], l.true_leafs[k])?,
                kid(l.false_ids[k], l.false_leafs[k])?,
            ))
        };
        let nodes = topological(root, &mut get, &format!("tree {ti}"))?;
        trees.push(EnsembleTree { nodes });
    }
    Ok(Built {
        trees,
        max_feature,
        ignored_weights: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists<'a>(
        tree_ids: &'a [i64],
        node_ids: &'a [i64],
        true_ids: &'a [i64],
        false_ids: &'a [i64],
        leaf: &[bool],
    ) -> ClassicLists<'a> {
        let n = tree_ids.len();
        ClassicLists {
            tree_ids,
            node_ids,
            feature_ids: &[0; 16][..n],
            modes: leaf.iter().map(|&l| (!l).then_some(Mode::Leq)).collect(),
            values: vec![0.5; n],
            true_ids,
            false_ids,
            missing_true: &[],
            class_tree_ids: &[],
            class_node_ids: &[],
            class_ids: &[],
            class_weights: vec![],
        }
    }

    #[test]
    fn trees_are_laid_out_children_after_parents() {
        // Node ids out of order: root 5 -> (true 2, false 9), listed 5, 9, 2.
        let l = lists(
            &[0, 0, 0],
            &[2, 0, 1],
            &[1, 0, 0],
            &[0, 0, 0],
            &[false, true, true],
        );
        // Root is node id 2 (listed first); true -> id 1, false -> id 0.
        let b = classic(&l, 2).unwrap();
        let nodes = &b.trees[0].nodes;
        assert_eq!(nodes.len(), 3);
        match &nodes[0] {
            EnsembleNode::Branch { yes, no, .. } => assert!(*yes > 0 && *no > 0 && yes != no),
            _ => panic!("root is a split"),
        }
    }

    #[test]
    fn onnx_runtime_refusals_are_refused() {
        // Unreachable node.
        let l = lists(
            &[0, 0, 0, 0],
            &[0, 1, 2, 3],
            &[1, 0, 0, 0],
            &[2, 0, 0, 0],
            &[false, true, true, true],
        );
        assert!(
            classic(&l, 2)
                .unwrap_err()
                .to_string()
                .contains("does not reach")
        );
        // Tree 0 listed in two pieces.
        let l = lists(
            &[0, 1, 0],
            &[0, 0, 1],
            &[0, 0, 0],
            &[0, 0, 0],
            &[true, true, true],
        );
        assert!(
            classic(&l, 2)
                .unwrap_err()
                .to_string()
                .contains("not listed together")
        );
        // A cycle through the true branch (ONNX Runtime would loop).
        let l = lists(
            &[0, 0, 0],
            &[0, 1, 2],
            &[1, 0, 0],
            &[2, 0, 0],
            &[false, false, true],
        );
        let mut l = l;
        l.true_ids = &[1, 0, 0];
        l.false_ids = &[2, 2, 0];
        let e = classic(&l, 2).unwrap_err().to_string();
        assert!(e.contains("cycle") || e.contains("false branch"), "{e}");
        // Duplicate node id.
        let l = lists(&[0, 0], &[0, 0], &[0, 0], &[0, 0], &[true, true]);
        assert!(classic(&l, 2).unwrap_err().to_string().contains("twice"));
    }

    fn v5<'a>(
        true_ids: &'a [i64],
        false_ids: &'a [i64],
        true_leafs: &'a [i64],
        false_leafs: &'a [i64],
    ) -> TargetLists<'a> {
        TargetLists {
            feature_ids: &[0, 0][..true_ids.len()],
            splits: vec![0.5; true_ids.len()],
            modes: vec![Mode::Leq; true_ids.len()],
            true_ids,
            false_ids,
            true_leafs,
            false_leafs,
            missing_true: &[],
            roots: &[0],
            leaf_targets: &[0, 1, 1],
            leaf_weights: vec![1.0, 2.0, 3.0],
        }
    }

    #[test]
    fn opset5_trees_and_the_root_onnx_runtime_misreads() {
        // Root 0: true -> leaf 1, false -> node 1; node 1: leaves 0 and 2.
        let b = targets(&v5(&[1, 0], &[1, 2], &[1, 1], &[0, 1]), 2);
        // Node 1 and leaf 1 share an index: ONNX Runtime reads the root as a
        // leaf, the spec does not.
        assert!(
            b.unwrap_err()
                .to_string()
                .contains("same true and false child")
        );
        let b = targets(&v5(&[1, 0], &[1, 2], &[1, 1], &[0, 1]), 2);
        assert!(b.is_err());
        // Root 0: true -> leaf 2, false -> node 1: fine.
        let b = targets(&v5(&[2, 0], &[1, 2], &[1, 1], &[0, 1]), 2).unwrap();
        assert_eq!(b.trees.len(), 1);
        // Leaf 2 is shared by the root and node 1.
        assert_eq!(b.trees[0].nodes.len(), 4);
        // A one-leaf tree both readings agree on: both branches to leaf 0.
        let b = targets(&v5(&[0], &[0], &[1], &[1]), 2).unwrap();
        assert_eq!(
            b.trees[0].nodes,
            vec![EnsembleNode::Leaf {
                weights: vec![(0, 1.0)]
            }]
        );
        // A leaf for a target out of range.
        assert!(targets(&v5(&[2, 0], &[1, 2], &[1, 1], &[0, 1]), 1).is_err());
    }
}
