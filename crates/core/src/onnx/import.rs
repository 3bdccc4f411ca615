//! ONNX bytes → a [`TreeEnsemble`] with its input names, class labels,
//! producer and a description in words.
//!
//! Accepted: one `TreeEnsembleClassifier` (ai.onnx.ml opsets 1–4, thresholds
//! in `nodes_values` or `nodes_values_as_tensor`, weights in `class_weights`
//! or `class_weights_as_tensor`, `base_values`), or one opset 5
//! `TreeEnsemble` with at least two targets (read as classes 0, 1, …), with
//! what [`super::graph`] allows around it. Refused with a message that names
//! them: other operators, other opsets, `BRANCH_MEMBER` (categorical) splits,
//! `PROBIT` and `SOFTMAX_ZERO`, regressors, known-broken converter layouts,
//! and files over [`crate::limits::MAX_ONNX_BYTES`] (before parsing).

use prost::Message;

use super::attrs::{Attrs, real_values, u8_values};
use super::ensemble::{
    Aggregate, ClassLabels, EnsembleError, Mode, PostTransform, Precision, Semantics, TreeEnsemble,
};
use super::graph::{self, Surround};
use super::proto::{ModelProto, NodeProto, data_type};
use super::trees::{self, Built, ClassicLists, TargetLists};
use super::{FEATURES_KEY, OnnxError};
use crate::limits;

/// An imported ONNX tree ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub ensemble: TreeEnsemble,
    /// Name of the graph input the ensemble reads.
    pub input_name: String,
    /// One name per feature column, when the file gives them (mibwatch's
    /// own exports list them in the model metadata); else `None`, and the
    /// columns are known by position only.
    pub feature_names: Option<Vec<String>>,
    /// The class labels as text, in the order of the probabilities.
    pub classes: Vec<String>,
    pub producer_name: String,
    pub producer_version: String,
    /// What the file holds, in words.
    pub description: String,
}

/// Reads an ONNX tree-ensemble classifier. Never panics on any input.
pub fn import(bytes: &[u8]) -> Result<Imported, OnnxError> {
    if bytes.len() > limits::MAX_ONNX_BYTES {
        return Err(OnnxError::TooLarge { bytes: bytes.len() });
    }
    let model = ModelProto::decode(bytes).map_err(|e| OnnxError::Decode(e.to_string()))?;
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| OnnxError::Decode("it has no graph.".into()))?;
    if model.ir_version <= 0 {
        return Err(OnnxError::Decode("it has no IR version.".into()));
    }
    let s = graph::analyse(&model, graph)?;
    let node = &graph.node[s.ensemble];
    let precision = match s.ensemble_input_type {
        data_type::FLOAT => Precision::F32,
        _ => Precision::F64,
    };
    let attrs = Attrs::new(node)?;
    let (ensemble, built) = if node.op_type == "TreeEnsemble" {
        targets(&attrs, precision, s.input_f32)?
    } else {
        classifier(&attrs, precision, s.input_f32)?
    };
    let mut ensemble = ensemble;
    let needed = usize::try_from(built.max_feature.saturating_add(1))
        .unwrap_or(usize::MAX)
        .max(1);
    ensemble.n_features = match s.input_width {
        Some(w) if w < needed => {
            return Err(OnnxError::Invalid(format!(
                "a node reads feature {} but the input {} has {w} columns.",
                needed - 1,
                s.input_name
            )));
        }
        Some(w) => w,
        None => needed,
    };
    ensemble.validate().map_err(|e| match e {
        EnsembleError::Limit(m) => OnnxError::Unsupported(m),
        EnsembleError::Invalid(m) => OnnxError::Invalid(m),
    })?;
    let feature_names = model
        .metadata_props
        .iter()
        .find(|p| p.key == FEATURES_KEY)
        .and_then(|p| serde_json::from_str::<Vec<String>>(&p.value).ok())
        .filter(|names| names.len() == ensemble.n_features);
    let classes = ensemble.labels.names();
    let description = describe(&model, node, &s, &ensemble, &built, feature_names.is_some());
    Ok(Imported {
        input_name: s.input_name.clone(),
        feature_names,
        classes,
        producer_name: model.producer_name.clone(),
        producer_version: model.producer_version.clone(),
        description,
        ensemble,
    })
}

/// Values of a float list attribute or of its `_as_tensor` twin (which must
/// have the ensemble's type); empty when neither is there.
fn reals(attrs: &Attrs, name: &str, precision: Precision) -> Result<Vec<f64>, OnnxError> {
    let list = attrs.floats(name)?;
    let tensor_name = format!("{name}_as_tensor");
    match attrs.tensor(&tensor_name)? {
        Some(t) => {
            if !list.is_empty() {
                return Err(OnnxError::Invalid(format!(
                    "it has both {name} and {tensor_name}."
                )));
            }
            let (ty, v) = real_values(t, &tensor_name)?;
            let want = match precision {
                Precision::F32 => data_type::FLOAT,
                Precision::F64 => data_type::DOUBLE,
            };
            if ty != want {
                return Err(OnnxError::Invalid(format!(
                    "{tensor_name} holds {} values but the ensemble computes in {}; ONNX Runtime refuses that.",
                    data_type::name(ty),
                    data_type::name(want)
                )));
            }
            Ok(v)
        }
        None => Ok(list.iter().map(|&x| x as f64).collect()),
    }
}

fn transform(name: &str) -> Result<PostTransform, OnnxError> {
    match name {
        "NONE" => Ok(PostTransform::None),
        "SOFTMAX" => Ok(PostTransform::Softmax),
        "LOGISTIC" => Ok(PostTransform::Logistic),
        "PROBIT" | "SOFTMAX_ZERO" => Err(OnnxError::Unsupported(format!(
            "its post_transform is {name}; mibwatch supports NONE, SOFTMAX and LOGISTIC."
        ))),
        other => Err(OnnxError::Invalid(format!(
            "unknown post_transform {other:?}."
        ))),
    }
}

fn classifier(
    attrs: &Attrs,
    precision: Precision,
    input_f32: bool,
) -> Result<(TreeEnsemble, Built), OnnxError> {
    let strings = attrs.strings("classlabels_strings")?;
    let ints = attrs.ints("classlabels_int64s")?;
    let labels = match (strings.is_empty(), ints.is_empty()) {
        (false, true) => ClassLabels::Text(strings),
        (true, false) => ClassLabels::Int(ints.to_vec()),
        (false, false) => {
            return Err(OnnxError::Invalid(
                "it has both string and integer class labels.".into(),
            ));
        }
        (true, true) => return Err(OnnxError::Invalid("it has no class labels.".into())),
    };
    if labels.len() > limits::MAX_CLASSES {
        return Err(OnnxError::Unsupported(format!(
            "it has {} classes; mibwatch accepts at most {}.",
            labels.len(),
            limits::MAX_CLASSES
        )));
    }
    let post_transform = transform(
        &attrs
            .string("post_transform")?
            .unwrap_or_else(|| "NONE".into()),
    )?;
    let modes = attrs
        .strings("nodes_modes")?
        .iter()
        .map(|m| match m.as_str() {
            "LEAF" => Ok(None),
            "BRANCH_LEQ" => Ok(Some(Mode::Leq)),
            "BRANCH_LT" => Ok(Some(Mode::Lt)),
            "BRANCH_GTE" => Ok(Some(Mode::Gte)),
            "BRANCH_GT" => Ok(Some(Mode::Gt)),
            "BRANCH_EQ" => Ok(Some(Mode::Eq)),
            "BRANCH_NEQ" => Ok(Some(Mode::Neq)),
            "BRANCH_MEMBER" => Err(categorical()),
            other => Err(OnnxError::Invalid(format!("unknown node mode {other:?}."))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let class_ids = attrs.ints("class_ids")?;
    let class_weights = reals(attrs, "class_weights", precision)?;
    let lists = ClassicLists {
        tree_ids: attrs.ints("nodes_treeids")?,
        node_ids: attrs.ints("nodes_nodeids")?,
        feature_ids: attrs.ints("nodes_featureids")?,
        modes,
        values: reals(attrs, "nodes_values", precision)?,
        true_ids: attrs.ints("nodes_truenodeids")?,
        false_ids: attrs.ints("nodes_falsenodeids")?,
        missing_true: attrs.ints("nodes_missing_value_tracks_true")?,
        class_tree_ids: attrs.ints("class_treeids")?,
        class_node_ids: attrs.ints("class_nodeids")?,
        class_ids,
        class_weights,
    };
    let built = trees::classic(&lists, labels.len())?;
    // ONNX Runtime's two-class rules look at every weight of the file.
    let first = class_ids.first();
    let one_weight_class = first.is_some() && class_ids.iter().all(|c| Some(c) == first);
    let weights_all_positive = lists.class_weights.iter().all(|&w| w >= 0.0 || w.is_nan());
    let ensemble = TreeEnsemble {
        n_features: 0,
        labels,
        precision,
        input_f32,
        semantics: Semantics::Classifier,
        aggregate: Aggregate::Sum,
        post_transform,
        base_values: reals(attrs, "base_values", precision)?,
        one_weight_class,
        weights_all_positive,
        trees: built.trees.clone(),
    };
    Ok((ensemble, built))
}

fn categorical() -> OnnxError {
    OnnxError::Unsupported(
        "it has categorical (BRANCH_MEMBER) splits; mibwatch's features are numbers and it supports threshold splits only.".into(),
    )
}

fn targets(
    attrs: &Attrs,
    precision: Precision,
    input_f32: bool,
) -> Result<(TreeEnsemble, Built), OnnxError> {
    let n_targets = attrs.int("n_targets")?.unwrap_or(0);
    if n_targets < 2 {
        return Err(OnnxError::Unsupported(format!(
            "its TreeEnsemble has {n_targets} target(s); mibwatch imports one score per class (at least 2), not a regression."
        )));
    }
    if n_targets as usize > limits::MAX_CLASSES {
        return Err(OnnxError::Unsupported(format!(
            "it has {n_targets} classes; mibwatch accepts at most {}.",
            limits::MAX_CLASSES
        )));
    }
    // ONNX Runtime (1.32, `POST_EVAL_TRANSFORM`) reads 1 as LOGISTIC and 2
    // as SOFTMAX; the ONNX specification says 1 is SOFTMAX and 2 LOGISTIC.
    let post_transform = match attrs.int("post_transform")?.unwrap_or(0) {
        0 => PostTransform::None,
        v @ (1 | 2) => {
            return Err(OnnxError::Unsupported(format!(
                "its TreeEnsemble has post_transform {v}, which the ONNX specification calls {} and ONNX Runtime applies as {}; mibwatch imports opset 5 ensembles with post_transform 0 (NONE) only.",
                if v == 1 { "SOFTMAX" } else { "LOGISTIC" },
                if v == 1 { "LOGISTIC" } else { "SOFTMAX" }
            )));
        }
        3 => return Err(transform("SOFTMAX_ZERO").unwrap_err()),
        4 => return Err(transform("PROBIT").unwrap_err()),
        other => {
            return Err(OnnxError::Invalid(format!(
                "unknown post_transform {other}."
            )));
        }
    };
    let aggregate = match attrs.int("aggregate_function")?.unwrap_or(1) {
        0 => Aggregate::Average,
        1 => Aggregate::Sum,
        2 | 3 => {
            return Err(OnnxError::Unsupported(
                "its aggregate_function is MIN or MAX; mibwatch reads sums or averages of leaf weights as class scores.".into(),
            ));
        }
        other => {
            return Err(OnnxError::Invalid(format!(
                "unknown aggregate_function {other}."
            )));
        }
    };
    let want = match precision {
        Precision::F32 => data_type::FLOAT,
        Precision::F64 => data_type::DOUBLE,
    };
    let tensor = |name: &str| -> Result<Vec<f64>, OnnxError> {
        let t = attrs
            .tensor(name)?
            .ok_or_else(|| OnnxError::Invalid(format!("the TreeEnsemble has no {name}.")))?;
        let (ty, v) = real_values(t, name)?;
        if ty != want {
            return Err(OnnxError::Invalid(format!(
                "{name} holds {} values but the input is {}.",
                data_type::name(ty),
                data_type::name(want)
            )));
        }
        Ok(v)
    };
    let modes_t = attrs
        .tensor("nodes_modes")?
        .ok_or_else(|| OnnxError::Invalid("the TreeEnsemble has no nodes_modes.".into()))?;
    let modes = u8_values(modes_t, "nodes_modes")?
        .into_iter()
        .map(|m| match m {
            0 => Ok(Mode::Leq),
            1 => Ok(Mode::Lt),
            2 => Ok(Mode::Gte),
            3 => Ok(Mode::Gt),
            4 => Ok(Mode::Eq),
            5 => Ok(Mode::Neq),
            6 => Err(categorical()),
            other => Err(OnnxError::Invalid(format!("unknown node mode {other}."))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let lists = TargetLists {
        feature_ids: attrs.ints("nodes_featureids")?,
        splits: tensor("nodes_splits")?,
        modes,
        true_ids: attrs.ints("nodes_truenodeids")?,
        false_ids: attrs.ints("nodes_falsenodeids")?,
        true_leafs: attrs.ints("nodes_trueleafs")?,
        false_leafs: attrs.ints("nodes_falseleafs")?,
        missing_true: attrs.ints("nodes_missing_value_tracks_true")?,
        roots: attrs.ints("tree_roots")?,
        leaf_targets: attrs.ints("leaf_targetids")?,
        leaf_weights: tensor("leaf_weights")?,
    };
    let built = trees::targets(&lists, n_targets as usize)?;
    let ensemble = TreeEnsemble {
        n_features: 0,
        labels: ClassLabels::Int((0..n_targets).collect()),
        precision,
        input_f32,
        semantics: Semantics::Targets,
        aggregate,
        post_transform,
        base_values: vec![],
        one_weight_class: false,
        weights_all_positive: true,
        trees: built.trees.clone(),
    };
    Ok((ensemble, built))
}

fn describe(
    model: &ModelProto,
    node: &NodeProto,
    s: &Surround,
    e: &TreeEnsemble,
    built: &Built,
    named: bool,
) -> String {
    let producer = if model.producer_name.is_empty() {
        "an unnamed producer".to_string()
    } else {
        format!("{} {}", model.producer_name, model.producer_version)
            .trim()
            .to_string()
    };
    let ty = |p: Precision| match p {
        Precision::F32 => "float",
        Precision::F64 => "double",
    };
    let mut labels = e.labels.names();
    if labels.len() > 8 {
        labels.truncate(8);
        labels.push("…".into());
    }
    let mut d = format!(
        "{} (ai.onnx.ml opset {}) from {producer}: {} trees, {} nodes, {} classes ({}), {} {} features read from the input \"{}\"{}, post_transform {}",
        node.op_type,
        s.ml_opset,
        e.trees.len(),
        e.n_nodes(),
        e.n_classes(),
        labels.join(", "),
        e.n_features,
        ty(e.precision),
        s.input_name,
        if named {
            " (named in the file)"
        } else {
            " (by position; the file does not name them)"
        },
        e.post_transform.onnx_name(),
    );
    if e.input_f32 && e.precision == Precision::F64 {
        d.push_str(", values rounded to float on the way in");
    }
    if !e.base_values.is_empty() {
        d.push_str(&format!(", {} base value(s)", e.base_values.len()));
    }
    if e.aggregate == Aggregate::Average {
        d.push_str(", leaf weights averaged");
    }
    if !s.around.is_empty() {
        d.push_str(&format!("; around it: {}", s.around.join(", ")));
    }
    d.push('.');
    if built.ignored_weights > 0 {
        d.push_str(&format!(
            " {} class weight(s) sit on split nodes; ONNX Runtime ignores them and so does mibwatch.",
            built.ignored_weights
        ));
    }
    let all_lt = e
        .trees
        .iter()
        .flat_map(|t| &t.nodes)
        .all(|n| !matches!(n, super::EnsembleNode::Branch { mode, .. } if *mode != Mode::Lt));
    if model.producer_name.eq_ignore_ascii_case("OnnxMLTools")
        && all_lt
        && e.post_transform == PostTransform::Softmax
    {
        d.push_str(" This is XGBoost's layout: if the file was converted from an XGBRFClassifier, onnxmltools gives its trees to the wrong classes and the file cannot show it; compare a few probabilities with XGBoost's before relying on them.");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::trees;

    #[test]
    fn onnx_file_over_the_size_limit_is_refused_before_parsing() {
        let big = vec![0xffu8; limits::MAX_ONNX_BYTES + 1];
        let e = import(&big).unwrap_err();
        assert_eq!(
            e,
            OnnxError::TooLarge {
                bytes: limits::MAX_ONNX_BYTES + 1
            }
        );
        assert_eq!(
            e.to_string(),
            limits::onnx_bytes_message(limits::MAX_ONNX_BYTES + 1)
        );
        assert!(e.to_string().contains("100 MB"));
    }

    #[test]
    fn onnx_garbage_and_empty_models_are_errors() {
        assert!(matches!(import(b"not a model"), Err(OnnxError::Decode(_))));
        assert!(matches!(import(&[]), Err(OnnxError::Decode(_))));
        let no_ensemble = ModelProto {
            ir_version: 8,
            graph: Some(Default::default()),
            ..Default::default()
        };
        let e = import(&no_ensemble.encode_to_vec()).unwrap_err();
        assert!(e.to_string().contains("no TreeEnsembleClassifier"), "{e}");
    }

    #[test]
    fn onnx_node_limit_is_checked_before_building_trees() {
        let n = limits::MAX_ONNX_NODES + 1;
        let ids = vec![0i64; n];
        let lists = ClassicLists {
            tree_ids: &ids,
            node_ids: &ids,
            feature_ids: &ids,
            modes: vec![None; n],
            values: vec![0.0; n],
            true_ids: &ids,
            false_ids: &ids,
            missing_true: &[],
            class_tree_ids: &[],
            class_node_ids: &[],
            class_ids: &[],
            class_weights: vec![],
        };
        let e = trees::classic(&lists, 2).unwrap_err();
        assert_eq!(e, OnnxError::Unsupported(limits::onnx_nodes_message(n)));
    }
}
