//! `mibwatch transfer`: cross-dataset evaluation. Train a forest on every row
//! of one labelled file and test it on every row of another (e.g. the public
//! SNMP-MIB router file and a traffic-lab capture), both prepared by the
//! core, by the core's `train::transfer`.
//!
//!   mibwatch transfer --train A.csv [--train-counters S|none]
//!                     [--train-time-column C] [--train-session-column C]
//!                     --test B.csv [--test-counters S|none]
//!                     [--test-time-column C] [--test-session-column C]
//!                     [--trees N] [--seed N] [--features SET] [--threads N]
//!
//! `--X-counters S`: the file holds cumulative counters polled every S seconds
//! (default 15, the public file's; with a time column the timestamps are
//! used); `none`: it already holds per-second rates.

use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::train::{self, Prepared, TrainOptions, TransferReport};

use crate::markdown::thousands;
use crate::opts::{DEFAULT_INTERVAL, Opts, read};
use crate::print::{self, pct};

fn prepare(o: &Opts, which: &str, opts: &TrainOptions) -> Result<(String, Prepared), String> {
    let path = o
        .value(&format!("--{which}"))?
        .ok_or_else(|| format!("transfer needs --{which} FILE"))?;
    let opts = TrainOptions {
        capture: o.capture(&format!("--{which}-"), Some(DEFAULT_INTERVAL))?,
        ..opts.clone()
    };
    let table = ingest::read_csv(&read(path)?, &IngestOptions::labelled(path))
        .map_err(|e| e.to_string())?;
    let p = train::prepare(&table, &opts).map_err(|e| e.to_string())?;
    Ok((path.to_string(), p))
}

pub fn transfer(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    let mut known = vec![
        "--train",
        "--test",
        "--trees",
        "--seed",
        "--features",
        "--threads",
        "--markdown",
    ];
    let sides: Vec<String> = ["train", "test"]
        .iter()
        .flat_map(|w| {
            ["counters", "time-column", "session-column"]
                .iter()
                .map(move |k| format!("--{w}-{k}"))
        })
        .collect();
    known.extend(sides.iter().map(String::as_str));
    o.check_known(&known)?;
    let opts = TrainOptions {
        params: o.forest_params()?,
        feature_set: o.feature_set()?,
        ..TrainOptions::default()
    };
    let (tr, ptr) = prepare(&o, "train", &opts)?;
    let (te, pte) = prepare(&o, "test", &opts)?;
    eprintln!(
        "  training {} trees on {} rows of {tr} ({} features: {})",
        opts.params.n_trees,
        ptr.y.len(),
        ptr.n_features(),
        opts.feature_set.name()
    );
    let r = train::transfer(&ptr, &pte, &opts.params, o.threads()?).map_err(|e| e.to_string())?;
    if o.flag("--markdown") {
        print!("{}", markdown(&tr, &te, &ptr, &r));
    } else {
        report(&tr, &ptr, &te, &pte, &r, &opts);
    }
    Ok(())
}

/// The README's row for this transfer and its confusion matrix.
fn markdown(tr: &str, te: &str, ptr: &Prepared, r: &TransferReport) -> String {
    let e = &r.evaluation;
    let b = &e.binary;
    let name = |p: &str| {
        if p.contains("snmp-mib") {
            "public"
        } else {
            "lab"
        }
    };
    let mut out = String::from(
        "| train → test | test rows | accuracy | macro-F1 | binary accuracy | binary balanced | detection | false alarms | guard flags |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    out += &format!(
        "| {} → {} | {} | {} (majority {}) | {:.3} | {} (always-attack {}) | {} | {} | {} | {} |\n\n",
        name(tr),
        name(te),
        thousands(e.n_test),
        pct(e.accuracy),
        pct(e.majority_accuracy),
        e.macro_f1,
        pct(b.accuracy),
        pct(b.always_attack_accuracy),
        pct(b.balanced_accuracy),
        pct(b.detection_rate),
        pct(b.false_alarm_rate),
        pct(r.guard_share)
    );
    out += &crate::markdown::confusion(&ptr.classes, e, false, true);
    out
}

fn rates_note(p: &Prepared) -> String {
    match &p.rates {
        Some(r) => format!(
            "counters → rates: {} rows in {} sessions → {} rates ({} wraps, {} resets)",
            r.rows_in, r.sessions, r.rows_out, r.wraps, r.resets
        ),
        None => format!("{} rows of per-second rates", p.y.len()),
    }
}

fn report(
    tr: &str,
    ptr: &Prepared,
    te: &str,
    pte: &Prepared,
    r: &TransferReport,
    opts: &TrainOptions,
) {
    let e = &r.evaluation;
    println!(
        "Train on {tr} ({}), test on {te} ({}); {} trees, seed {}.",
        rates_note(ptr),
        rates_note(pte),
        opts.params.n_trees,
        opts.params.seed
    );
    println!(
        "  multi-class: accuracy {}  macro-F1 {:.3}  (always-majority baseline {}) on {} test rows",
        pct(e.accuracy),
        e.macro_f1,
        pct(e.majority_accuracy),
        e.n_test
    );
    let b = &e.binary;
    println!(
        "  binary normal vs attack: accuracy {}  balanced {}  detection {}  false alarms {}  (always-attack baseline {})",
        pct(b.accuracy),
        pct(b.balanced_accuracy),
        pct(b.detection_rate),
        pct(b.false_alarm_rate),
        pct(b.always_attack_accuracy)
    );
    println!(
        "  unfamiliar-traffic guard (ranges of the training file): flags {} of the test rows",
        pct(r.guard_share)
    );
    print::confusion(&ptr.classes, e, true);
}
