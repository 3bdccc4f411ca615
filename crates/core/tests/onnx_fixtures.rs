//! The ONNX fixtures of tests/fixtures/onnx, made by scripts/onnx-fixtures.sh
//! with the real producers (scikit-learn/skl2onnx, LightGBM, XGBoost and
//! Spark MLlib through onnxmltools, mibwatch's own export), against ONNX
//! Runtime's probabilities on the committed rows: no Python needed here.

use std::path::{Path, PathBuf};

use mibwatch_core::onnx::{self, OnnxError};
use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    fixtures: Vec<Fixture>,
}

#[derive(Deserialize)]
struct Fixture {
    file: String,
    producer: String,
    rows: Option<String>,
    expected: Option<String>,
    refused: Option<String>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/onnx")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest.json parses")
}

/// A CSV of numbers ("nan" for NaN); with `header`, the first line is names.
fn numbers(name: &str, header: bool) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(dir().join(name)).expect(name);
    let mut lines = text.lines();
    let names = if header {
        lines.next().unwrap().split(',').map(String::from).collect()
    } else {
        vec![]
    };
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse::<f64>().expect(v)).collect())
        .collect();
    (names, rows)
}

#[test]
fn onnx_fixtures_match_onnx_runtime() {
    let mut checked = 0;
    for f in manifest().fixtures {
        let Some(expected) = &f.expected else {
            continue;
        };
        let bytes = std::fs::read(dir().join(&f.file)).unwrap();
        let m = onnx::import(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.file));
        let (_, rows) = numbers(f.rows.as_deref().unwrap(), true);
        let (_, want) = numbers(expected, false);
        assert_eq!(rows.len(), want.len(), "{}", f.file);
        let (mut max, mut exact) = (0.0f64, 0);
        for (row, w) in rows.iter().zip(&want) {
            assert_eq!(row.len(), m.ensemble.n_features, "{}", f.file);
            let got = m.ensemble.predict_proba(row);
            assert_eq!(got.len(), w.len(), "{}", f.file);
            let d = got
                .iter()
                .zip(w)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            max = max.max(d);
            exact += usize::from(got == *w);
        }
        eprintln!(
            "{:40} {:>4} rows, max |dp| vs ONNX Runtime {max:.3e}, bit-identical rows {exact} ({})",
            f.file,
            rows.len(),
            f.producer
        );
        assert!(max <= 1e-6, "{}: max |dp| {max}", f.file);
        // Batch evaluation gives the same values.
        let flat: Vec<f64> = rows.concat();
        let mut out = vec![0.0; rows.len() * m.ensemble.n_classes()];
        m.ensemble.predict_proba_batch(&flat, &mut out);
        let one: Vec<f64> = rows
            .iter()
            .flat_map(|r| m.ensemble.predict_proba(r))
            .collect();
        assert_eq!(out, one, "{}", f.file);
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} fixtures with expected outputs"
    );
}

#[test]
fn onnx_fixture_refusals_name_what_is_refused() {
    let mut checked = 0;
    for f in manifest().fixtures {
        let Some(reason) = &f.refused else { continue };
        let bytes = std::fs::read(dir().join(&f.file)).unwrap();
        let Err(e) = onnx::import(&bytes) else {
            panic!("{} was not refused", f.file)
        };
        let msg = e.to_string();
        eprintln!("{:40} refused: {msg}", f.file);
        assert!(
            msg.to_lowercase().contains(&reason.to_lowercase()),
            "{}: {msg:?} does not name {reason:?}",
            f.file
        );
        assert!(matches!(
            e,
            OnnxError::Unsupported(_) | OnnxError::Broken(_)
        ));
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} refusal fixtures");
}

#[test]
fn onnx_fixture_metadata_is_read() {
    let bytes = std::fs::read(dir().join("sklearn_rf_multiclass_zipmap.onnx")).unwrap();
    let m = onnx::import(&bytes).unwrap();
    assert_eq!(m.producer_name, "skl2onnx");
    assert_eq!(m.ensemble.n_features, 34);
    assert_eq!(m.classes.len(), 8);
    assert!(m.classes.contains(&"normal".to_string()));
    assert!(m.feature_names.is_none());
    assert!(m.description.contains("ZipMap"), "{}", m.description);
    // mibwatch's export names its features.
    let bytes = std::fs::read(dir().join("mibwatch_export.onnx")).unwrap();
    let m = onnx::import(&bytes).unwrap();
    let (names, _) = numbers("rows.csv", true);
    assert_eq!(m.feature_names.as_ref(), Some(&names));
    assert_eq!(m.producer_name, "mibwatch");
    // XGBRF cannot be told from XGBoost: the description says so.
    let bytes = std::fs::read(dir().join("xgbrf_multiclass_undetectable.onnx")).unwrap();
    let m = onnx::import(&bytes).unwrap();
    assert!(
        m.description.contains("XGBRFClassifier"),
        "{}",
        m.description
    );
}
