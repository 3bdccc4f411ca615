//! A model's feature computation as standard ONNX operators, so that an
//! export can take the per-second rates themselves (`mibwatch export
//! --with-features`) instead of feature rows.
//!
//! The formulas come from the plan's own description of each feature
//! ([`FeaturePlan::describe`], the text of the export's
//! `mibwatch.feature_notes`), read back by [`formulas`]; a test checks that
//! they give [`FeaturePlan::derive`]'s values bit for bit. The nodes follow
//! `derive` step by step, in double: `Gather` one column per input, sums
//! `Add`ed left to right, a ratio `Where(d > 0, n / d, 0)`, a log ratio
//! `Log((1 + Max(n, 0)) / (1 + Max(d, 0)))`, a non-finite result 0
//! (`v - v == 0` holds exactly for finite `v`), then one `Concat`. ONNX
//! Runtime's `Log` need not round as Rust's `ln` does: measured, not assumed
//! (README "Beyond one machine").

use std::collections::BTreeMap;

use super::OnnxError;
use super::export::{INPUT_NAME, tensor_value};
use super::proto::{
    AttributeProto, DimensionValue, ModelProto, NodeProto, StringStringEntryProto, TensorProto,
    ValueInfoProto, data_type,
};
use crate::features::FeaturePlan;

/// Name of the input of an export that computes its features: the rates.
pub const RATES_NAME: &str = "rates";
/// Metadata key listing that input's columns (a JSON array of input names).
pub const INPUTS_KEY: &str = "mibwatch.inputs";

/// One feature over the input columns (indices into the inputs).
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    Input(usize),
    /// sum(num) / sum(den), 0 unless the denominator is above 0.
    Ratio(Vec<usize>, Vec<usize>),
    /// ln((1 + max(sum(num), 0)) / (1 + max(sum(den), 0))).
    LogRatio(Vec<usize>, Vec<usize>),
}

impl Formula {
    /// The feature's value on one input row, as the formula says (the
    /// documented rules included: a non-finite result is 0).
    pub fn eval(&self, row: &[f64]) -> f64 {
        let sum = |c: &[usize]| c.iter().map(|&i| row[i]).sum::<f64>();
        let v = match self {
            Formula::Input(i) => return row[*i],
            Formula::Ratio(n, d) => {
                let d = sum(d);
                if d > 0.0 { sum(n) / d } else { 0.0 }
            }
            Formula::LogRatio(n, d) => ((1.0 + sum(n).max(0.0)) / (1.0 + sum(d).max(0.0))).ln(),
        };
        if v.is_finite() { v } else { 0.0 }
    }
}

/// Each feature of `plan` as a [`Formula`] over `inputs`, read from its
/// description; an error names a feature whose description is not a formula
/// this module knows.
pub fn formulas(plan: &FeaturePlan, inputs: &[String]) -> Result<Vec<Formula>, OnnxError> {
    let column = |name: &str| inputs.iter().position(|c| c.eq_ignore_ascii_case(name));
    let unknown = |name: &str, text: &str| {
        OnnxError::Export(format!(
            "the feature {name} (\"{text}\") cannot be written as ONNX operators."
        ))
    };
    plan.names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            if let Some(i) = column(name) {
                return Ok(Formula::Input(i));
            }
            let text = plan.describe(j);
            let terms = |s: &str| -> Option<Vec<usize>> {
                let s = s
                    .strip_prefix('(')
                    .and_then(|s| s.strip_suffix(')'))
                    .unwrap_or(s);
                s.split(" + ").map(column).collect()
            };
            let parsed = if let Some(rest) = text.strip_prefix("ln((1 + ") {
                rest.strip_suffix("))")
                    .and_then(|r| r.split_once(") / (1 + "))
                    .and_then(|(n, d)| Some(Formula::LogRatio(terms(n)?, terms(d)?)))
            } else {
                text.strip_suffix(", 0 when the denominator is 0")
                    .and_then(|r| r.split_once(" / "))
                    .and_then(|(n, d)| Some(Formula::Ratio(terms(n)?, terms(d)?)))
            };
            parsed.ok_or_else(|| unknown(name, &text))
        })
        .collect()
}

/// Builds the nodes, naming each intermediate value uniquely.
struct Builder {
    input: String,
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    columns: BTreeMap<usize, String>,
    next: usize,
}

impl Builder {
    fn node(&mut self, op: &str, inputs: &[&str], attribute: Vec<AttributeProto>) -> String {
        let out = format!("f{}_{}", self.next, op.to_ascii_lowercase());
        self.next += 1;
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: out.clone(),
            op_type: op.into(),
            domain: String::new(),
            attribute,
            doc_string: String::new(),
        });
        out
    }

    /// Input column `i` as an [N, 1] value.
    fn column(&mut self, i: usize) -> String {
        if let Some(c) = self.columns.get(&i) {
            return c.clone();
        }
        let index = format!("col{i}_index");
        self.initializers.push(TensorProto {
            dims: vec![1],
            data_type: data_type::INT64,
            int64_data: vec![i as i64],
            name: index.clone(),
            ..Default::default()
        });
        let input = self.input.clone();
        let c = self.node(
            "Gather",
            &[&input, &index],
            vec![AttributeProto::int("axis", 1)],
        );
        self.columns.insert(i, c.clone());
        c
    }

    /// The columns added left to right.
    fn sum(&mut self, cols: &[usize]) -> String {
        let mut s = self.column(cols[0]);
        for &i in &cols[1..] {
            let c = self.column(i);
            s = self.node("Add", &[&s, &c], vec![]);
        }
        s
    }

    fn formula(&mut self, f: &Formula) -> String {
        let v = match f {
            Formula::Input(i) => return self.column(*i),
            Formula::Ratio(n, d) => {
                let (n, d) = (self.sum(n), self.sum(d));
                let positive = self.node("Greater", &[&d, ZERO], vec![]);
                let q = self.node("Div", &[&n, &d], vec![]);
                self.node("Where", &[&positive, &q, ZERO], vec![])
            }
            Formula::LogRatio(n, d) => {
                let mut side = |cols: &[usize]| {
                    let s = self.sum(cols);
                    let m = self.node("Max", &[&s, ZERO], vec![]);
                    self.node("Add", &[ONE, &m], vec![])
                };
                let (n, d) = (side(n), side(d));
                let q = self.node("Div", &[&n, &d], vec![]);
                self.node("Log", &[&q], vec![])
            }
        };
        let zero_if_finite = self.node("Sub", &[&v, &v], vec![]);
        let finite = self.node("Equal", &[&zero_if_finite, ZERO], vec![]);
        self.node("Where", &[&finite, &v, ZERO], vec![])
    }
}

const ZERO: &str = "feature_zero";
const ONE: &str = "feature_one";

/// The nodes (and their initializers) computing `formulas` from the graph
/// value `input` (double, [N, inputs]) into `output` (double, [N, features]).
pub fn feature_nodes(
    formulas: &[Formula],
    input: &str,
    output: &str,
) -> (Vec<NodeProto>, Vec<TensorProto>) {
    let scalar = |name: &str, v: f64| TensorProto {
        dims: vec![],
        data_type: data_type::DOUBLE,
        double_data: vec![v],
        name: name.into(),
        ..Default::default()
    };
    let mut b = Builder {
        input: input.into(),
        nodes: Vec::new(),
        initializers: vec![scalar(ZERO, 0.0), scalar(ONE, 1.0)],
        columns: BTreeMap::new(),
        next: 0,
    };
    let parts: Vec<String> = formulas.iter().map(|f| b.formula(f)).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    b.nodes.push(NodeProto {
        input: refs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        name: "features".into(),
        op_type: "Concat".into(),
        domain: String::new(),
        attribute: vec![AttributeProto::int("axis", 1)],
        doc_string: "mibwatch's features, in the order of mibwatch.features".into(),
    });
    (b.nodes, b.initializers)
}

/// Turn an export (input `features`) into one that takes the model's
/// `inputs` (input `rates`, double, [N, inputs]; `notes` say what each is)
/// and computes the features with `formulas` first.
pub fn take_rates(
    model: &mut ModelProto,
    formulas: &[Formula],
    inputs: &[String],
    notes: &[String],
) -> Result<(), OnnxError> {
    let graph = model
        .graph
        .as_mut()
        .ok_or_else(|| OnnxError::Export("the export has no graph.".into()))?;
    let (mut nodes, initializers) = feature_nodes(formulas, RATES_NAME, INPUT_NAME);
    nodes.append(&mut graph.node);
    graph.node = nodes;
    graph.initializer.extend(initializers);
    let listing: Vec<String> = notes
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{i}: {n}"))
        .collect();
    graph.input = vec![ValueInfoProto {
        name: RATES_NAME.into(),
        r#type: tensor_value(
            data_type::DOUBLE,
            vec![
                DimensionValue::DimParam("N".into()),
                DimensionValue::DimValue(inputs.len() as i64),
            ],
        ),
        doc_string: format!(
            "One row per poll interval, {} inputs in this order (double; the model computes its features from them):\n{}",
            inputs.len(),
            listing.join("\n")
        ),
        metadata_props: vec![],
    }];
    model.metadata_props.push(StringStringEntryProto {
        key: INPUTS_KEY.into(),
        value: serde_json::to_string(inputs).unwrap_or_default(),
    });
    model.doc_string.push_str(&format!(
        " This file takes the inputs themselves (input `{RATES_NAME}`, in the order of the metadata key {INPUTS_KEY}) and computes the features with ONNX operators."
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::FeatureSet;
    use crate::schema::MIB_VARS;

    fn inputs() -> Vec<String> {
        MIB_VARS.iter().map(|v| v.name.to_string()).collect()
    }

    /// Read back from the descriptions, the formulas give every feature of
    /// every feature set bit for bit, edge cases included.
    #[test]
    fn formulas_from_the_descriptions_give_the_features() {
        let inputs = inputs();
        let n = inputs.len();
        let rows: Vec<Vec<f64>> = vec![
            (0..n)
                .map(|i| 1.5 + (i * 37 % 11) as f64 * 123.25)
                .collect(),
            vec![0.0; n],
            (0..n)
                .map(|i| if i % 3 == 0 { -2.5 } else { 7.0 })
                .collect(),
            (0..n)
                .map(|i| if i % 2 == 0 { 1e300 } else { 1e-300 })
                .collect(),
            (0..n)
                .map(|i| if i % 5 == 0 { f64::NAN } else { 3.0 })
                .collect(),
        ];
        for set in FeatureSet::ALL {
            let plan = set.plan(&inputs).unwrap();
            let f = formulas(&plan, &inputs).unwrap();
            assert_eq!(f.len(), plan.n_features());
            for row in &rows {
                let want = plan.derive(row);
                for (j, formula) in f.iter().enumerate() {
                    let got = formula.eval(row);
                    assert!(
                        got.to_bits() == want[j].to_bits() || (got.is_nan() && want[j].is_nan()),
                        "{set:?} {}: {got} vs {}",
                        plan.names[j],
                        want[j]
                    );
                }
            }
        }
    }

    #[test]
    fn nodes_read_each_column_once_and_concat_every_feature() {
        let inputs = inputs();
        let plan = FeatureSet::IfIpMix.plan(&inputs).unwrap();
        let f = formulas(&plan, &inputs).unwrap();
        let (nodes, init) = feature_nodes(&f, "rates", "features");
        let gathers = nodes.iter().filter(|n| n.op_type == "Gather").count();
        let used = (0..inputs.len()).filter(|&i| plan.uses_input(i)).count();
        assert_eq!(gathers, used);
        assert_eq!(init.len(), 2 + used);
        let last = nodes.last().unwrap();
        assert_eq!(last.op_type, "Concat");
        assert_eq!(last.input.len(), plan.n_features());
        assert_eq!(last.output, vec!["features".to_string()]);
        // Every value is produced before it is read, and only once.
        let mut known: Vec<String> = init.iter().map(|t| t.name.clone()).collect();
        known.push("rates".into());
        for n in &nodes {
            assert!(n.input.iter().all(|i| known.contains(i)), "{n:?}");
            assert!(!known.contains(&n.output[0]));
            known.push(n.output[0].clone());
        }
        let ops: std::collections::BTreeSet<&str> =
            nodes.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(
            ops.into_iter().collect::<Vec<_>>(),
            [
                "Add", "Concat", "Div", "Equal", "Gather", "Greater", "Log", "Max", "Sub", "Where"
            ]
        );
        // A description that is no formula is refused by name.
        let odd = FeaturePlan::named(&inputs, &["tcpInSegs".into()]).unwrap();
        assert!(formulas(&odd, &[]).is_err());
    }
}
