//! `mibwatch import MODEL.onnx --data SAMPLE.csv --out model.mwm` and
//! `mibwatch export MODEL --out FILE.onnx [--with-features]`: thin calls
//! into the core's `model::onnx`.

use mibwatch_core::model::{self, onnx as model_onnx};

use crate::opts::{CAPTURE_OPTIONS, Opts, read};

pub fn import(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("import needs an ONNX file")?;
    let o = Opts { args: &args[1..] };
    let mut known = vec!["--data", "--out", "--features", "--classes", "--label"];
    known.extend(CAPTURE_OPTIONS);
    o.check_known(&known)?;
    let data = o
        .value("--data")?
        .ok_or("import needs --data SAMPLE.csv: a sample of the traffic the model will score, for its input ranges")?;
    let out = o.value("--out")?.ok_or("import needs --out FILE.mwm")?;
    let list = |name: &str| -> Result<Option<Vec<String>>, String> {
        Ok(o.value(name)?
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()))
    };
    let label = o
        .value("--label")?
        .unwrap_or(mibwatch_core::schema::LABEL_COLUMN);
    let sample = model_onnx::read_sample(&read(data)?, data, label).map_err(|e| e.to_string())?;
    let opts = model_onnx::ImportOptions {
        capture: o.capture("--", None)?,
        features: list("--features")?,
        classes: list("--classes")?,
    };
    let name = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.clone(), |f| f.to_string_lossy().to_string());
    let (m, map) = model_onnx::from_onnx(&read(path)?, &name, &sample, &opts)
        .map_err(|e| format!("{path}: {e}"))?;
    eprintln!("features, mapped {}:", map.how);
    for (j, f) in map.features.iter().enumerate() {
        eprintln!("  column {j:>3} → {f}: {}", m.plan().describe(j));
    }
    eprintln!("classes: {}", m.classes.join(", "));
    let encoded = model::encode(&m).map_err(|e| e.to_string())?;
    std::fs::write(out, &encoded).map_err(|e| format!("{out}: {e}"))?;
    eprintln!("wrote {out} ({} bytes): {}", encoded.len(), m.source);
    Ok(())
}

pub fn export(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("export needs a model file")?;
    let o = Opts { args: &args[1..] };
    o.check_known(&["--out", "--with-features"])?;
    let out = o.value("--out")?.ok_or("export needs --out FILE.onnx")?;
    let m = model::decode(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
    let with_features = o.flag("--with-features");
    let bytes = if with_features {
        model_onnx::to_onnx_with_features(&m)
    } else {
        model_onnx::to_onnx(&m)
    }
    .map_err(|e| format!("{path}: {e}"))?;
    std::fs::write(out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    let (input, columns, kind) = if with_features {
        ("rates", &m.inputs, "inputs")
    } else {
        ("features", &m.features, "features")
    };
    eprintln!(
        "wrote {out} ({} bytes): input \"{input}\" [N, {}] double, output \"probabilities\" [N, {}] float; {kind}: {}",
        bytes.len(),
        columns.len(),
        m.classes.len(),
        columns.join(", ")
    );
    Ok(())
}
