//! `mibwatch detectors`: the baseline of normal traffic beside other
//! detectors on a labelled file, by the core's `baseline::evaluate` (whole
//! normal sessions held out; with one normal session, its last part by
//! time), printed as markdown.
//!
//!   mibwatch detectors --data FILE [--time-column T] [--session-column S]
//!                      [--counters SECONDS | --rates] [--normal-label L] [--label NAME]
//!                      [--false-alarms RATE] [--rule M/N] [--folds K] [--holdout F]
//!                      [--features SET] [--trees N] [--seed N]
//!
//! `--trees 0` leaves the supervised forest out.

use mibwatch_core::baseline::evaluate::{self, EvalOptions};
use mibwatch_core::baseline::{BaselineOptions, report};
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::ForestParams;
use mibwatch_core::train::{self, TrainOptions};

use crate::baseline::alarm_rule;
use crate::opts::{CAPTURE_OPTIONS, DEFAULT_INTERVAL, Opts};

pub fn detectors(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    let mut known = vec![
        "--data",
        "--normal-label",
        "--label",
        "--false-alarms",
        "--rule",
        "--folds",
        "--holdout",
        "--features",
        "--trees",
        "--seed",
    ];
    known.extend(CAPTURE_OPTIONS);
    o.check_known(&known)?;
    let data = o
        .value("--data")?
        .ok_or("detectors needs --data FILE (a labelled CSV)")?;
    let feature_set = match o.value("--features")? {
        None => FeatureSet::Rates,
        Some(v) => FeatureSet::parse(v)
            .ok_or_else(|| format!("--features: unknown feature set \"{v}\""))?,
    };
    let rule = alarm_rule(&o, EvalOptions::default().rule)?;
    let defaults = ForestParams::default();
    let trees = o.parse("--trees")?.unwrap_or(defaults.n_trees);
    let seed = o.parse("--seed")?.unwrap_or(defaults.seed);
    let eopts = EvalOptions {
        baseline: BaselineOptions {
            false_alarm_rate: o
                .parse("--false-alarms")?
                .unwrap_or(BaselineOptions::default().false_alarm_rate),
            ..BaselineOptions::default()
        },
        rule,
        outer_folds: o
            .parse("--folds")?
            .unwrap_or(EvalOptions::default().outer_folds),
        holdout_fraction: o
            .parse("--holdout")?
            .unwrap_or(EvalOptions::default().holdout_fraction),
        forest: (trees > 0).then_some(ForestParams {
            n_trees: trees,
            seed,
            ..defaults
        }),
    };
    if !(eopts.holdout_fraction > 0.0 && eopts.holdout_fraction < 1.0) {
        return Err("--holdout: the share held out must be between 0 and 1".into());
    }
    // A file of one class (a normal capture) is fine: the baselines need no
    // attack, and the forest is left out.
    let export = o.read_export(data, false)?;
    eprintln!("{data}: {}", export.understanding);
    let capture = o.capture_of(&export, Some(DEFAULT_INTERVAL))?;
    let interval = capture.interval.unwrap_or(DEFAULT_INTERVAL);
    let topts = TrainOptions {
        feature_set,
        capture,
        normal_label: o.value("--normal-label")?.map(str::to_string),
        ..TrainOptions::default()
    };
    let p = train::prepare(&export.table, &topts).map_err(|e| e.to_string())?;
    let seconds = match &p.times {
        Some(times) => evaluate::row_seconds(times, &p.sessions, interval),
        None => vec![interval; p.y.len()],
    };
    let r = evaluate::evaluate(&p, &seconds, &eopts).map_err(|e| e.to_string())?;
    print!("{}", report::markdown(&r));
    Ok(())
}
