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
use mibwatch_core::baseline::{AlarmRule, BaselineOptions, report};
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::ForestParams;
use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::model::{self, TrainOptions};

use crate::{DEFAULT_INTERVAL, Opts, read};

pub fn detectors(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    o.check_known(&[
        "--data",
        "--time-column",
        "--session-column",
        "--counters",
        "--rates",
        "--normal-label",
        "--label",
        "--false-alarms",
        "--rule",
        "--folds",
        "--holdout",
        "--features",
        "--trees",
        "--seed",
    ])?;
    let data = o
        .value("--data")?
        .ok_or("detectors needs --data FILE (a labelled CSV)")?;
    let interval = o.parse::<f64>("--counters")?.unwrap_or(DEFAULT_INTERVAL);
    let feature_set = match o.value("--features")? {
        None => FeatureSet::Rates,
        Some(v) => FeatureSet::parse(v)
            .ok_or_else(|| format!("--features: unknown feature set \"{v}\""))?,
    };
    let rule = match o.value("--rule")? {
        None => EvalOptions::default().rule,
        Some(v) => AlarmRule::parse(v)
            .ok_or_else(|| format!("--rule: \"{v}\" is not \"M/N\" with 1 ≤ M ≤ N"))?,
    };
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
    let time_column = o.value("--time-column")?.map(str::to_string);
    let topts = TrainOptions {
        feature_set,
        counters_interval: (!o.flag("--rates")).then_some(interval),
        session_column: o.value("--session-column")?.map(str::to_string),
        time_column: time_column.clone(),
        normal_label: o.value("--normal-label")?.map(str::to_string),
        ..TrainOptions::default()
    };
    let mut iopts = IngestOptions::labelled(data);
    if let Some(l) = o.value("--label")? {
        iopts.label_column = l.to_string();
    }
    // A file of one class (a normal capture) is fine: the baselines need no
    // attack, and the forest is left out.
    iopts.require_label = false;
    let table = ingest::read_csv(&read(data)?, &iopts).map_err(|e| e.to_string())?;
    let p = model::prepare(&table, &topts).map_err(|e| e.to_string())?;
    let seconds = match &time_column {
        Some(c) => {
            let times = evaluate::prepared_times(&table, c, &p)
                .ok_or_else(|| format!("{data}: no numeric column \"{c}\""))?;
            evaluate::row_seconds(&times, &p.sessions, interval)
        }
        None => vec![interval; p.y.len()],
    };
    let r = evaluate::evaluate(&p, &seconds, &eopts).map_err(|e| e.to_string())?;
    print!("{}", report::markdown(&r));
    Ok(())
}
