//! Models to and from ONNX. Out: a mibwatch forest as an ONNX tree
//! ensemble, each feature documented (what a Spark job must compute).
//! In: a model around a tree ensemble trained elsewhere (scikit-learn, LightGBM,
//! XGBoost, Spark MLlib) and read from ONNX: the ensemble names the class;
//! what mibwatch needs beside it (the inputs, their statistics, the guard's
//! ranges, typical rows) comes from a sample of the same traffic, and the
//! model says so. The ensemble's input columns are mapped to mibwatch's
//! features by the names the file gives, else by order onto the standard
//! feature set of that width, else as the caller names them.

use std::fmt;

use prost::Message;
use sha2::{Digest, Sha256};

use super::{Classifier, Model};
use crate::baseline::{Baseline, BaselineError, BaselineOptions};
use crate::capture::{self, Capture, CaptureError};
use crate::features::{FEATURE_VERSION, FeatureError, FeaturePlan, FeatureSet};
use crate::guard::Guard;
use crate::ingest::Table;
use crate::onnx::proto::ModelProto;
use crate::onnx::{self, Imported, OnnxError};
use crate::schema::{self, MIB_VARS};
use crate::train::fit::{class_medoids, feature_stats};

/// Fewest sample rows an imported model's ranges are taken from.
pub const MIN_SAMPLE_ROWS: usize = 10;

/// How far outputs may stray from [0, 1] and their sum from 1 and still be
/// probabilities: float ensembles (Spark, scikit-learn) sum their trees'
/// weights in f32, so a row every tree gives to one class can come out at
/// 1.0000001, in ONNX Runtime as in mibwatch.
pub const PROBABILITY_SLACK: f64 = 1e-5;

/// How to build a model around an ONNX file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportOptions {
    /// How the sample's rows were captured.
    pub capture: Capture,
    /// The features the ensemble reads, in order; `None`: the names the
    /// file gives, else the standard feature set as wide as its input.
    pub features: Option<Vec<String>>,
    /// The classes' names in the file's order; `None`: the file's labels.
    pub classes: Option<Vec<String>>,
}

/// How the ensemble's columns were matched to features.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub features: Vec<String>,
    /// In words: named in the file, given, or by order onto a set.
    pub how: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    Onnx(OnnxError),
    Capture(CaptureError),
    Features(FeatureError),
    /// The ensemble's columns cannot be matched to features.
    Mapping(String),
    /// The sample has too few rows, or misses inputs the features need.
    Sample(String),
    /// The ensemble's outputs are not class probabilities.
    NotProbabilities {
        row: usize,
        sum: f64,
        min: f64,
        max: f64,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Onnx(e) => e.fmt(f),
            ImportError::Capture(e) => e.fmt(f),
            ImportError::Features(e) => e.fmt(f),
            ImportError::Mapping(m) | ImportError::Sample(m) => f.write_str(m),
            ImportError::NotProbabilities { row, sum, min, max } => write!(
                f,
                "the ensemble's outputs are scores, not class probabilities (on sample row {row} they go from {min:.4} to {max:.4} and sum to {sum:.4}); mibwatch needs probabilities to say how likely an attack is."
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// The sample's schema inputs, in the schema's order.
fn schema_inputs(t: &Table) -> Vec<String> {
    MIB_VARS
        .iter()
        .filter(|v| t.column_index(v.name).is_some())
        .map(|v| v.name.to_string())
        .collect()
}

/// Read a sample of the traffic an imported model will score (a CSV of MIB
/// inputs, labelled or not; text columns pass through): the rows its ranges,
/// medians and baseline come from. Page and CLI read it here alike.
pub fn read_sample(
    bytes: &[u8],
    file: &str,
    label: &str,
) -> Result<Table, crate::ingest::IngestError> {
    let head = crate::ingest::preview(crate::columns::head(bytes, 1000), file, 0)?;
    crate::ingest::read_csv(
        bytes,
        &crate::ingest::IngestOptions {
            require_label: false,
            label_column: label.to_string(),
            columns: Some(crate::columns::numeric_columns(&head, label)),
            keep_text: true,
            ..crate::ingest::IngestOptions::labelled(file)
        },
    )
}

/// What the export's doc string says about mix features beyond each one's
/// formula in `mibwatch.feature_notes`: the edge cases of
/// [`crate::features::FeaturePlan::derive`].
pub const MIX_RULES: &str = "Mix features (formulas over the inputs in mibwatch.feature_notes): a ratio whose denominator is not above 0 is 0; in ln((1 + a) / (1 + b)) a sum below 0 counts as 0; a feature that comes out NaN or infinite is 0.";

/// Match the ensemble's `n` columns to features of `inputs`.
pub fn mapping(
    imported: &Imported,
    inputs: &[String],
    given: Option<&[String]>,
) -> Result<Mapping, ImportError> {
    let n = imported.ensemble.n_features;
    let (features, how) = match (given, &imported.feature_names) {
        (Some(g), _) => (g.to_vec(), "as given".to_string()),
        (None, Some(names)) => (names.clone(), "by the names the file gives".to_string()),
        (None, None) => {
            let set = FeatureSet::ALL
                .into_iter()
                .find(|s| s.plan(inputs).is_ok_and(|p| p.n_features() == n))
                .ok_or_else(|| {
                    ImportError::Mapping(format!(
                        "the ONNX file does not name its {n} input columns and no feature set of mibwatch has {n} features over the sample's inputs; name them in order (inputs such as ipInReceives, or features such as bytesPerPktIn)."
                    ))
                })?;
            let plan = set.plan(inputs).map_err(ImportError::Features)?;
            (
                plan.names,
                format!("by order, as the \"{}\" feature set", set.name()),
            )
        }
    };
    if features.len() != n {
        return Err(ImportError::Mapping(format!(
            "the ensemble reads {n} columns but {} feature names were given.",
            features.len()
        )));
    }
    Ok(Mapping { features, how })
}

/// The model's forest as ONNX (ml opset 3 `TreeEnsembleClassifier`, double
/// input `features`, float `probabilities`), every feature documented: an
/// input's description and unit, or a mix feature's formula over the inputs.
pub fn to_onnx(model: &Model) -> Result<Vec<u8>, OnnxError> {
    Ok(onnx_proto(model)?.encode_to_vec())
}

/// [`to_onnx`], the features computed inside the file: its input is the
/// model's inputs (`rates`, double, [N, inputs]), its features are ONNX
/// operators ([`onnx::features_graph`]). mibwatch's own import takes only
/// the plain export (it runs tree ensembles, not these operators).
pub fn to_onnx_with_features(model: &Model) -> Result<Vec<u8>, OnnxError> {
    let mut proto = onnx_proto(model)?;
    let formulas = onnx::features_graph::formulas(model.plan(), &model.inputs)?;
    let notes: Vec<String> = model
        .inputs
        .iter()
        .map(|i| onnx::export::feature_note(i))
        .collect();
    onnx::features_graph::take_rates(&mut proto, &formulas, &model.inputs, &notes)?;
    Ok(proto.encode_to_vec())
}

fn onnx_proto(model: &Model) -> Result<ModelProto, OnnxError> {
    let forest = model.forest().ok_or_else(|| {
        OnnxError::Export(
            "this model has no mibwatch forest to export (an imported model's ONNX file is its original).".into(),
        )
    })?;
    let plan = model.plan();
    let notes: Vec<String> = (0..plan.n_features())
        .map(|j| format!("{}: {}", plan.names[j], plan.describe(j)))
        .collect();
    let doc = format!(
        "mibwatch model: {}. Input `features`: one row of {} doubles per poll, in the order of the metadata key mibwatch.features, computed from per-second rates of SNMP counters between two polls of one entity (gauges as polled); see mibwatch.feature_notes. {MIX_RULES}",
        model.source,
        plan.n_features()
    );
    onnx::export::export_proto(forest, &plan.names, &notes, &model.classes, &doc)
}

/// A model around the ONNX file `bytes` (named `file`), with its inputs'
/// statistics and ranges from `sample` (named in the model's source).
pub fn from_onnx(
    bytes: &[u8],
    file: &str,
    sample: &Table,
    opts: &ImportOptions,
) -> Result<(Model, Mapping), ImportError> {
    let imported = onnx::import(bytes).map_err(ImportError::Onnx)?;
    let captured = capture::capture(sample, &opts.capture).map_err(ImportError::Capture)?;
    let sessions = captured.sessions;
    let t = captured.table;
    if t.n_rows() < MIN_SAMPLE_ROWS {
        return Err(ImportError::Sample(format!(
            "{}: {} rows of traffic; at least {MIN_SAMPLE_ROWS} are needed for the model's ranges.",
            t.file_name,
            t.n_rows()
        )));
    }
    let inputs = schema_inputs(&t);
    let map = mapping(&imported, &inputs, opts.features.as_deref())?;
    let plan = FeaturePlan::named(&inputs, &map.features).map_err(|e| {
        ImportError::Sample(format!(
            "{}: {e} (the sample has these inputs: {})",
            t.file_name,
            inputs.join(", ")
        ))
    })?;
    let n_in = inputs.len();
    let mut rows = Vec::with_capacity(t.n_rows() * n_in);
    let idx: Vec<usize> = inputs.iter().filter_map(|c| t.column_index(c)).collect();
    for r in 0..t.n_rows() {
        rows.extend(idx.iter().map(|&j| t.row(r)[j]));
    }
    let x = plan.derive_all(&rows);
    let f = plan.n_features();
    let classes = match &opts.classes {
        Some(c) if c.len() != imported.classes.len() => {
            return Err(ImportError::Mapping(format!(
                "the ensemble has {} classes but {} names were given.",
                imported.classes.len(),
                c.len()
            )));
        }
        Some(c) => c.clone(),
        None => imported.classes.clone(),
    };
    let ensemble = imported.ensemble;
    for (r, row) in x.chunks_exact(f).enumerate() {
        let p = ensemble.predict_proba(row);
        let sum: f64 = p.iter().sum();
        let min = p.iter().copied().fold(f64::INFINITY, f64::min);
        let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !((sum - 1.0).abs() <= PROBABILITY_SLACK
            && min >= -PROBABILITY_SLACK
            && max <= 1.0 + PROBABILITY_SLACK)
        {
            return Err(ImportError::NotProbabilities {
                row: t.row_numbers[r],
                sum,
                min,
                max,
            });
        }
    }
    // Typical rows per class, when the sample's labels name the classes.
    let examples = t
        .labels
        .as_ref()
        .and_then(|labels| {
            let y: Option<Vec<u32>> = labels
                .iter()
                .map(|l| classes.iter().position(|c| c == l).map(|i| i as u32))
                .collect();
            y.filter(|y| (0..classes.len() as u32).all(|c| y.contains(&c)))
        })
        .map_or_else(Vec::new, |y| class_medoids(&rows, n_in, &y, classes.len()));
    // A baseline of normal traffic from the sample's normal sessions, when
    // its labels say which they are.
    let baseline = match &t.labels {
        Some(labels)
            if labels
                .iter()
                .any(|l| l.eq_ignore_ascii_case(schema::NORMAL_CLASS)) =>
        {
            let normal: Vec<std::ops::Range<usize>> = sessions
                .iter()
                .filter(|s| labels[s.start].eq_ignore_ascii_case(schema::NORMAL_CLASS))
                .cloned()
                .collect();
            let (x, groups) = crate::baseline::gather_rows(&rows, n_in, &normal);
            match Baseline::fit(&x, &inputs, &groups, &BaselineOptions::default()) {
                Ok(b) => Some(b),
                // Too few normal rows for a baseline: the model has none.
                Err(BaselineError::TooFewRows { .. }) => None,
                Err(e) => {
                    return Err(ImportError::Sample(format!(
                        "{}: the baseline of normal traffic: {e}",
                        t.file_name
                    )));
                }
            }
        }
        _ => None,
    };
    let mut hash = Sha256::new();
    hash.update(bytes);
    for v in &rows {
        hash.update(v.to_le_bytes());
    }
    let mut model = Model {
        source: format!(
            "{file}: {} Features mapped {}. Input ranges, medians and the guard{} from {} ({} rows of the same traffic).",
            imported.description,
            map.how,
            if baseline.is_some() {
                ", and the baseline of normal traffic from its normal rows,"
            } else {
                ""
            },
            t.file_name,
            t.n_rows()
        ),
        input_kinds: inputs.iter().map(|c| schema::kind_of(c)).collect(),
        input_stats: feature_stats(&rows, n_in),
        feature_set: FeatureSet::Named,
        feature_version: FEATURE_VERSION,
        features: plan.names.clone(),
        feature_stats: feature_stats(&x, f),
        guard: Guard::fit(&x, f),
        classes,
        classifier: Some(Classifier::Imported {
            description: format!(
                "tree ensemble from {} {} ({} trees)",
                imported.producer_name,
                imported.producer_version,
                ensemble.trees.len()
            ),
            ensemble,
        }),
        baseline,
        examples,
        report: None,
        data_hash: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        inputs,
        plan: None,
    };
    super::format::check_consistent(&mut model).map_err(ImportError::Mapping)?;
    Ok((model, map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::testdata::small_model;

    /// Three classes, `n` one-leaf trees giving `weight` (float) to the
    /// first, summed: an ONNX file as skl2onnx or onnxmltools write one.
    fn float_leaves(n: usize, weight: f32) -> Vec<u8> {
        use crate::onnx::proto::*;
        use prost::Message;
        let ids: Vec<i64> = (0..n as i64).collect();
        let attr = vec![
            AttributeProto::ints("nodes_treeids", ids.clone()),
            AttributeProto::ints("nodes_nodeids", vec![0; n]),
            AttributeProto::ints("nodes_featureids", vec![0; n]),
            AttributeProto::strings("nodes_modes", vec![b"LEAF".to_vec(); n]),
            AttributeProto::floats("nodes_values", vec![0.0; n]),
            AttributeProto::ints("nodes_truenodeids", vec![0; n]),
            AttributeProto::ints("nodes_falsenodeids", vec![0; n]),
            AttributeProto::ints("class_treeids", ids),
            AttributeProto::ints("class_nodeids", vec![0; n]),
            AttributeProto::ints("class_ids", vec![0; n]),
            AttributeProto::floats("class_weights", vec![weight; n]),
            AttributeProto::ints("classlabels_int64s", vec![0, 1, 2]),
            AttributeProto::string("post_transform", "NONE"),
        ];
        let tensor = |elem: i32, dims: &[i64]| ValueInfoProto {
            name: String::new(),
            r#type: Some(TypeProto {
                tensor_type: Some(TypeTensor {
                    elem_type: elem,
                    shape: Some(TensorShapeProto {
                        dim: dims
                            .iter()
                            .map(|&d| Dimension {
                                value: Some(if d < 0 {
                                    DimensionValue::DimParam("N".into())
                                } else {
                                    DimensionValue::DimValue(d)
                                }),
                                denotation: String::new(),
                            })
                            .collect(),
                    }),
                }),
                denotation: String::new(),
            }),
            doc_string: String::new(),
            metadata_props: vec![],
        };
        let named = |name: &str, v: ValueInfoProto| ValueInfoProto {
            name: name.into(),
            ..v
        };
        ModelProto {
            ir_version: 8,
            opset_import: vec![
                OperatorSetIdProto {
                    domain: String::new(),
                    version: 15,
                },
                OperatorSetIdProto {
                    domain: "ai.onnx.ml".into(),
                    version: 1,
                },
            ],
            graph: Some(GraphProto {
                node: vec![NodeProto {
                    input: vec!["x".into()],
                    output: vec!["label".into(), "p".into()],
                    name: "forest".into(),
                    op_type: "TreeEnsembleClassifier".into(),
                    domain: "ai.onnx.ml".into(),
                    attribute: attr,
                    doc_string: String::new(),
                }],
                name: "g".into(),
                input: vec![named("x", tensor(data_type::FLOAT, &[-1, 1]))],
                output: vec![
                    named("label", tensor(data_type::INT64, &[-1])),
                    named("p", tensor(data_type::FLOAT, &[-1, 3])),
                ],
                ..GraphProto::default()
            }),
            ..ModelProto::default()
        }
        .encode_to_vec()
    }

    /// A float forest whose trees all give a row to one class sums to
    /// 1.0000001 (ONNX Runtime 1.32 on one thread writes the same for a
    /// Spark forest, measured by scripts/spark-recipe.sh): still
    /// probabilities. Scores are refused.
    #[test]
    fn float_sums_a_little_over_one_are_probabilities() {
        let mut csv = "tcpInSegs\n".to_string();
        for i in 0..12 {
            csv += &format!("{i}\n");
        }
        let t = read_csv(
            csv.as_bytes(),
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled("sample.csv")
            },
        )
        .unwrap();
        let opts = ImportOptions {
            features: Some(vec!["tcpInSegs".into()]),
            ..ImportOptions::default()
        };
        assert_eq!((0..10).fold(0.0f32, |s, _| s + 0.1f32), 1.000_000_1);
        let (m, _) = from_onnx(&float_leaves(10, 0.1), "f.onnx", &t, &opts).unwrap();
        assert_eq!(
            m.predict(&[3.0]).probabilities,
            vec![1.000_000_1f32 as f64, 0.0, 0.0]
        );
        let e = from_onnx(&float_leaves(10, 0.3), "f.onnx", &t, &opts).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the ensemble's outputs are scores, not class probabilities (on sample row 2 they go from 0.0000 to 3.0000 and sum to 3.0000); mibwatch needs probabilities to say how likely an attack is."
        );
    }

    /// The default model with its features inside the file: the rates go
    /// in, the export's forest follows; mibwatch's importer refuses the
    /// operators before the ensemble by name (ONNX Runtime runs them:
    /// scripts/spark_recipe.py measures it).
    #[test]
    fn an_export_with_features_takes_the_rates() {
        let m = crate::model::decode(include_bytes!("../../../../models/default.mwm")).unwrap();
        let plain = ModelProto::decode(&to_onnx(&m).unwrap()[..]).unwrap();
        let with = ModelProto::decode(&to_onnx_with_features(&m).unwrap()[..]).unwrap();
        let (pg, wg) = (plain.graph.unwrap(), with.graph.unwrap());
        assert_eq!(wg.input.len(), 1);
        assert_eq!(wg.input[0].name, "rates");
        assert!(wg.input[0].doc_string.contains("33: icmpOutEchoReps: "));
        assert_eq!(wg.node.last(), pg.node.last(), "the same ensemble");
        assert_eq!(wg.output, pg.output);
        let inputs = with
            .metadata_props
            .iter()
            .find(|p| p.key == onnx::features_graph::INPUTS_KEY)
            .unwrap();
        assert_eq!(inputs.value, serde_json::to_string(&m.inputs).unwrap());
        assert!(with.doc_string.contains(MIX_RULES));
        let e = onnx::import(&to_onnx_with_features(&m).unwrap()).unwrap_err();
        assert!(
            e.to_string()
                .contains("Concat stands between the input and the ensemble"),
            "{e}"
        );
        // A model without a forest has nothing to export.
        let mut none = m.clone();
        none.classifier = None;
        assert!(to_onnx_with_features(&none).is_err());
    }

    /// A model of ours, exported to ONNX and imported back with a sample.
    #[test]
    fn an_exported_forest_comes_back_as_an_imported_model() {
        let m = small_model();
        let forest = m.forest().unwrap();
        let bytes = onnx::export(forest, &m.features, &m.classes, "test").unwrap();
        let mut csv = m.inputs.join(",") + ",class\n";
        for (c, ex) in m.examples.iter().enumerate() {
            for k in 0..5 {
                let row: Vec<String> = ex.iter().map(|v| (v + k as f64).to_string()).collect();
                csv += &format!("{},{}\n", row.join(","), m.classes[c]);
            }
        }
        let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("sample.csv")).unwrap();
        let (imp, map) = from_onnx(&bytes, "m.onnx", &t, &ImportOptions::default()).unwrap();
        assert_eq!(map.how, "by the names the file gives");
        assert_eq!(imp.features, m.features);
        assert_eq!(imp.classes, m.classes);
        assert!(imp.report.is_none());
        assert!(imp.source.contains("sample.csv (15 rows"), "{}", imp.source);
        assert_eq!(imp.examples.len(), 3);
        // The same predictions as the model it came from.
        let order: Vec<usize> = imp
            .inputs
            .iter()
            .map(|c| m.inputs.iter().position(|i| i == c).unwrap())
            .collect();
        for ex in &m.examples {
            let row: Vec<f64> = order.iter().map(|&i| ex[i]).collect();
            assert_eq!(imp.predict(&row).class, m.predict(ex).class);
        }
        // Exported again, the features carry their formulas.
        assert!(to_onnx(&imp).is_err(), "an imported model has no forest");
        let exported = to_onnx(&m).unwrap();
        let doc = <crate::onnx::proto::ModelProto as prost::Message>::decode(&exported[..])
            .unwrap()
            .doc_string;
        assert!(doc.ends_with(MIX_RULES), "{doc}");
        // It round-trips through the model file.
        let back = crate::model::decode(&crate::model::encode(&imp).unwrap()).unwrap();
        assert_eq!(back, imp);
        // Wrong counts are refused with a message.
        let e = from_onnx(
            &bytes,
            "m.onnx",
            &t,
            &ImportOptions {
                classes: Some(vec!["a".into()]),
                ..ImportOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the ensemble has 3 classes but 1 names were given."
        );
        let e = from_onnx(
            &bytes,
            "m.onnx",
            &t,
            &ImportOptions {
                features: Some(vec!["tcpInSegs".into()]),
                ..ImportOptions::default()
            },
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("reads 3 columns but 1 feature names"),
            "{e}"
        );
        assert!(matches!(
            from_onnx(b"junk", "j.onnx", &t, &ImportOptions::default()),
            Err(ImportError::Onnx(_))
        ));
    }
}
