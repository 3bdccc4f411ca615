//! Trains a mibwatch forest on the SNMP-MIB dataset's 34 variables, exports it
//! as ONNX, and writes mibwatch's own probabilities for a file of rows, so
//! that `scripts/onnx-fixtures.sh` can check the export with `onnx.checker`
//! and ONNX Runtime.
//!
//! `cargo run -p mibwatch-core --example onnx_export -- DATA.csv ROWS.csv OUT.onnx OUT_PROBS.csv`
//!
//! DATA.csv: numeric columns then a `class` column (data/snmp-mib/all_data.csv).
//! ROWS.csv: the same numeric columns (a header, "nan" for a missing value).

use std::error::Error;

use mibwatch_core::forest::{self, Control, ForestParams};
use mibwatch_core::onnx;

/// Column names, row-major values, and the class of each row.
type Rows = (Vec<String>, Vec<f64>, Vec<String>);

fn read(path: &str, with_class: bool) -> Result<Rows, Box<dyn Error>> {
    let mut r = csv::Reader::from_path(path)?;
    let header: Vec<String> = r.headers()?.iter().map(|s| s.to_string()).collect();
    let n = if with_class {
        header.len() - 1
    } else {
        header.len()
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for rec in r.records() {
        let rec = rec?;
        for v in rec.iter().take(n) {
            x.push(v.trim().parse::<f64>()?);
        }
        if with_class {
            y.push(rec.get(n).unwrap_or_default().to_string());
        }
    }
    Ok((header[..n].to_vec(), x, y))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, rows, out, probs] = &args[..] else {
        return Err("usage: onnx_export DATA.csv ROWS.csv OUT.onnx OUT_PROBS.csv".into());
    };
    let (features, x, labels) = read(data, true)?;
    let mut classes: Vec<String> = labels.clone();
    classes.sort();
    classes.dedup();
    let y: Vec<u32> = labels
        .iter()
        .map(|l| classes.iter().position(|c| c == l).unwrap_or(0) as u32)
        .collect();
    let params = ForestParams {
        n_trees: 40,
        max_depth: Some(10),
        min_samples_leaf: 2,
        seed: 21,
        ..ForestParams::default()
    };
    let f = features.len();
    let forest = forest::train(&x, f, &y, classes.len(), &params, &mut |_, _| {
        Control::Continue
    })?;
    let bytes = onnx::export(
        &forest,
        &features,
        &classes,
        "mibwatch forest trained on the SNMP-MIB dataset's 34 variables (example onnx_export).",
    )?;
    std::fs::write(out, &bytes)?;
    let (_, rx, _) = read(rows, false)?;
    let mut w = csv::Writer::from_path(probs)?;
    w.write_record(&classes)?;
    for row in rx.chunks_exact(f) {
        let p = forest.predict_proba(row);
        w.write_record(p.iter().map(|v| format!("{v:?}")))?;
    }
    w.flush()?;
    eprintln!(
        "onnx_export: {} trees, {} bytes written to {out}",
        forest.trees.len(),
        bytes.len()
    );
    Ok(())
}
