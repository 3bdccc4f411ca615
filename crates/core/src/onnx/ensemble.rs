//! A general tree-ensemble classifier, as ONNX's `TreeEnsembleClassifier`
//! (ai.onnx.ml opsets 1 and 3) and `TreeEnsemble` (opset 5) describe one:
//! trees of comparison nodes and weighted leaves, base values, a
//! post-transform and class labels, with the structural check that makes
//! evaluation safe ([`TreeEnsemble::validate`]). Serialisable (serde), so a
//! model file can hold one. Its evaluation, with ONNX Runtime's arithmetic,
//! is in [`super::evaluate`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::limits;

/// The number type ONNX Runtime computes an ensemble in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Precision {
    F32,
    F64,
}

/// How a split compares a value `x` with its threshold `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// `x <= t` (ONNX `BRANCH_LEQ`).
    Leq,
    /// `x < t` (`BRANCH_LT`).
    Lt,
    /// `x >= t` (`BRANCH_GTE`).
    Gte,
    /// `x > t` (`BRANCH_GT`).
    Gt,
    /// `x == t` (`BRANCH_EQ`).
    Eq,
    /// `x != t` (`BRANCH_NEQ`; true for NaN).
    Neq,
}

impl Mode {
    /// The ONNX name of the mode.
    pub fn onnx_name(self) -> &'static str {
        match self {
            Mode::Leq => "BRANCH_LEQ",
            Mode::Lt => "BRANCH_LT",
            Mode::Gte => "BRANCH_GTE",
            Mode::Gt => "BRANCH_GT",
            Mode::Eq => "BRANCH_EQ",
            Mode::Neq => "BRANCH_NEQ",
        }
    }

    #[inline]
    pub(crate) fn test<T: PartialOrd>(self, x: T, t: T) -> bool {
        match self {
            Mode::Leq => x <= t,
            Mode::Lt => x < t,
            Mode::Gte => x >= t,
            Mode::Gt => x > t,
            Mode::Eq => x == t,
            Mode::Neq => x != t,
        }
    }
}

/// What is applied to the summed scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostTransform {
    None,
    Softmax,
    Logistic,
}

impl PostTransform {
    /// The ONNX name of the transform.
    pub fn onnx_name(self) -> &'static str {
        match self {
            PostTransform::None => "NONE",
            PostTransform::Softmax => "SOFTMAX",
            PostTransform::Logistic => "LOGISTIC",
        }
    }
}

/// How the trees' leaf weights are combined (opset 5 `aggregate_function`;
/// a `TreeEnsembleClassifier` always sums).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aggregate {
    Sum,
    Average,
}

/// Which ONNX operator's finishing rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Semantics {
    /// `TreeEnsembleClassifier` (ml opsets 1–4): base values, the two-class
    /// rules, f32 output.
    Classifier,
    /// `TreeEnsemble` (ml opset 5): one score per target, output in the
    /// input's type.
    Targets,
}

/// The class labels of the file: integers or strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassLabels {
    Int(Vec<i64>),
    Text(Vec<String>),
}

impl ClassLabels {
    pub fn len(&self) -> usize {
        match self {
            ClassLabels::Int(v) => v.len(),
            ClassLabels::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels as text.
    pub fn names(&self) -> Vec<String> {
        match self {
            ClassLabels::Int(v) => v.iter().map(|l| l.to_string()).collect(),
            ClassLabels::Text(v) => v.clone(),
        }
    }
}

/// One node of a tree. Trees are laid out so that children come after their
/// parent (checked by [`TreeEnsemble::validate`]); the root is node 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EnsembleNode {
    Branch {
        mode: Mode,
        feature: u32,
        /// Exactly an f32 value when the ensemble computes in f32.
        threshold: f64,
        /// Child when the comparison holds.
        yes: u32,
        /// Child otherwise.
        no: u32,
        /// A NaN goes to `yes` (else it goes where the comparison sends it).
        missing_yes: bool,
    },
    /// (class, weight) pairs added to the scores, in order.
    Leaf { weights: Vec<(u32, f64)> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleTree {
    pub nodes: Vec<EnsembleNode>,
}

/// A tree-ensemble classifier with ONNX Runtime's meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeEnsemble {
    /// Features a row has (every split reads one of them).
    pub n_features: usize,
    pub labels: ClassLabels,
    /// Thresholds, weights and sums.
    pub precision: Precision,
    /// Row values are rounded to f32 before they reach the ensemble (a float
    /// graph input, or a Cast to float on the way).
    pub input_f32: bool,
    pub semantics: Semantics,
    pub aggregate: Aggregate,
    pub post_transform: PostTransform,
    /// Added to the class scores: none, one per class, or (two classes) one.
    pub base_values: Vec<f64>,
    /// Every weight of the file names the same class (ONNX Runtime's
    /// `binary_case_` when there are two classes).
    pub one_weight_class: bool,
    /// No weight of the file is negative (`weights_are_all_positive_`).
    pub weights_all_positive: bool,
    pub trees: Vec<EnsembleTree>,
}

/// Why an ensemble is not usable: the sentence a user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnsembleError {
    /// Over one of mibwatch's limits.
    Limit(String),
    /// Inconsistent, or a layout ONNX Runtime gives no full answer for.
    Invalid(String),
}

impl fmt::Display for EnsembleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnsembleError::Limit(m) | EnsembleError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EnsembleError {}

fn bad(msg: impl Into<String>) -> EnsembleError {
    EnsembleError::Invalid(msg.into())
}

fn limit(msg: impl Into<String>) -> EnsembleError {
    EnsembleError::Limit(msg.into())
}

impl TreeEnsemble {
    pub fn n_classes(&self) -> usize {
        self.labels.len()
    }

    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }

    /// Structural check, so that evaluation cannot index out of bounds or
    /// loop, and the layout is one ONNX Runtime gives a full answer for.
    pub fn validate(&self) -> Result<(), EnsembleError> {
        let k = self.n_classes();
        if k < 2 {
            return Err(bad(format!(
                "the model has {k} class(es); a classifier needs at least 2."
            )));
        }
        if k > limits::MAX_CLASSES {
            return Err(limit(format!(
                "the model has {k} classes; mibwatch accepts at most {}.",
                limits::MAX_CLASSES
            )));
        }
        if self.n_features == 0 || self.n_features > limits::MAX_COLUMNS {
            return Err(limit(format!(
                "the model reads {} features; mibwatch accepts 1 to {}.",
                self.n_features,
                limits::MAX_COLUMNS
            )));
        }
        if self.trees.is_empty() {
            return Err(bad("the model has no trees."));
        }
        if self.trees.len() > limits::MAX_ONNX_TREES {
            return Err(limit(limits::onnx_trees_message(self.trees.len())));
        }
        let nodes = self.n_nodes();
        if nodes > limits::MAX_ONNX_NODES {
            return Err(limit(limits::onnx_nodes_message(nodes)));
        }
        let f32_exact =
            |v: f64| self.precision == Precision::F64 || v.is_nan() || v as f32 as f64 == v;
        for (i, &b) in self.base_values.iter().enumerate() {
            if !b.is_finite() || !f32_exact(b) {
                return Err(bad(format!(
                    "base value {i} ({b}) is not a finite number of the model's type."
                )));
            }
        }
        if self.semantics == Semantics::Classifier && self.aggregate != Aggregate::Sum {
            return Err(bad("a TreeEnsembleClassifier sums its trees."));
        }
        match (self.semantics, k, self.base_values.len()) {
            (Semantics::Targets, _, 0) => {}
            (Semantics::Targets, _, _) => {
                return Err(bad("an opset 5 TreeEnsemble has no base values."));
            }
            (Semantics::Classifier, _, n) if n == 0 || n == k => {}
            (Semantics::Classifier, 2, 1) if self.one_weight_class => {}
            (Semantics::Classifier, _, n) => {
                return Err(bad(format!(
                    "the model has {n} base value(s) for {k} classes; ONNX Runtime gives no complete answer for that layout."
                )));
            }
        }
        let mut weights = 0usize;
        for (ti, t) in self.trees.iter().enumerate() {
            let len = t.nodes.len();
            if len == 0 {
                return Err(bad(format!("tree {ti} has no nodes.")));
            }
            for (i, n) in t.nodes.iter().enumerate() {
                match n {
                    EnsembleNode::Branch {
                        feature,
                        threshold,
                        yes,
                        no,
                        ..
                    } => {
                        let (y, no) = (*yes as usize, *no as usize);
                        if y <= i || no <= i || y >= len || no >= len {
                            return Err(bad(format!(
                                "tree {ti}, node {i}: its children are out of order or range."
                            )));
                        }
                        if *feature as usize >= self.n_features {
                            return Err(bad(format!(
                                "tree {ti}, node {i} splits on feature {feature} of {}.",
                                self.n_features
                            )));
                        }
                        if !f32_exact(*threshold) {
                            return Err(bad(format!(
                                "tree {ti}, node {i}: threshold {threshold} is not a float value."
                            )));
                        }
                    }
                    EnsembleNode::Leaf { weights: w } => {
                        weights += w.len();
                        for &(c, v) in w {
                            if c as usize >= k {
                                return Err(bad(format!(
                                    "tree {ti}, leaf {i} gives a weight to class {c} of {k}."
                                )));
                            }
                            if !v.is_finite() || !f32_exact(v) {
                                return Err(bad(format!(
                                    "tree {ti}, leaf {i}: weight {v} is not a finite number of the model's type."
                                )));
                            }
                        }
                    }
                }
            }
        }
        if weights > limits::MAX_ONNX_NODES {
            return Err(limit(limits::onnx_nodes_message(weights)));
        }
        Ok(())
    }
}

/// Small ensembles for the tests of this model and of its evaluation.
#[cfg(test)]
pub(crate) mod test_ensembles {
    use super::*;

    /// A branch on feature 0 to node 1 (yes) or node 2 (no).
    pub(crate) fn split(mode: Mode, threshold: f64, missing_yes: bool) -> EnsembleNode {
        EnsembleNode::Branch {
            mode,
            feature: 0,
            threshold,
            yes: 1,
            no: 2,
            missing_yes,
        }
    }

    /// A leaf that gives weight 1 to class `c`.
    pub(crate) fn leaf(c: u32) -> EnsembleNode {
        EnsembleNode::Leaf {
            weights: vec![(c, 1.0)],
        }
    }

    /// One tree of three classes: the split, then class 0 (yes) or 1 (no).
    pub(crate) fn stump(mode: Mode, threshold: f64, missing_yes: bool) -> TreeEnsemble {
        TreeEnsemble {
            n_features: 1,
            labels: ClassLabels::Int(vec![0, 1, 2]),
            precision: Precision::F64,
            input_f32: false,
            semantics: Semantics::Classifier,
            aggregate: Aggregate::Sum,
            post_transform: PostTransform::None,
            base_values: vec![],
            one_weight_class: false,
            weights_all_positive: true,
            trees: vec![EnsembleTree {
                nodes: vec![split(mode, threshold, missing_yes), leaf(0), leaf(1)],
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_ensembles::{leaf, stump};
    use super::*;

    #[test]
    fn structure_is_checked() {
        let good = stump(Mode::Leq, 0.0, false);
        good.validate().unwrap();
        let mut cyc = good.clone();
        cyc.trees[0].nodes[0] = EnsembleNode::Branch {
            mode: Mode::Leq,
            feature: 0,
            threshold: 0.0,
            yes: 0,
            no: 2,
            missing_yes: false,
        };
        assert!(cyc.validate().is_err());
        let mut class = good.clone();
        class.trees[0].nodes[1] = leaf(3);
        assert!(class.validate().is_err());
        let mut feature = good.clone();
        feature.n_features = 0;
        assert!(feature.validate().is_err());
        let mut inf = good.clone();
        inf.trees[0].nodes[1] = EnsembleNode::Leaf {
            weights: vec![(0, f64::INFINITY)],
        };
        assert!(inf.validate().is_err());
        let mut many = good.clone();
        many.trees = vec![good.trees[0].clone(); limits::MAX_ONNX_TREES + 1];
        let e = many.validate().unwrap_err();
        assert!(matches!(e, EnsembleError::Limit(_)));
        assert_eq!(
            e.to_string(),
            limits::onnx_trees_message(limits::MAX_ONNX_TREES + 1)
        );
    }

    #[test]
    fn serde_round_trip() {
        let e = stump(Mode::Gt, 2.5, true);
        let bytes = postcard::to_allocvec(&e).unwrap();
        let back: TreeEnsemble = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, e);
    }
}
