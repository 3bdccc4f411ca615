//! `mibwatch train` and `mibwatch info`: a thin call into the core's training
//! pipeline, and the report of a model.

use std::time::Instant;

use mibwatch_core::baseline::BaselineOptions;
use mibwatch_core::forest::Control;
use mibwatch_core::model;
use mibwatch_core::train::{self, TrainOptions};

use crate::opts::{CAPTURE_OPTIONS, DEFAULT_INTERVAL, Opts, read};
use crate::print::{self, pct};

pub const DEFAULT_DATA: &str = "data/snmp-mib/all_data.csv";
const DEFAULT_OUT: &str = "models/default.mwm";
const DEFAULT_SOURCE: &str = "Public SNMP-MIB dataset (Al-Kasassbeh et al., 2016): one transit router in one testbed, polled every 15 s; per-second rates";

pub fn train(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    let mut known = vec![
        "--data",
        "--out",
        "--trees",
        "--seed",
        "--max-depth",
        "--mtry",
        "--label",
        "--test-fraction",
        "--features",
        "--threads",
    ];
    known.extend(CAPTURE_OPTIONS);
    o.check_known(&known)?;
    let data = o.value("--data")?.unwrap_or(DEFAULT_DATA);
    let out = o.value("--out")?.unwrap_or(DEFAULT_OUT);
    let source = if data == DEFAULT_DATA {
        DEFAULT_SOURCE.to_string()
    } else {
        std::path::Path::new(data)
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let export = o.read_export(data, true)?;
    eprintln!("{data}: {}", export.understanding);
    // The public file was polled every 15 s; any other file says how, or the
    // options do.
    let default_interval = (data == DEFAULT_DATA).then_some(DEFAULT_INTERVAL);
    let opts = TrainOptions {
        params: o.forest_params()?,
        feature_set: o.feature_set()?,
        test_fraction: o.parse("--test-fraction")?.unwrap_or(0.3),
        capture: o.capture_of(&export, default_interval)?,
        source,
        baselines: true,
        learn_normal: Some(BaselineOptions::default()),
        threads: o.threads()?,
        ..TrainOptions::default()
    };
    let table = export.table;
    let start = Instant::now();
    let mut phase = String::new();
    let trained = train::train(&table, &opts, &mut |p| {
        if p.phase != phase {
            eprintln!("  {} ({} of {} trees)", p.phase, p.done, p.total);
            phase = p.phase.clone();
        }
        Control::Continue
    })
    .map_err(|e| e.to_string())?;
    let encoded = model::encode(&trained.model).map_err(|e| e.to_string())?;
    std::fs::write(out, &encoded).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "wrote {out} ({} bytes) in {:.1} s",
        encoded.len(),
        start.elapsed().as_secs_f64()
    );
    print::report(&trained.model);
    println!("\nBaselines on the same time-ordered split (smartcore):");
    for b in trained.baselines() {
        println!(
            "  {:<22} accuracy {}  macro-F1 {:.3}  balanced binary {}",
            b.learner,
            pct(b.accuracy),
            b.macro_f1,
            pct(b.balanced_accuracy)
        );
        if let Some(s) = b.sampled {
            println!("  {:<22} ({s})", "");
        }
    }
    Ok(())
}

pub fn info(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("info needs a model file")?;
    let o = Opts { args: &args[1..] };
    o.check_known(&["--markdown"])?;
    let m = model::decode(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
    if o.flag("--markdown") {
        print!("{}", crate::markdown::model(&m)?);
    } else {
        print::report(&m);
    }
    Ok(())
}
