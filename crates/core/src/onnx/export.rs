//! A mibwatch [`Forest`] → ONNX bytes that ONNX Runtime scores exactly as
//! mibwatch does.
//!
//! The file: IR version 8, ai.onnx.ml opset 3, one `TreeEnsembleClassifier`
//! with `post_transform NONE`, reading the input `features` (double,
//! `[N, F]`) and writing `label` (string, `[N]`, the most likely class, which
//! ONNX requires) and `probabilities` (float, `[N, classes]`).
//!
//! Why double: ONNX Runtime compares a double input with double thresholds
//! (`nodes_values_as_tensor`), so every split is mibwatch's own f64
//! `x <= threshold`, NaN included (no missing-value tracking: a NaN fails
//! `<=` and goes to the false child, as in [`crate::forest::Tree::leaf`]).
//! Leaf weights are the leaf's class distribution divided by the number of
//! trees (`class_weights_as_tensor`, double), summed in double; only the
//! output is rounded to f32 (≤ 6e-8 from mibwatch's f64 mean). With two
//! classes every leaf carries a weight for both, so ONNX Runtime's one-score
//! binary rules never apply.
//!
//! The input is documented in the graph input's `doc_string` and the model's
//! metadata (`mibwatch.features`, `mibwatch.feature_notes`,
//! `mibwatch.classes`: JSON arrays), so a Spark job knows which column is
//! which.

use prost::Message;

use super::graph::ML_DOMAIN;
use super::proto::{
    AttributeProto, Dimension, DimensionValue, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, StringStringEntryProto, TensorProto, TensorShapeProto, TypeProto,
    TypeTensor, ValueInfoProto, data_type,
};
use super::{CLASSES_KEY, FEATURES_KEY, OnnxError};
use crate::forest::Forest;
use crate::schema::{self, VarKind};
use crate::tree::Node;

/// Metadata key of the per-feature notes (a JSON array of strings).
pub const NOTES_KEY: &str = "mibwatch.feature_notes";
/// Name of the exported model's input.
pub const INPUT_NAME: &str = "features";
/// Name of the exported model's probability output.
pub const PROBABILITIES_NAME: &str = "probabilities";

/// What a feature is, from its name: a schema variable's description and
/// unit, else a note that mibwatch derives it.
pub fn feature_note(name: &str) -> String {
    match schema::lookup(name) {
        Some(v) => format!(
            "{}: {} ({})",
            v.name,
            v.description,
            match v.kind {
                VarKind::Counter => "per-second rate of the counter between two polls",
                VarKind::Gauge => "gauge value as polled",
            }
        ),
        None => format!("{name}: derived by mibwatch from the rates (see the model's doc string)"),
    }
}

/// [`export_with_notes`] with notes from [`feature_note`].
pub fn export(
    forest: &Forest,
    features: &[String],
    classes: &[String],
    doc: &str,
) -> Result<Vec<u8>, OnnxError> {
    let notes: Vec<String> = features.iter().map(|f| feature_note(f)).collect();
    export_with_notes(forest, features, &notes, classes, doc)
}

/// A tensor type of element type `elem` and dimensions `dims`.
pub(super) fn tensor_value(elem: i32, dims: Vec<DimensionValue>) -> Option<TypeProto> {
    Some(TypeProto {
        tensor_type: Some(TypeTensor {
            elem_type: elem,
            shape: Some(TensorShapeProto {
                dim: dims
                    .into_iter()
                    .map(|v| Dimension {
                        value: Some(v),
                        denotation: String::new(),
                    })
                    .collect(),
            }),
        }),
        denotation: String::new(),
    })
}

/// A mibwatch forest as an ONNX model; `features` name the forest's
/// features in order, `notes` say what each is, `classes` name the classes,
/// `doc` goes into the model's doc string.
pub fn export_with_notes(
    forest: &Forest,
    features: &[String],
    notes: &[String],
    classes: &[String],
    doc: &str,
) -> Result<Vec<u8>, OnnxError> {
    Ok(export_proto(forest, features, notes, classes, doc)?.encode_to_vec())
}

/// [`export_with_notes`] before encoding.
pub fn export_proto(
    forest: &Forest,
    features: &[String],
    notes: &[String],
    classes: &[String],
    doc: &str,
) -> Result<ModelProto, OnnxError> {
    forest.validate().map_err(OnnxError::Export)?;
    if features.len() != forest.n_features || notes.len() != features.len() {
        return Err(OnnxError::Export(format!(
            "the forest reads {} features but {} names and {} notes were given.",
            forest.n_features,
            features.len(),
            notes.len()
        )));
    }
    if classes.len() != forest.n_classes {
        return Err(OnnxError::Export(format!(
            "the forest has {} classes but {} names were given.",
            forest.n_classes,
            classes.len()
        )));
    }
    let k = forest.n_classes;
    let n_trees = forest.trees.len() as f64;
    let mut tree_ids = Vec::new();
    let mut node_ids = Vec::new();
    let mut feature_ids = Vec::new();
    let mut modes = Vec::new();
    let mut values = Vec::new();
    let mut true_ids = Vec::new();
    let mut false_ids = Vec::new();
    let mut class_tree_ids = Vec::new();
    let mut class_node_ids = Vec::new();
    let mut class_ids = Vec::new();
    let mut class_weights = Vec::new();
    for (t, tree) in forest.trees.iter().enumerate() {
        for (i, n) in tree.nodes.iter().enumerate() {
            tree_ids.push(t as i64);
            node_ids.push(i as i64);
            if let Node::Split {
                feature,
                threshold,
                yes,
                no,
            } = *n
            {
                feature_ids.push(feature as i64);
                modes.push(b"BRANCH_LEQ".to_vec());
                values.push(threshold);
                true_ids.push(yes as i64);
                false_ids.push(no as i64);
                continue;
            }
            feature_ids.push(0);
            modes.push(b"LEAF".to_vec());
            values.push(0.0);
            true_ids.push(0);
            false_ids.push(0);
            // The leaf's class distribution, as `Tree::add_leaf` computes it.
            let mut dist = vec![0.0; k];
            tree.add_leaf(n, &mut dist);
            for (c, &p) in dist.iter().enumerate() {
                if p != 0.0 || k == 2 {
                    class_tree_ids.push(t as i64);
                    class_node_ids.push(i as i64);
                    class_ids.push(c as i64);
                    class_weights.push(p / n_trees);
                }
            }
        }
    }
    let ensemble = NodeProto {
        input: vec![INPUT_NAME.into()],
        output: vec!["label".into(), PROBABILITIES_NAME.into()],
        name: "forest".into(),
        op_type: "TreeEnsembleClassifier".into(),
        domain: ML_DOMAIN.into(),
        attribute: vec![
            AttributeProto::ints("nodes_treeids", tree_ids),
            AttributeProto::ints("nodes_nodeids", node_ids),
            AttributeProto::ints("nodes_featureids", feature_ids),
            AttributeProto::strings("nodes_modes", modes),
            AttributeProto::tensor("nodes_values_as_tensor", TensorProto::doubles(values)),
            AttributeProto::ints("nodes_truenodeids", true_ids),
            AttributeProto::ints("nodes_falsenodeids", false_ids),
            AttributeProto::ints("class_treeids", class_tree_ids),
            AttributeProto::ints("class_nodeids", class_node_ids),
            AttributeProto::ints("class_ids", class_ids),
            AttributeProto::tensor(
                "class_weights_as_tensor",
                TensorProto::doubles(class_weights),
            ),
            AttributeProto::strings(
                "classlabels_strings",
                classes.iter().map(|c| c.as_bytes().to_vec()).collect(),
            ),
            AttributeProto::string("post_transform", "NONE"),
        ],
        doc_string: "mibwatch random forest: probabilities are the mean of the trees' leaf class distributions.".into(),
    };
    let rows = || DimensionValue::DimParam("N".into());
    let listing: Vec<String> = notes
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{i}: {n}"))
        .collect();
    let input = ValueInfoProto {
        name: INPUT_NAME.into(),
        r#type: tensor_value(
            data_type::DOUBLE,
            vec![rows(), DimensionValue::DimValue(features.len() as i64)],
        ),
        doc_string: format!(
            "One row per poll interval, {} features in this order (double; compute them as mibwatch does):\n{}",
            features.len(),
            listing.join("\n")
        ),
        metadata_props: vec![],
    };
    let label = ValueInfoProto {
        name: "label".into(),
        r#type: tensor_value(data_type::STRING, vec![rows()]),
        doc_string: "Most likely class (ONNX Runtime's choice on ties).".into(),
        metadata_props: vec![],
    };
    let probabilities = ValueInfoProto {
        name: PROBABILITIES_NAME.into(),
        r#type: tensor_value(
            data_type::FLOAT,
            vec![rows(), DimensionValue::DimValue(k as i64)],
        ),
        doc_string: format!(
            "Probability of each class, in this order: {}.",
            classes.join(", ")
        ),
        metadata_props: vec![],
    };
    let json = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
    let model = ModelProto {
        ir_version: 8,
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: 15,
            },
            OperatorSetIdProto {
                domain: ML_DOMAIN.into(),
                version: 3,
            },
        ],
        producer_name: "mibwatch".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        domain: String::new(),
        model_version: 1,
        doc_string: doc.to_string(),
        graph: Some(GraphProto {
            node: vec![ensemble],
            name: "mibwatch_forest".into(),
            initializer: vec![],
            doc_string: format!(
                "{} trees over {} features, {} classes.",
                forest.trees.len(),
                features.len(),
                k
            ),
            input: vec![input],
            output: vec![label, probabilities],
            metadata_props: vec![],
        }),
        metadata_props: vec![
            StringStringEntryProto {
                key: FEATURES_KEY.into(),
                value: json(features),
            },
            StringStringEntryProto {
                key: NOTES_KEY.into(),
                value: json(notes),
            },
            StringStringEntryProto {
                key: CLASSES_KEY.into(),
                value: json(classes),
            },
        ],
    };
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::{self, Control, ForestParams, Node};
    use crate::onnx::{Precision, import};

    /// Noisy blobs, three features, from a fixed xorshift stream.
    fn blobs(n: usize, k: usize) -> (Vec<f64>, Vec<u32>) {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            let c = (i % k) as u32;
            x.extend([c as f64 * 1.7 + rnd() * 3.0, rnd() * 1e9, rnd() - 0.5]);
            y.push(c);
        }
        (x, y)
    }

    fn names(n: usize, p: &str) -> Vec<String> {
        (0..n).map(|i| format!("{p}{i}")).collect()
    }

    #[test]
    fn onnx_export_reimports_to_the_same_predictions() {
        for k in [2, 4] {
            let (x, y) = blobs(600, k);
            let params = ForestParams {
                n_trees: 15,
                max_depth: Some(5),
                seed: 3,
                ..ForestParams::default()
            };
            let forest =
                forest::train(&x, 3, &y, k, &params, &mut |_, _| Control::Continue).unwrap();
            assert!(forest.trees.iter().any(|t| !t.dists.is_empty()));
            let classes = names(k, "class");
            let bytes = export(&forest, &names(3, "f"), &classes, "test").unwrap();
            let m = import(&bytes).unwrap();
            assert_eq!(m.ensemble.precision, Precision::F64);
            assert!(!m.ensemble.input_f32);
            assert_eq!(m.classes, classes);
            assert_eq!(m.feature_names, Some(names(3, "f")));
            assert_eq!(m.producer_name, "mibwatch");
            // Rows of the data, rows exactly on every threshold (and just
            // above it), and NaN.
            let mut rows: Vec<Vec<f64>> = x.chunks(3).map(|r| r.to_vec()).collect();
            for t in &forest.trees {
                for n in &t.nodes {
                    let Node::Split {
                        feature, threshold, ..
                    } = *n
                    else {
                        continue;
                    };
                    for v in [threshold, threshold.next_up()] {
                        let mut r = x[..3].to_vec();
                        r[feature as usize] = v;
                        rows.push(r);
                    }
                }
            }
            rows.push(vec![f64::NAN, 1.0, f64::NAN]);
            let mut worst = 0.0f64;
            for r in &rows {
                let want = forest.predict_proba(r);
                let got = m.ensemble.predict_proba(r);
                for (a, b) in want.iter().zip(&got) {
                    worst = worst.max((a - b).abs());
                    // Only the f32 output rounding separates them.
                    assert_eq!(*b, (*b as f32) as f64);
                }
                assert_eq!(
                    forest::argmax(&want),
                    forest::argmax(&got),
                    "{r:?}: {want:?} vs {got:?}"
                );
            }
            assert!(worst <= 1e-7, "k={k}: {worst}");
        }
    }

    #[test]
    fn onnx_export_checks_names_and_documents_features() {
        let forest = forest::one_stump(1, 0, 0.1);
        let one = vec!["tcpInSegs".to_string()];
        let classes = names(2, "c");
        assert!(export(&forest, &[], &classes, "").is_err());
        assert!(export(&forest, &one, &classes[..1], "").is_err());
        let bytes = export(&forest, &one, &classes, "doc").unwrap();
        let model = ModelProto::decode(&bytes[..]).unwrap();
        let input = &model.graph.as_ref().unwrap().input[0];
        assert!(
            input.doc_string.contains("0: tcpInSegs: "),
            "{}",
            input.doc_string
        );
        assert!(
            input.doc_string.contains("per-second rate"),
            "{}",
            input.doc_string
        );
        assert_eq!(model.doc_string, "doc");
        let m = import(&bytes).unwrap();
        // Pure leaves of a two-class forest: never ONNX Runtime's one-score rules.
        assert!(!m.ensemble.one_weight_class);
        assert_eq!(m.ensemble.predict_proba(&[0.1]), vec![1.0, 0.0]);
        assert_eq!(
            m.ensemble.predict_proba(&[0.1f64.next_up()]),
            vec![0.0, 1.0]
        );
        assert_eq!(m.ensemble.predict_proba(&[f64::NAN]), vec![0.0, 1.0]);
    }
}
