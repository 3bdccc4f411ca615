//! mibwatch command line: a thin front end over `mibwatch-core`.
//!
//!   mibwatch train [--data FILE] [--out FILE] [--counters SECONDS | --rates]
//!                  [--trees N] [--seed N] [--max-depth N] [--mtry N]
//!                  [--label NAME] [--test-fraction F]
//!                  [--features rates|rates+mix|"if/ip rates+mix"]
//!                  [--session-column NAME] [--time-column NAME] [--session-gap SECONDS]
//!   mibwatch compare [--data FILE] [--counters SECONDS | --rates] [--trees N] [--seed N]
//!                  (feature sets × learners, random / time-ordered / by-session)
//!   mibwatch info MODEL
//!   mibwatch score MODEL CSV [--out FILE] [--counters SECONDS | --time-column NAME]
//!                  [--label NAME] [--no-escape] [--fill median|NUMBER]
//!                  (the CSV plus predicted_class, p_anomalous, unfamiliar, p_<class>)
//!   mibwatch transfer --train A.csv [--train-counters S|none] [--train-time-column C]
//!                  --test B.csv [--test-counters S|none] [--test-time-column C]
//!                  [--train-session-column C] [--test-session-column C] [--trees N] [--seed N]
//!                  (train on every row of A, test on every row of B: cross-dataset figures)
//!   mibwatch detectors --data FILE [--time-column T] [--session-column S] [--counters S | --rates]
//!                  [--normal-label L] [--false-alarms RATE] [--rule M/N] [--folds K] [--holdout F]
//!                  [--features SET] [--trees N (0: no forest)] [--seed N]
//!                  (baseline of normal vs robust z vs the forest, whole normal sessions held out)
//!
//! `mibwatch train` with no options rebuilds the embedded default model
//! `models/default.mwm` from `data/snmp-mib/all_data.csv`, byte for byte.

mod detectors;
mod transfer;

use std::process::ExitCode;
use std::time::Instant;

use mibwatch_core::baselines::{Learner, evaluate_on};
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::{Control, ForestParams};
use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::metrics::{self, Evaluation};
use mibwatch_core::model::{self, Model, Phase, TrainOptions};
use mibwatch_core::score::{Counters, Fill, ScoreOptions};
use mibwatch_core::split;

const DEFAULT_DATA: &str = "data/snmp-mib/all_data.csv";
const DEFAULT_OUT: &str = "models/default.mwm";
/// The public SNMP-MIB file was polled every 15 seconds.
const DEFAULT_INTERVAL: f64 = 15.0;
/// The default model's feature set: the best forest on time-ordered macro-F1
/// in `mibwatch compare` (see README).
const DEFAULT_FEATURES: FeatureSet = FeatureSet::IfIpMix;
const DEFAULT_SOURCE: &str = "Public SNMP-MIB dataset (Al-Kasassbeh et al., 2016): one transit router in one testbed, polled every 15 s; per-second rates";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("train") => train(&args[1..]),
        Some("info") => info(&args[1..]),
        Some("compare") => compare(&args[1..]),
        Some("score") | Some("predict") => score(&args[1..]),
        Some("transfer") => transfer::transfer(&args[1..]),
        Some("detectors") => detectors::detectors(&args[1..]),
        Some("-h") | Some("--help") | Some("help") | None => {
            print!("{}", usage());
            Ok(())
        }
        Some(other) => Err(format!("unknown command \"{other}\".\n{}", usage())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    let doc = include_str!("main.rs");
    doc.lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `--name value` options after the command.
struct Opts<'a> {
    args: &'a [String],
}

impl<'a> Opts<'a> {
    fn flag(&self, name: &str) -> bool {
        self.args.iter().any(|a| a == name)
    }

    fn value(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.args.iter().position(|a| a == name) {
            None => Ok(None),
            Some(i) => self
                .args
                .get(i + 1)
                .map(|s| Some(s.as_str()))
                .ok_or_else(|| format!("{name} needs a value")),
        }
    }

    fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{name}: \"{v}\" is not a valid value")),
        }
    }

    fn check_known(&self, known: &[&str]) -> Result<(), String> {
        let mut i = 0;
        while i < self.args.len() {
            let a = &self.args[i];
            if !known.contains(&a.as_str()) {
                return Err(format!("unknown option \"{a}\""));
            }
            i += if a == "--rates" { 1 } else { 2 };
        }
        Ok(())
    }
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

fn train(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    o.check_known(&[
        "--data",
        "--out",
        "--counters",
        "--rates",
        "--trees",
        "--seed",
        "--max-depth",
        "--mtry",
        "--label",
        "--test-fraction",
        "--features",
        "--session-column",
        "--time-column",
        "--session-gap",
    ])?;
    let data = o.value("--data")?.unwrap_or(DEFAULT_DATA);
    let out = o.value("--out")?.unwrap_or(DEFAULT_OUT);
    let default_params = ForestParams::default();
    let params = ForestParams {
        n_trees: o.parse("--trees")?.unwrap_or(default_params.n_trees),
        seed: o.parse("--seed")?.unwrap_or(default_params.seed),
        max_depth: o.parse("--max-depth")?,
        mtry: o.parse("--mtry")?,
        ..default_params
    };
    let counters_interval = if o.flag("--rates") {
        None
    } else {
        Some(o.parse("--counters")?.unwrap_or(DEFAULT_INTERVAL))
    };
    let source = if data == DEFAULT_DATA {
        DEFAULT_SOURCE.to_string()
    } else {
        format!(
            "{}",
            std::path::Path::new(data)
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default()
        )
    };
    let feature_set = match o.value("--features")? {
        None => DEFAULT_FEATURES,
        Some(v) => FeatureSet::parse(v)
            .ok_or_else(|| format!("--features: unknown feature set \"{v}\""))?,
    };
    let opts = TrainOptions {
        params,
        feature_set,
        test_fraction: o.parse("--test-fraction")?.unwrap_or(0.3),
        counters_interval,
        source,
        session_column: o.value("--session-column")?.map(str::to_string),
        time_column: o.value("--time-column")?.map(str::to_string),
        session_gap_secs: o.parse("--session-gap")?,
        ..TrainOptions::default()
    };
    let bytes = read(data)?;
    let mut iopts = IngestOptions::labelled(data);
    if let Some(l) = o.value("--label")? {
        iopts.label_column = l.to_string();
    }
    let table = ingest::read_csv(&bytes, &iopts).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let model = model::train(&table, &opts, &mut |phase, done, total| {
        if done == total {
            let name = match phase {
                Phase::RandomSplit => "random-split forest",
                Phase::TimeOrderedSplit => "time-ordered-split forest",
                Phase::SessionFold(_) => "session-fold forest",
                Phase::Final => "final forest",
            };
            eprintln!("  trained {name}: {total} trees");
        }
        Control::Continue
    })
    .map_err(|e| e.to_string())?;
    let encoded = model::encode(&model).map_err(|e| e.to_string())?;
    std::fs::write(out, &encoded).map_err(|e| format!("{out}: {e}"))?;
    eprintln!(
        "wrote {out} ({} bytes) in {:.1} s",
        encoded.len(),
        start.elapsed().as_secs_f64()
    );
    print_report(&model);
    Ok(())
}

fn info(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("info needs a model file")?;
    let m = model::decode(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
    print_report(&m);
    Ok(())
}

fn score(args: &[String]) -> Result<(), String> {
    let (Some(mpath), Some(cpath)) = (args.first(), args.get(1)) else {
        return Err("score needs a model file and a CSV file".into());
    };
    let o = Opts { args: &args[2..] };
    o.check_known(&[
        "--out",
        "--counters",
        "--time-column",
        "--label",
        "--no-escape",
        "--fill",
    ])?;
    let m = model::decode(&read(mpath)?).map_err(|e| format!("{mpath}: {e}"))?;
    let label = o
        .value("--label")?
        .unwrap_or(mibwatch_core::schema::LABEL_COLUMN);
    let bytes = read(cpath)?;
    // Numeric columns are scored; text columns (host names, dates) pass
    // through to the output. Types come from the first 1,000 rows; a text cell
    // further down a numeric column is an error naming its row.
    let head_end = bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .nth(1000)
        .map_or(bytes.len(), |(i, _)| i + 1);
    let head = ingest::preview(&bytes[..head_end], cpath, 0).map_err(|e| e.to_string())?;
    let numeric: Vec<String> = head
        .columns
        .iter()
        .filter(|c| c.numeric && !c.name.eq_ignore_ascii_case(label))
        .map(|c| c.name.clone())
        .collect();
    let opts = IngestOptions {
        require_label: false,
        label_column: label.to_string(),
        columns: Some(numeric),
        keep_text: true,
        ..IngestOptions::labelled(cpath)
    };
    let t = ingest::read_csv(&bytes, &opts).map_err(|e| e.to_string())?;
    drop(bytes);
    let counters = match (o.value("--time-column")?, o.parse::<f64>("--counters")?) {
        (Some(c), _) => Counters::TimeColumn(c.to_string()),
        (None, Some(secs)) => Counters::Interval(secs),
        (None, None) => Counters::Rates,
    };
    let escape = !o.flag("--no-escape");
    let start = Instant::now();
    let scored =
        mibwatch_core::score::score(
            &m,
            t,
            &ScoreOptions {
                counters,
                escape_formulas: escape,
                fill: match o.value("--fill")? {
                    None => Fill::Refuse,
                    Some("median") => Fill::Median,
                    Some(v) => Fill::Constant(v.parse().map_err(|_| {
                        format!("--fill: \"{v}\" is neither \"median\" nor a number")
                    })?),
                },
            },
        )
        .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let text = mibwatch_core::score::scored_csv(&m, &scored, label, escape);
    match o.value("--out")? {
        Some(out) => std::fs::write(out, &text).map_err(|e| format!("{out}: {e}"))?,
        None => print!("{text}"),
    }
    let n = scored.rows.len();
    eprintln!(
        "scored {n} rows in {:.3} s ({:.0} rows/s)",
        secs,
        n as f64 / secs.max(1e-9)
    );
    if let Some(r) = &scored.rates {
        eprintln!(
            "  counters → rates: {} rows → {} rates; {} wraps, {} resets",
            r.rows_in, r.rows_out, r.wraps, r.resets
        );
    }
    for (c, k) in m.classes.iter().zip(&scored.counts) {
        eprintln!("  {c:<12} {k}");
    }
    if let Some(e) = &scored.evaluation {
        eprintln!(
            "  against the file's labels: accuracy {}  macro-F1 {:.3}  balanced binary {}",
            pct(e.accuracy),
            e.macro_f1,
            pct(e.binary.balanced_accuracy)
        );
    }
    if scored.unfamiliar > 0 {
        eprintln!(
            "warning: {} of {n} rows ({:.1}%) are unlike anything the model was trained on (likely another kind of device or vantage point); its answers for them mean little. Retrain on your own labelled data.",
            scored.unfamiliar,
            100.0 * scored.unfamiliar as f64 / n.max(1) as f64
        );
    }
    Ok(())
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn print_eval(name: &str, e: &Evaluation) {
    println!("{name} ({} held-out rows)", e.n_test);
    println!(
        "  multi-class: accuracy {}  macro-F1 {:.3}  (always-majority baseline {})",
        pct(e.accuracy),
        e.macro_f1,
        pct(e.majority_accuracy)
    );
    let b = &e.binary;
    println!(
        "  binary normal vs attack: accuracy {}  balanced accuracy {}  detection {}  false alarms {}  (always-attack baseline {})",
        pct(b.accuracy),
        pct(b.balanced_accuracy),
        pct(b.detection_rate),
        pct(b.false_alarm_rate),
        pct(b.always_attack_accuracy)
    );
}

fn print_confusion(m: &Model, e: &Evaluation) {
    let w = m.classes.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
    let w0 = w.max(16);
    print!("  {:>w0$} |", "true \\ predicted");
    for c in &m.classes {
        print!(" {:>w$}", c);
    }
    println!(" | recall");
    for (i, row) in e.confusion.iter().enumerate() {
        print!("  {:>w0$} |", m.classes[i]);
        for v in row {
            print!(" {:>w$}", v);
        }
        println!(" | {}", pct(e.per_class[i].recall));
    }
}

fn print_report(m: &Model) {
    let r = &m.report;
    println!("model: {}", m.source);
    println!(
        "  {} inputs → {} features ({}), {} classes, {} trees, trained on {} rows (seed {})",
        m.inputs.len(),
        m.features.len(),
        m.feature_set.name(),
        m.classes.len(),
        m.forest.trees.len(),
        r.rows,
        m.params.seed
    );
    if let Some(s) = &r.rates {
        println!(
            "  counters → per-second rates: {} rows in {} sessions → {} rates; {} wraps, {} resets",
            s.rows_in, s.sessions, s.rows_out, s.wraps, s.resets
        );
    }
    println!();
    print_eval(
        "Stratified random 70/30 split (leaks the capture session: not a fair figure)",
        &r.random,
    );
    print_eval(
        "Time-ordered 70/30 split (last 30% of each capture session held out)",
        &r.time_ordered,
    );
    match (&r.by_session, r.session_caveat()) {
        (Some(e), _) => print_eval(
            &format!(
                "Whole capture sessions held out ({} sessions, grouped k-fold)",
                r.sessions
            ),
            e,
        ),
        (None, Some(note)) => println!("By session: not possible. {note}"),
        _ => {}
    }
    println!(
        "Unfamiliar-traffic guard: flags {} of the time-ordered held-out rows (ranges fitted on the training side).",
        pct(r.guard_heldout_share)
    );
    println!("\nTime-ordered confusion matrix:");
    print_confusion(m, &r.time_ordered);
    let mut imp: Vec<(f64, &String)> = r.importance.iter().copied().zip(&m.features).collect();
    imp.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("\nTop permutation importances (time-ordered held-out accuracy drop):");
    for (v, f) in imp.iter().take(8) {
        println!("  {f:<20} {:+.1} points", v * 100.0);
    }
}

/// One learner on one feature set: its held-out figures.
struct Row {
    set: FeatureSet,
    learner: String,
    random: Evaluation,
    time: Evaluation,
    session: Option<Evaluation>,
    guard: f64,
}

fn compare(args: &[String]) -> Result<(), String> {
    let o = Opts { args };
    o.check_known(&[
        "--data",
        "--counters",
        "--rates",
        "--trees",
        "--seed",
        "--test-fraction",
    ])?;
    let data = o.value("--data")?.unwrap_or(DEFAULT_DATA);
    let params = ForestParams {
        n_trees: o.parse("--trees")?.unwrap_or(100),
        seed: o.parse("--seed")?.unwrap_or(42),
        ..ForestParams::default()
    };
    let test_fraction = o.parse("--test-fraction")?.unwrap_or(0.3);
    let counters_interval = if o.flag("--rates") {
        None
    } else {
        Some(o.parse("--counters")?.unwrap_or(DEFAULT_INTERVAL))
    };
    let table = ingest::read_csv(&read(data)?, &IngestOptions::labelled(data))
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let start = Instant::now();
    for set in FeatureSet::ALL {
        let opts = TrainOptions {
            params: params.clone(),
            feature_set: set,
            test_fraction,
            counters_interval,
            ..TrainOptions::default()
        };
        let p = match model::prepare(&table, &opts) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("  {}: skipped ({e})", set.name());
                continue;
            }
        };
        let random = p.random_split(test_fraction, params.seed);
        let time = p.time_ordered_split(test_fraction);
        let f = p.n_features();
        let guard = mibwatch_core::guard::Guard::fit(&split::take_rows(&p.x, f, &time.train), f)
            .unfamiliar_share(&split::take_rows(&p.x, f, &time.test), f);
        for learner in Learner::all(&params) {
            let evals = || -> Result<_, String> {
                let random_eval = evaluate_on(&p, &learner, &random)?;
                let time_eval = evaluate_on(&p, &learner, &time)?;
                let session = match p.session_folds() {
                    None => None,
                    Some(folds) => {
                        // Pool the folds' predictions into one evaluation.
                        let f = p.n_features();
                        let (mut tt, mut pp) = (Vec::new(), Vec::new());
                        for fold in &folds {
                            pp.extend(learner.fit_predict(
                                &split::take_rows(&p.x, f, &fold.train),
                                f,
                                &p.truth(&fold.train),
                                p.classes.len(),
                                &split::take_rows(&p.x, f, &fold.test),
                            )?);
                            tt.extend(p.truth(&fold.test));
                        }
                        Some(metrics::evaluate(&tt, &pp, &p.classes))
                    }
                };
                Ok((random_eval, time_eval, session))
            };
            let (random_eval, time_eval, session) = match evals() {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("  {} × {}: failed ({e})", set.name(), learner.name());
                    println!("<!-- {} × {} failed: {e} -->", set.name(), learner.name());
                    continue;
                }
            };
            eprintln!(
                "  {} × {}: done ({:.0} s)",
                set.name(),
                learner.name(),
                start.elapsed().as_secs_f64()
            );
            rows.push(Row {
                set,
                learner: learner.name(),
                random: random_eval,
                time: time_eval,
                session,
                guard,
            });
        }
    }
    println!(
        "Held-out figures on {data} (test fraction {test_fraction}, seed {}):",
        params.seed
    );
    println!();
    println!(
        "| features | learner | random acc | random macro-F1 | time-ordered acc | **time-ordered macro-F1** | time-ordered balanced binary | by-session macro-F1 | guard flags (held-out) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.3} | {} | **{:.3}** | {} | {} | {} |",
            r.set.name(),
            r.learner,
            pct(r.random.accuracy),
            r.random.macro_f1,
            pct(r.time.accuracy),
            r.time.macro_f1,
            pct(r.time.binary.balanced_accuracy),
            r.session
                .as_ref()
                .map(|e| format!("{:.3}", e.macro_f1))
                .unwrap_or_else(|| "n/a (one session per class)".into()),
            pct(r.guard),
        );
    }
    if let Some(best) = rows
        .iter()
        .filter(|r| r.learner.starts_with("mibwatch forest"))
        .max_by(|a, b| a.time.macro_f1.total_cmp(&b.time.macro_f1))
    {
        println!();
        println!(
            "Best forest on time-ordered macro-F1: {} ({:.3}). Trivial baselines on the time-ordered test rows: always-majority accuracy {}, always-attack binary accuracy {} (balanced 50.0%).",
            best.set.name(),
            best.time.macro_f1,
            pct(best.time.majority_accuracy),
            pct(best.time.binary.always_attack_accuracy)
        );
    }
    Ok(())
}
