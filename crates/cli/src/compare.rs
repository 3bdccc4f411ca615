//! `mibwatch compare`: every feature set × every learner (the forest and
//! smartcore's baselines) on the random, time-ordered and by-session splits,
//! one evaluation plan per feature set run by the core; a markdown table.

use std::time::Instant;

use mibwatch_core::capture::Capture;
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::Control;
use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::learners::Learner;
use mibwatch_core::train::{self, LearnerReport, Plan, TrainOptions};

use crate::opts::{CAPTURE_OPTIONS, DEFAULT_INTERVAL, Opts, read};
use crate::print::pct;
use crate::train::DEFAULT_DATA;

/// One learner on one feature set.
struct Row {
    set: FeatureSet,
    report: LearnerReport,
    guard: f64,
}

pub fn compare(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    let mut known = vec![
        "--data",
        "--trees",
        "--seed",
        "--test-fraction",
        "--threads",
    ];
    known.extend(CAPTURE_OPTIONS);
    o.check_known(&known)?;
    let data = o.value("--data")?.unwrap_or(DEFAULT_DATA);
    let params = o.forest_params()?;
    let test_fraction = o.parse("--test-fraction")?.unwrap_or(0.3);
    let capture: Capture = o.capture("--", Some(DEFAULT_INTERVAL))?;
    let threads = o.threads()?;
    let table = ingest::read_csv(&read(data)?, &IngestOptions::labelled(data))
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let start = Instant::now();
    for set in FeatureSet::ALL {
        let opts = TrainOptions {
            params: params.clone(),
            feature_set: set,
            test_fraction,
            capture: capture.clone(),
            ..TrainOptions::default()
        };
        let p = match train::prepare(&table, &opts) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("  {}: skipped ({e})", set.name());
                continue;
            }
        };
        let plan = Plan::comparison(&p, &Learner::all(&params), test_fraction, params.seed);
        let mut phase = String::new();
        let report = train::evaluate(&p, &plan, threads, &mut |pr| {
            if pr.phase != phase {
                eprintln!(
                    "  {} × {} ({:.0} s)",
                    set.name(),
                    pr.phase,
                    start.elapsed().as_secs_f64()
                );
                phase = pr.phase.clone();
            }
            Control::Continue
        })
        .map_err(|e| format!("{}: {e}", set.name()))?;
        // The guard is fitted on the time-ordered training side: one figure
        // per feature set, shown beside every learner.
        let guard = report.guard_heldout_share;
        rows.extend(
            report
                .learners
                .into_iter()
                .map(|report| Row { set, report, guard }),
        );
    }
    table_of(data, &params, test_fraction, &rows);
    Ok(())
}

fn table_of(
    data: &str,
    params: &mibwatch_core::forest::ForestParams,
    test_fraction: f64,
    rows: &[Row],
) {
    println!(
        "Held-out figures on {data} (test fraction {test_fraction}, seed {}):",
        params.seed
    );
    println!();
    println!(
        "| features | learner | random acc | random macro-F1 | time-ordered acc | **time-ordered macro-F1** | time-ordered balanced binary | by-session macro-F1 | guard flags (held-out) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        for why in &r.report.failures {
            println!(
                "<!-- {} × {} failed: {why} -->",
                r.set.name(),
                r.report.learner
            );
        }
        let (Some(random), Some(time)) = (&r.report.random, &r.report.time_ordered) else {
            continue;
        };
        println!(
            "| {} | {} | {} | {:.3} | {} | **{:.3}** | {} | {} | {} |",
            r.set.name(),
            r.report.learner,
            pct(random.accuracy),
            random.macro_f1,
            pct(time.accuracy),
            time.macro_f1,
            pct(time.binary.balanced_accuracy),
            r.report
                .by_session
                .as_ref()
                .map(|e| format!("{:.3}", e.macro_f1))
                .unwrap_or_else(|| "n/a (one session per class)".into()),
            pct(r.guard),
        );
    }
    if let Some((best, time)) = rows
        .iter()
        .filter(|r| r.report.learner.starts_with("mibwatch forest"))
        .filter_map(|r| r.report.time_ordered.as_ref().map(|t| (r, t)))
        .max_by(|a, b| a.1.macro_f1.total_cmp(&b.1.macro_f1))
    {
        println!();
        println!(
            "Best forest on time-ordered macro-F1: {} ({:.3}). Trivial baselines on the time-ordered test rows: always-majority accuracy {}, always-attack binary accuracy {} (balanced 50.0%).",
            best.set.name(),
            time.macro_f1,
            pct(time.majority_accuracy),
            pct(time.binary.always_attack_accuracy)
        );
    }
}
