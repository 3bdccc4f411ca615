//! The traffic lab's committed capture (`data/lab/lab.csv`, made by
//! `lab/lab.sh campaign`) against the default model and the CLI:
//!
//! - the default model's unfamiliar-traffic guard flags the lab's host rows
//!   (a small namespace host, not the public file's busy transit router);
//! - `mibwatch transfer` runs both ways between the public file and the lab's;
//! - `mibwatch train` and `mibwatch score` read the lab file with its
//!   timestamp and session columns;
//! - the slow attacks hold their connections in the capture;
//! - the baseline of normal traffic meets its targets on the campaign
//!   (whole normal sessions held out) and on the long normal capture
//!   (`data/lab/normal-long.csv`, fitted on its first two thirds), and
//!   `mibwatch detectors` prints its table.

use std::path::{Path, PathBuf};
use std::process::Command;

use mibwatch_core::baseline::evaluate::{self, EvalOptions, EvalReport};
use mibwatch_core::capture::Capture;
use mibwatch_core::features::FeatureSet;
use mibwatch_core::ingest::{self, IngestOptions};
use mibwatch_core::model;
use mibwatch_core::train::{self, TrainOptions};

const LAB: &str = "data/lab/lab.csv";
const NORMAL_LONG: &str = "data/lab/normal-long.csv";
const PUBLIC: &str = "data/snmp-mib/all_data.csv";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mibwatch(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_mibwatch"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run mibwatch");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Share of the lab's rate rows the default model calls unfamiliar.
fn guard_share_on_lab() -> (usize, usize) {
    let m = model::decode(&std::fs::read(root().join("models/default.mwm")).unwrap()).unwrap();
    let bytes = std::fs::read(root().join(LAB)).unwrap();
    let table = ingest::read_csv(&bytes, &IngestOptions::labelled(LAB)).unwrap();
    // The lab's counters → per-second rates per capture session (core's rates).
    let p = train::prepare(
        &table,
        &TrainOptions {
            capture: Capture {
                session_column: Some("session".into()),
                ..Capture::counters_timed_by("timestamp")
            },
            feature_set: m.feature_set,
            ..TrainOptions::default()
        },
    )
    .unwrap();
    let inputs = m.input_rows(&p.table).unwrap();
    let n_in = m.inputs.len();
    let rows = inputs.len() / n_in;
    let flagged = inputs
        .chunks_exact(n_in)
        .filter(|r| m.predict(r).guard.unfamiliar)
        .count();
    (flagged, rows)
}

#[test]
fn default_model_guard_flags_the_lab_host_rows() {
    let (flagged, rows) = guard_share_on_lab();
    assert!(rows > 2000, "only {rows} lab rate rows");
    let share = flagged as f64 / rows as f64;
    eprintln!(
        "guard: {flagged} of {rows} lab rows unfamiliar ({:.2}%)",
        share * 100.0
    );
    assert!(
        share >= 0.99,
        "the guard flags {flagged} of {rows} lab rows ({:.2}%), below 99%",
        share * 100.0
    );
}

#[test]
fn transfer_runs_both_ways_with_confusion_matrices() {
    let (ok, out, err) = mibwatch(&[
        "transfer",
        "--train",
        PUBLIC,
        "--test",
        LAB,
        "--test-time-column",
        "timestamp",
        "--test-session-column",
        "session",
        "--trees",
        "20",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("multi-class: accuracy"), "{out}");
    assert!(out.contains("binary normal vs attack: accuracy"), "{out}");
    assert!(out.contains("true \\ predicted"), "{out}");
    for class in ["normal", "tcp-syn", "bruteForce"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(class)),
            "{class}: {out}"
        );
    }
    let (ok, out, err) = mibwatch(&[
        "transfer",
        "--train",
        LAB,
        "--train-time-column",
        "timestamp",
        "--train-session-column",
        "session",
        "--test",
        PUBLIC,
        "--trees",
        "20",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("Train on data/lab/lab.csv"), "{out}");
    assert!(out.contains("4998 rows in 8 sessions"), "{out}");
    // A missing file or an unknown option is an error, not a panic.
    let (ok, _, err) = mibwatch(&["transfer", "--train", PUBLIC]);
    assert!(!ok && err.contains("--test"), "{err}");
    let (ok, _, err) = mibwatch(&[
        "transfer",
        "--train",
        PUBLIC,
        "--test",
        LAB,
        "--test-counters",
        "soon",
    ]);
    assert!(!ok && err.contains("--test-counters"), "{err}");
}

#[test]
fn lab_file_trains_by_session_and_scores_with_its_timestamps() {
    let dir = std::env::temp_dir().join(format!("mibwatch-lab-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let model = dir.join("lab.mwm");
    let (ok, out, err) = mibwatch(&[
        "train",
        "--data",
        LAB,
        "--time-column",
        "timestamp",
        "--session-column",
        "session",
        "--trees",
        "20",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    // Several sessions per class: whole sessions can be held out.
    assert!(out.contains("Whole capture sessions held out"), "{out}");
    assert!(out.contains("8 classes"), "{out}");
    let scored = dir.join("scored.csv");
    let (ok, _, err) = mibwatch(&[
        "score",
        model.to_str().unwrap(),
        LAB,
        "--time-column",
        "timestamp",
        "--out",
        scored.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("against the file's labels"), "{err}");
    let text = std::fs::read_to_string(&scored).unwrap();
    let head = text.lines().next().unwrap();
    assert!(head.starts_with("timestamp,ifInOctets11,"), "{head}");
    assert!(head.contains(",session,class,predicted_class,"), "{head}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A lab file's rates (timestamps and sessions as recorded).
fn lab_rates(path: &str) -> (ingest::Table, train::Prepared) {
    let bytes = std::fs::read(root().join(path)).unwrap();
    let opts = IngestOptions {
        // The long normal capture has one class.
        require_label: false,
        ..IngestOptions::labelled(path)
    };
    let table = ingest::read_csv(&bytes, &opts).unwrap();
    let p = train::prepare(
        &table,
        &TrainOptions {
            capture: Capture {
                session_column: Some("session".into()),
                ..Capture::counters_timed_by("timestamp")
            },
            feature_set: FeatureSet::Rates,
            ..TrainOptions::default()
        },
    )
    .unwrap();
    (table, p)
}

/// The baselines (no forest) on a lab file, as `mibwatch detectors` runs them.
fn detectors(path: &str, holdout_fraction: f64) -> EvalReport {
    let (_, p) = lab_rates(path);
    let seconds = evaluate::row_seconds(p.times.as_ref().unwrap(), &p.sessions, 1.0);
    evaluate::evaluate(
        &p,
        &seconds,
        &EvalOptions {
            forest: None,
            holdout_fraction,
            ..EvalOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn slow_attacks_hold_their_connections_in_the_capture() {
    let (_, p) = lab_rates(LAB);
    let estab = p.table.column_index("tcpCurrEstab").unwrap();
    let median = |class: &str| {
        let c = p.classes.iter().position(|n| n == class).unwrap() as u32;
        let mut v: Vec<f64> = (0..p.y.len())
            .filter(|&i| p.y[i] == c)
            .map(|i| p.table.row(i)[estab])
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let normal = median("normal");
    for class in ["slowloris", "slowpost"] {
        let held = median(class);
        eprintln!("{class}: median tcpCurrEstab {held} (normal {normal})");
        assert!(
            held >= 10.0 * normal.max(1.0),
            "{class}: {held} vs normal {normal}"
        );
    }
}

#[test]
fn baseline_meets_its_targets_on_the_lab_campaign() {
    let r = detectors(LAB, 0.3);
    let range = &r.detectors[0];
    eprint!("{}", mibwatch_core::baseline::report::markdown(&r));
    assert!(range.normal_rows >= 300, "{range:?}");
    assert!(range.false_alarm_rate() <= 0.01, "{range:?}");
    for class in [
        "icmp-echo",
        "tcp-syn",
        "udp-flood",
        "httpFlood",
        "bruteForce",
        "slowloris",
    ] {
        let d = range.detection(class).unwrap();
        assert!(d.rate() >= 0.99, "{class}: {d:?}");
    }
    let slowpost = range.detection("slowpost").unwrap();
    assert!(slowpost.rate() >= 0.90, "{slowpost:?}");
}

#[test]
fn baseline_raises_at_most_one_event_an_hour_on_the_long_normal_capture() {
    let r = detectors(NORMAL_LONG, 1.0 / 3.0);
    let range = &r.detectors[0];
    eprint!("{}", mibwatch_core::baseline::report::markdown(&r));
    // At least 30 minutes recorded; the last third held out.
    assert!(range.normal_seconds >= 600.0, "{range:?}");
    assert!(
        r.normal_rows as f64 >= 1800.0 * 0.95,
        "{} rows",
        r.normal_rows
    );
    assert!(range.events_per_hour(true) <= 1.0, "{range:?}");
    assert!(range.false_alarm_rate() <= 0.01, "{range:?}");
}

#[test]
fn detectors_command_prints_the_table() {
    let (ok, out, err) = mibwatch(&[
        "detectors",
        "--data",
        LAB,
        "--time-column",
        "timestamp",
        "--session-column",
        "session",
        "--trees",
        "10",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("3-fold over 6 normal sessions"), "{out}");
    for row in [
        "| range baseline (normal bands) |",
        "| robust z (median/MAD) |",
        "| supervised forest (10 trees, rates) |",
    ] {
        assert!(out.contains(row), "{row}: {out}");
    }
    assert!(out.contains("tcpCurrEstab is "), "{out}");
    let (ok, _, err) = mibwatch(&["detectors", "--data", LAB, "--rule", "5/3"]);
    assert!(!ok && err.contains("--rule"), "{err}");
}
