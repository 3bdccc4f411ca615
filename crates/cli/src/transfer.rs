//! `mibwatch transfer`: cross-dataset evaluation. Train a forest on every row
//! of one labelled file and test it on every row of another (e.g. the public
//! SNMP-MIB router file and a traffic-lab capture), both turned into
//! per-second rates and features by the core's `model::prepare`, scored with
//! `metrics::evaluate`. Nothing is shared between the two files, so this is
//! the figure for "does a model from one network work on another".
//!
//!   mibwatch transfer --train A.csv [--train-counters S|none]
//!                     [--train-time-column C] [--train-session-column C]
//!                     --test B.csv [--test-counters S|none]
//!                     [--test-time-column C] [--test-session-column C]
//!                     [--trees N] [--seed N] [--features SET]
//!
//! `--X-counters S`: the file holds cumulative counters polled every S seconds
//! (default 15, the public file's; with a time column the timestamps are
//! used); `none`: it already holds per-second rates.

use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::{self, Control, ForestParams};
use mibwatch_core::guard::Guard;
use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::metrics::{self, Evaluation};
use mibwatch_core::model::{self, Prepared, TrainOptions};

use crate::{DEFAULT_FEATURES, DEFAULT_INTERVAL, Opts, pct, read};

/// One side's file and how to read it.
struct Side {
    path: String,
    opts: TrainOptions,
}

fn side(o: &Opts, which: &str, feature_set: FeatureSet) -> Result<Side, String> {
    let key = |k: &str| format!("--{which}-{k}");
    let path = o
        .value(&format!("--{which}"))?
        .ok_or_else(|| format!("transfer needs --{which} FILE"))?
        .to_string();
    let counters_interval = match o.value(&key("counters"))? {
        Some("none") => None,
        Some(v) => Some(v.parse().map_err(|_| {
            format!(
                "{}: \"{v}\" is neither seconds nor \"none\"",
                key("counters")
            )
        })?),
        None => Some(DEFAULT_INTERVAL),
    };
    Ok(Side {
        path,
        opts: TrainOptions {
            feature_set,
            counters_interval,
            time_column: o.value(&key("time-column"))?.map(str::to_string),
            session_column: o.value(&key("session-column"))?.map(str::to_string),
            ..TrainOptions::default()
        },
    })
}

fn prepare(s: &Side) -> Result<Prepared, String> {
    let table = ingest::read_csv(&read(&s.path)?, &IngestOptions::labelled(&s.path))
        .map_err(|e| e.to_string())?;
    model::prepare(&table, &s.opts).map_err(|e| e.to_string())
}

/// The test file's feature rows in the training file's feature order: inputs
/// matched by name, then the training side's feature function.
fn aligned_features(train: &Prepared, test: &Prepared) -> Result<Vec<f64>, String> {
    let idx: Vec<usize> = train
        .table
        .columns
        .iter()
        .map(|c| {
            test.table
                .column_index(c)
                .ok_or_else(|| format!("{}: no column \"{c}\"", test.table.file_name))
        })
        .collect::<Result<_, _>>()?;
    let mut inputs = Vec::with_capacity(test.table.n_rows() * idx.len());
    for r in 0..test.table.n_rows() {
        let row = test.table.row(r);
        inputs.extend(idx.iter().map(|&j| row[j]));
    }
    Ok(train.plan.derive_all(&inputs))
}

pub fn transfer(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    o.check_known(&[
        "--train",
        "--train-counters",
        "--train-time-column",
        "--train-session-column",
        "--test",
        "--test-counters",
        "--test-time-column",
        "--test-session-column",
        "--trees",
        "--seed",
        "--features",
    ])?;
    let feature_set = match o.value("--features")? {
        None => DEFAULT_FEATURES,
        Some(v) => FeatureSet::parse(v)
            .ok_or_else(|| format!("--features: unknown feature set \"{v}\""))?,
    };
    let params = ForestParams {
        n_trees: o.parse("--trees")?.unwrap_or(100),
        seed: o.parse("--seed")?.unwrap_or(42),
        ..ForestParams::default()
    };
    let (tr, te) = (
        side(&o, "train", feature_set)?,
        side(&o, "test", feature_set)?,
    );
    let (ptr, pte) = (prepare(&tr)?, prepare(&te)?);
    let f = ptr.n_features();
    let x_test = aligned_features(&ptr, &pte)?;
    // Test labels as training class indices; a class the training file lacks
    // cannot be predicted right, so it is refused rather than hidden.
    let truth: Vec<u32> = pte
        .y
        .iter()
        .map(|&c| {
            let name = &pte.classes[c as usize];
            ptr.classes
                .iter()
                .position(|k| k == name)
                .map(|i| i as u32)
                .ok_or_else(|| format!("class \"{name}\" of {} is not in {}", te.path, tr.path))
        })
        .collect::<Result<_, _>>()?;
    eprintln!(
        "  training {} trees on {} rows of {} ({} features: {})",
        params.n_trees,
        ptr.y.len(),
        tr.path,
        f,
        feature_set.name()
    );
    let forest = forest::train(
        &ptr.x,
        f,
        &ptr.y,
        ptr.classes.len(),
        &params,
        &mut |_, _| Control::Continue,
    )
    .map_err(|e| e.to_string())?;
    let pred = forest.predict_all(&x_test);
    let e = metrics::evaluate(&truth, &pred, &ptr.classes);
    let guard = Guard::fit(&ptr.x, f).unfamiliar_share(&x_test, f);
    report(&tr, &ptr, &te, &pte, &e, guard, &params);
    Ok(())
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
    tr: &Side,
    ptr: &Prepared,
    te: &Side,
    pte: &Prepared,
    e: &Evaluation,
    guard: f64,
    params: &ForestParams,
) {
    println!(
        "Train on {} ({}), test on {} ({}); {} trees, seed {}.",
        tr.path,
        rates_note(ptr),
        te.path,
        rates_note(pte),
        params.n_trees,
        params.seed
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
        pct(guard)
    );
    let w = ptr
        .classes
        .iter()
        .map(|c| c.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let w0 = w.max(16);
    print!("  {:>w0$} |", "true \\ predicted");
    for c in &ptr.classes {
        print!(" {c:>w$}");
    }
    println!(" | recall");
    for (i, row) in e.confusion.iter().enumerate() {
        if row.iter().all(|&v| v == 0) {
            continue;
        }
        print!("  {:>w0$} |", ptr.classes[i]);
        for v in row {
            print!(" {v:>w$}");
        }
        println!(" | {}", pct(e.per_class[i].recall));
    }
}
