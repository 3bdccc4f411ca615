//! mibwatch command line: a thin front end over `mibwatch-core`.
//!
//!   mibwatch train [--data FILE] [--out FILE] [--counters SECONDS | --rates]
//!                  [--trees N] [--seed N] [--max-depth N] [--mtry N]
//!                  [--label NAME] [--test-fraction F] [--threads N]
//!                  [--features rates|rates+mix|"if/ip rates+mix"]
//!                  [--session-column NAME] [--time-column NAME] [--session-gap SECONDS]
//!                  [--entity-column NAME[,NAME]]
//!   mibwatch compare [--data FILE] [--counters SECONDS | --rates] [--trees N] [--seed N]
//!                  [--threads N]
//!                  (feature sets × learners, random / time-ordered / by-session)
//!   mibwatch info MODEL [--markdown]
//!   mibwatch score MODEL CSV [--out FILE] [--counters SECONDS | --time-column NAME]
//!                  [--rates] [--session-column NAME] [--entity-column NAME[,NAME]]
//!                  [--label NAME] [--no-escape] [--fill median|NUMBER] [--threads N]
//!                  (the CSV plus predicted_class, p_anomalous, unfamiliar, p_<class>)
//!   mibwatch transfer --train A.csv [--train-counters S|none] [--train-time-column C]
//!                  --test B.csv [--test-counters S|none] [--test-time-column C]
//!                  [--train-session-column C] [--test-session-column C] [--trees N] [--seed N]
//!                  [--markdown]
//!                  (train on every row of A, test on every row of B: cross-dataset figures)
//!
//!   mibwatch import MODEL.onnx --data SAMPLE.csv --out FILE.mwm [--features NAME,NAME…]
//!                  [--classes NAME,NAME…] [--label NAME] [--counters S | --time-column C …]
//!                  (an ONNX tree ensemble from scikit-learn, LightGBM, XGBoost or Spark as a
//!                  mibwatch model; ranges and medians from the sample of the same traffic)
//!   mibwatch export MODEL --out FILE.onnx
//!                  (the model's forest as an ONNX TreeEnsembleClassifier, features documented)
//!
//! `--time-column C` alone means cumulative counters timed by column C (add
//! `--rates` for a file of per-second rates).
//!
//! `--threads N`: the forests grow, and rows are scored, on N threads
//! (default: every core); the output is the same whatever N.
//!
//! `mibwatch train` with no options rebuilds the embedded default model
//! `models/default.mwm` from `data/snmp-mib/all_data.csv`, byte for byte.

mod compare;
mod markdown;
mod onnx;
mod opts;
mod print;
mod score;
mod train;
mod transfer;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("train") => train::train(rest),
        Some("info") => train::info(rest),
        Some("compare") => compare::compare(rest),
        Some("score") | Some("predict") => score::score(rest),
        Some("transfer") => transfer::transfer(rest),
        Some("import") => onnx::import(rest),
        Some("export") => onnx::export(rest),
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
