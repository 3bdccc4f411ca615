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

use sha2::{Digest, Sha256};

use super::{Classifier, Model};
use crate::capture::{self, Capture, CaptureError};
use crate::features::{FEATURE_VERSION, FeatureError, FeaturePlan, FeatureSet};
use crate::guard::Guard;
use crate::ingest::Table;
use crate::onnx::{self, Imported, OnnxError};
use crate::schema::{self, MIB_VARS};
use crate::train::fit::{class_medoids, feature_stats};

/// Fewest sample rows an imported model's ranges are taken from.
pub const MIN_SAMPLE_ROWS: usize = 10;

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
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Onnx(e) => e.fmt(f),
            ImportError::Capture(e) => e.fmt(f),
            ImportError::Features(e) => e.fmt(f),
            ImportError::Mapping(m) | ImportError::Sample(m) => f.write_str(m),
            ImportError::NotProbabilities { row, sum } => write!(
                f,
                "the ensemble's outputs are scores, not class probabilities (they sum to {sum:.4} on sample row {row}); mibwatch needs probabilities to say how likely an attack is."
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
        "mibwatch model: {}. Input `features`: one row of {} doubles per poll, in the order of the metadata key mibwatch.features, computed from per-second rates of SNMP counters between two polls of one entity (gauges as polled); see mibwatch.feature_notes.",
        model.source,
        plan.n_features()
    );
    onnx::export::export_with_notes(forest, &plan.names, &notes, &model.classes, &doc)
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
        if (sum - 1.0).abs() > 1e-5 || p.iter().any(|v| !(0.0..=1.0 + 1e-9).contains(v)) {
            return Err(ImportError::NotProbabilities {
                row: t.row_numbers[r],
                sum,
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
    let mut hash = Sha256::new();
    hash.update(bytes);
    for v in &rows {
        hash.update(v.to_le_bytes());
    }
    let mut model = Model {
        source: format!(
            "{file}: {} Features mapped {}. Input ranges, medians and the guard from {} ({} rows of the same traffic).",
            imported.description,
            map.how,
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
        assert!(to_onnx(&m).is_ok());
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
