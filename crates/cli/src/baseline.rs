//! `mibwatch baseline`: learn your normal. The core's `train::learn_normal`
//! fits a baseline of normal traffic on a file of ordinary traffic (every
//! row, or the rows of the normal label), as a model of its own or beside an
//! existing model's classifier; the bands and the held-out false-alarm rate
//! are printed.
//!
//!   mibwatch baseline --data FILE --out FILE.mwm [--model EXISTING.mwm]
//!                     [--normal-label L] [--label NAME] [--false-alarms RATE]
//!                     [--rule M/N] [--counters S | --time-column C …]

use mibwatch_core::baseline::{AlarmRule, BaselineOptions};
use mibwatch_core::model;
use mibwatch_core::train::{LearnOptions, learn_normal};

use crate::opts::{CAPTURE_OPTIONS, Opts, read};

/// `--rule M/N`, the alarm-event rule of a baseline (default `default`).
pub fn alarm_rule(o: &Opts, default: AlarmRule) -> Result<AlarmRule, String> {
    match o.value("--rule")? {
        None => Ok(default),
        Some(v) => AlarmRule::parse(v)
            .ok_or_else(|| format!("--rule: \"{v}\" is not \"M/N\" with 1 ≤ M ≤ N")),
    }
}

pub fn baseline(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    let mut known = vec![
        "--data",
        "--out",
        "--model",
        "--normal-label",
        "--label",
        "--false-alarms",
        "--rule",
    ];
    known.extend(CAPTURE_OPTIONS);
    o.check_known(&known)?;
    let data = o
        .value("--data")?
        .ok_or("baseline needs --data FILE: ordinary traffic of your network")?;
    let out = o.value("--out")?.ok_or("baseline needs --out FILE.mwm")?;
    let base = match o.value("--model")? {
        Some(p) => Some(model::decode(&read(p)?).map_err(|e| format!("{p}: {e}"))?),
        None => None,
    };
    let defaults = BaselineOptions::default();
    let baseline = BaselineOptions {
        false_alarm_rate: o
            .parse("--false-alarms")?
            .unwrap_or(defaults.false_alarm_rate),
        rule: alarm_rule(&o, defaults.rule)?,
        ..defaults
    };
    let export = o.read_export(data, false)?;
    eprintln!("{data}: {}", export.understanding);
    let opts = LearnOptions {
        capture: o.capture_of(&export, None)?,
        normal_label: o.value("--normal-label")?.map(str::to_string),
        baseline,
        source: std::path::Path::new(data)
            .file_name()
            .map_or_else(|| data.to_string(), |f| f.to_string_lossy().to_string()),
    };
    let learned = learn_normal(&export.table, &opts, base.as_ref()).map_err(|e| e.to_string())?;
    let m = &learned.model;
    let b = m
        .baseline
        .as_ref()
        .ok_or("the learned model has no baseline")?;
    println!(
        "Learned normal from {data}: {} rows in {} capture session(s){}.",
        learned.rows,
        learned.sessions,
        if learned.left_out > 0 {
            format!(" ({} rows not labelled normal left out)", learned.left_out)
        } else {
            String::new()
        }
    );
    println!("{}", b.calibration.describe());
    println!("Alarm events: {}.", b.rule.describe());
    println!("\nNormal band of each input:");
    for (j, name) in m.inputs.iter().enumerate() {
        println!("  {name:<20} {}", b.band_words(j));
    }
    let encoded = model::encode(m).map_err(|e| e.to_string())?;
    std::fs::write(out, &encoded).map_err(|e| format!("{out}: {e}"))?;
    eprintln!("wrote {out} ({} bytes): {}", encoded.len(), m.source);
    Ok(())
}
