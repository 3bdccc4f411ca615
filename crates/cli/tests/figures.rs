//! Every figure the README quotes from a command is what that command prints
//! now (see `readme/mod.rs`): the default model's held-out table, the
//! cross-dataset transfers, the feature-set × learner comparison, and the
//! benchmark tables `bench/run.sh` wrote to `bench/results.md`.

mod readme;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mibwatch(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_mibwatch"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run mibwatch");
    assert!(
        o.status.success(),
        "mibwatch {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn check_command(name: &str, args: &[&str]) {
    let out = mibwatch(args);
    readme::check(name, &format!("mibwatch {}", args.join(" ")), &out);
}

#[test]
fn default_model_figures() {
    check_command(
        "default-model",
        &["info", "models/default.mwm", "--markdown"],
    );
}

#[test]
fn transfer_figures() {
    check_command(
        "transfer-public-lab",
        &[
            "transfer",
            "--train",
            "data/snmp-mib/all_data.csv",
            "--test",
            "data/lab/lab.csv",
            "--test-time-column",
            "timestamp",
            "--test-session-column",
            "session",
            "--markdown",
        ],
    );
    check_command(
        "transfer-lab-public",
        &[
            "transfer",
            "--train",
            "data/lab/lab.csv",
            "--train-time-column",
            "timestamp",
            "--train-session-column",
            "session",
            "--test",
            "data/snmp-mib/all_data.csv",
            "--markdown",
        ],
    );
}

#[test]
fn comparison_figures() {
    check_command("compare", &["compare"]);
}

/// The README's performance tables are the ones `bench/run.sh` wrote.
#[test]
fn benchmark_figures() {
    let results = std::fs::read_to_string(root().join("bench/results.md")).unwrap();
    let body: String = results
        .lines()
        .skip_while(|l| l.starts_with("<!--"))
        .map(|l| format!("{l}\n"))
        .collect();
    readme::check("bench", "bench/run.sh (bench/results.md)", &body);
}
