//! What surrounds the tree ensemble in an ONNX graph: the one ensemble node,
//! the way from the graph input to it (Cast / Identity only), and what the
//! converters put after it (Cast, Identity, ZipMap, ArgMax, a Mul by 1).
//! Any other operator is refused by name, and so are the layouts a converter
//! is known to get wrong when the graph shows them.

use std::collections::HashSet;

use super::OnnxError;
use super::attrs::{Attrs, real_values};
use super::proto::{GraphProto, ModelProto, NodeProto, data_type};

/// The ONNX domain of the classic-ML operators.
pub const ML_DOMAIN: &str = "ai.onnx.ml";

/// The ensemble node and what leads to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Surround {
    /// Index of the ensemble node in the graph.
    pub ensemble: usize,
    /// Version of the ai.onnx.ml opset the model imports.
    pub ml_opset: i64,
    /// The graph input the ensemble reads.
    pub input_name: String,
    /// Its fixed width (second dimension), when the file gives one.
    pub input_width: Option<usize>,
    /// Data type of the values reaching the ensemble (float or double).
    pub ensemble_input_type: i32,
    /// Values are rounded to f32 on the way (float input or a Cast to float).
    pub input_f32: bool,
    /// Operators before and after the ensemble, in graph order.
    pub around: Vec<String>,
}

fn unsupported(msg: String) -> OnnxError {
    OnnxError::Unsupported(msg)
}

fn is_default_domain(d: &str) -> bool {
    d.is_empty() || d == "ai.onnx"
}

fn op_name(n: &NodeProto) -> String {
    if is_default_domain(&n.domain) {
        n.op_type.clone()
    } else {
        format!("{} ({})", n.op_type, n.domain)
    }
}

/// The Cast node's target type.
fn cast_to(n: &NodeProto) -> Result<i32, OnnxError> {
    let to = Attrs::new(n)?.int("to")?;
    to.and_then(|t| i32::try_from(t).ok())
        .ok_or_else(|| OnnxError::Invalid("a Cast node has no target type.".into()))
}

/// Whether `name` is an initializer holding the single value 1.
fn is_one(graph: &GraphProto, name: &str) -> bool {
    graph
        .initializer
        .iter()
        .find(|t| t.name == name)
        .and_then(|t| real_values(t, name).ok())
        .is_some_and(|(_, v)| v == [1.0])
}

/// Checks the graph around the ensemble.
pub fn analyse(model: &ModelProto, graph: &GraphProto) -> Result<Surround, OnnxError> {
    let ml_opset = model
        .opset_import
        .iter()
        .find(|o| o.domain == ML_DOMAIN)
        .map(|o| o.version);
    let nodes = &graph.node;
    for n in nodes {
        if !is_default_domain(&n.domain) && n.domain != ML_DOMAIN {
            return Err(unsupported(format!(
                "the operator {} comes from the domain {}, which mibwatch does not run.",
                n.op_type, n.domain
            )));
        }
    }
    let regressors: Vec<&NodeProto> = nodes
        .iter()
        .filter(|n| n.domain == ML_DOMAIN && n.op_type == "TreeEnsembleRegressor")
        .collect();
    if !regressors.is_empty() {
        return Err(unsupported(
            "it holds a TreeEnsembleRegressor; mibwatch imports classifiers (TreeEnsembleClassifier, or a TreeEnsemble with one score per class).".into(),
        ));
    }
    let ensembles: Vec<usize> = (0..nodes.len())
        .filter(|&i| {
            nodes[i].domain == ML_DOMAIN
                && matches!(
                    nodes[i].op_type.as_str(),
                    "TreeEnsembleClassifier" | "TreeEnsemble"
                )
        })
        .collect();
    let ensemble = match ensembles[..] {
        [i] => i,
        [] => {
            let ops: Vec<String> = nodes.iter().map(op_name).collect();
            return Err(unsupported(format!(
                "it has no TreeEnsembleClassifier or TreeEnsemble node (operators: {}).",
                if ops.is_empty() {
                    "none".to_string()
                } else {
                    dedup(ops).join(", ")
                }
            )));
        }
        _ => {
            return Err(unsupported(format!(
                "it has {} tree ensembles; mibwatch imports one.",
                ensembles.len()
            )));
        }
    };
    let node = &nodes[ensemble];
    let ml_opset = ml_opset.ok_or_else(|| {
        OnnxError::Invalid(format!(
            "it uses {} but imports no ai.onnx.ml opset.",
            node.op_type
        ))
    })?;
    match (node.op_type.as_str(), ml_opset) {
        ("TreeEnsembleClassifier", 1..=4) | ("TreeEnsemble", 5) => {}
        (op, v) => {
            return Err(unsupported(format!(
                "{op} in ai.onnx.ml opset {v}: mibwatch reads TreeEnsembleClassifier in opsets 1 to 4 and TreeEnsemble in opset 5."
            )));
        }
    }
    check_known_broken(model, nodes)?;

    // Back from the ensemble to a graph input, through Cast and Identity.
    let producer = |value: &str| {
        nodes
            .iter()
            .position(|n| n.output.iter().any(|o| o == value))
    };
    let mut value =
        node.input.first().cloned().ok_or_else(|| {
            OnnxError::Invalid(format!("the {} node has no input.", node.op_type))
        })?;
    let mut before = Vec::new();
    let mut cast_types = Vec::new();
    while let Some(p) = producer(&value) {
        if before.contains(&p) || before.len() > nodes.len() {
            return Err(OnnxError::Invalid("the graph has a cycle.".into()));
        }
        let n = &nodes[p];
        match n.op_type.as_str() {
            "Identity" if is_default_domain(&n.domain) => {}
            "Cast" if is_default_domain(&n.domain) => {
                let to = cast_to(n)?;
                if to != data_type::FLOAT && to != data_type::DOUBLE {
                    return Err(unsupported(format!(
                        "the input is cast to {} before the ensemble; mibwatch feeds real numbers.",
                        data_type::name(to)
                    )));
                }
                cast_types.push(to);
            }
            _ => {
                return Err(unsupported(format!(
                    "the operator {} stands between the input and the ensemble.",
                    op_name(n)
                )));
            }
        }
        before.push(p);
        value = n.input.first().cloned().unwrap_or_default();
    }
    let input = graph
        .input
        .iter()
        .find(|i| i.name == value)
        .ok_or_else(|| {
            OnnxError::Invalid(format!(
                "the ensemble reads {value:?}, which is no graph input."
            ))
        })?;
    let tensor = input
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .ok_or_else(|| unsupported(format!("the input {} is not a tensor.", input.name)))?;
    if tensor.elem_type != data_type::FLOAT && tensor.elem_type != data_type::DOUBLE {
        return Err(unsupported(format!(
            "the input {} holds {} values; mibwatch feeds float or double.",
            input.name,
            data_type::name(tensor.elem_type)
        )));
    }
    let dims = tensor.shape.as_ref().map(|s| &s.dim[..]).unwrap_or(&[]);
    let input_width = match dims {
        [_, w] => w
            .fixed()
            .and_then(|w| usize::try_from(w).ok())
            .filter(|&w| w > 0),
        _ => None,
    };
    // Cast nodes were collected from the ensemble backwards.
    let ensemble_input_type = cast_types.first().copied().unwrap_or(tensor.elem_type);
    let input_f32 = tensor.elem_type == data_type::FLOAT || cast_types.contains(&data_type::FLOAT);

    // After the ensemble: presentation only.
    let mut derived: HashSet<&str> = node.output.iter().map(|s| s.as_str()).collect();
    let scores = if node.op_type == "TreeEnsemble" { 0 } else { 1 };
    let mut scores_path: HashSet<&str> = node
        .output
        .get(scores)
        .map(|s| s.as_str())
        .into_iter()
        .collect();
    let mut after = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if i == ensemble || before.contains(&i) {
            continue;
        }
        let reads_scores = n.input.iter().any(|x| scores_path.contains(x.as_str()));
        let fed = n.input.iter().any(|x| derived.contains(x.as_str()));
        let allowed = match (n.op_type.as_str(), n.domain.as_str()) {
            ("Identity" | "ArgMax", d) if is_default_domain(d) => true,
            ("ZipMap", ML_DOMAIN) => true,
            ("Cast", d) if is_default_domain(d) => {
                let to = cast_to(n)?;
                if reads_scores && to != data_type::FLOAT && to != data_type::DOUBLE {
                    return Err(unsupported(format!(
                        "the probabilities are cast to {} after the ensemble.",
                        data_type::name(to)
                    )));
                }
                true
            }
            ("Mul", d) if is_default_domain(d) => {
                n.input.len() == 2 && n.input.iter().any(|x| is_one(graph, x))
            }
            _ => false,
        };
        if !allowed {
            return Err(unsupported(format!(
                "the operator {} is in the graph; mibwatch runs the tree ensemble with Cast, Identity, ZipMap, ArgMax or a Mul by 1 around it.",
                op_name(n)
            )));
        }
        if !fed {
            return Err(unsupported(format!(
                "the operator {} does not work on the ensemble's output.",
                op_name(n)
            )));
        }
        for o in &n.output {
            derived.insert(o);
            if reads_scores && n.op_type != "ArgMax" && n.op_type != "ZipMap" {
                scores_path.insert(o);
            }
        }
        after.push(i);
    }
    let mut around: Vec<usize> = before.into_iter().rev().collect();
    around.extend(after);
    Ok(Surround {
        ensemble,
        ml_opset,
        input_name: input.name.clone(),
        input_width,
        ensemble_input_type,
        input_f32,
        around: around.iter().map(|&i| op_name(&nodes[i])).collect(),
    })
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Layouts a converter is known to get wrong, when the graph shows them.
fn check_known_broken(model: &ModelProto, nodes: &[NodeProto]) -> Result<(), OnnxError> {
    let has = |op: &str| nodes.iter().any(|n| n.op_type == op);
    // onnxmltools 1.16 converts LightGBM's random-forest mode (boosting="rf")
    // by taking column 1 of the scores, dividing it by a constant and
    // building [1 - p, p]: wrong for two classes, and two columns for more.
    if model.producer_name.eq_ignore_ascii_case("OnnxMLTools")
        && has("ArrayFeatureExtractor")
        && has("Div")
        && has("Sub")
        && has("Concat")
    {
        return Err(OnnxError::Broken(format!(
            "it looks like a LightGBM random forest (boosting=\"rf\") converted by onnxmltools {}: the converter rescales the scores after the ensemble (ArrayFeatureExtractor, Div, Sub, Concat) and the probabilities do not match LightGBM's. Train with boosting=\"gbdt\", or export the forest another way.",
            model.producer_version
        )));
    }
    Ok(())
}
