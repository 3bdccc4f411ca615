//! The CLI end to end: the embedded default model is reproducible byte for byte
//! from `data/` by `mibwatch train`, and bad input gets a message naming the
//! file, row and column.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mibwatch(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mibwatch"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run mibwatch")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mibwatch-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn default_model_is_reproducible_from_data() {
    let out = tmp("default.mwm");
    let run = mibwatch(&["train", "--out", out.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("Stratified random 70/30 split"), "{stdout}");
    assert!(stdout.contains("Time-ordered 70/30 split"), "{stdout}");
    let fresh = std::fs::read(&out).unwrap();
    let committed = std::fs::read(root().join("models/default.mwm")).unwrap();
    assert!(
        fresh == committed,
        "models/default.mwm differs from what `mibwatch train` makes now; run `make model`"
    );
    // The committed model reads back and reports the honest (time-ordered) figure.
    let m = mibwatch_core::model::decode(&committed).unwrap();
    assert_eq!(m.forest().unwrap().trees.len(), 100);
    let report = m.report.as_ref().unwrap();
    assert_eq!(m.inputs.len(), 34);
    assert_eq!(m.feature_set, mibwatch_core::features::FeatureSet::IfIpMix);
    assert_eq!(m.classes.len(), 8);
    let t = report.time_ordered.accuracy;
    assert!(t > 0.4 && t < 0.85, "time-ordered accuracy {t}");
    // No figure pretends to hold out whole sessions: each class is one session.
    assert!(report.by_session.is_none());
    assert!(stdout.contains("By session: not possible."), "{stdout}");
    assert!(report.guard_heldout_share <= 0.02);
}

#[test]
fn bad_input_names_file_row_and_column() {
    let bad = tmp("bad.csv");
    std::fs::write(
        &bad,
        "tcpInSegs,udpNoPorts,class\n1,2,normal\n3,x7,tcp-syn\n",
    )
    .unwrap();
    let run = mibwatch(&["train", "--data", bad.to_str().unwrap(), "--rates"]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("bad.csv, row 3, column \"udpNoPorts\": \"x7\" is not a number."),
        "{err}"
    );
    let run = mibwatch(&["info", bad.to_str().unwrap()]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a mibwatch model file"));
    let run = mibwatch(&["train", "--bogus"]);
    assert!(!run.status.success());
}

#[test]
fn score_writes_each_row_with_its_class_and_probabilities() {
    let csv = tmp("rows.csv");
    let m =
        mibwatch_core::model::decode(&std::fs::read(root().join("models/default.mwm")).unwrap())
            .unwrap();
    let mut text = m.inputs.join(",") + "\n";
    for ex in &m.examples {
        let cells: Vec<String> = ex.iter().map(|v| v.to_string()).collect();
        text += &(cells.join(",") + "\n");
    }
    std::fs::write(&csv, text).unwrap();
    let run = mibwatch(&["score", "models/default.mwm", csv.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = String::from_utf8_lossy(&run.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + m.classes.len());
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[34], "predicted_class");
    // The default model holds a baseline: its four columns follow.
    assert!(m.baseline.is_some());
    assert_eq!(header.len(), 34 + 3 + m.classes.len() + 4);
    assert_eq!(
        &header[header.len() - 4..],
        ["anomaly_score", "alarm", "alarm_event", "deviating"]
    );
    // Each class's typical training row is predicted as its class.
    for (i, line) in lines[1..].iter().enumerate() {
        assert_eq!(
            line.split(',').nth(34),
            Some(m.classes[i].as_str()),
            "{line}"
        );
    }
    assert!(String::from_utf8_lossy(&run.stderr).contains("rows/s"));
    // --features-out: the feature row each scored row's forest read.
    let feats = tmp("features.csv");
    let run = mibwatch(&[
        "score",
        "models/default.mwm",
        csv.to_str().unwrap(),
        "--features-out",
        feats.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    let text = std::fs::read_to_string(&feats).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], m.features.join(","));
    assert_eq!(lines.len(), 1 + m.examples.len());
    for (ex, line) in m.examples.iter().zip(&lines[1..]) {
        let got: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(got, m.derive(ex), "{line}");
    }
}

#[test]
fn training_and_scoring_give_the_same_output_on_any_number_of_threads() {
    let model = |threads: &str| {
        let out = tmp(&format!("threads-{threads}.mwm"));
        let run = mibwatch(&[
            "train",
            "--trees",
            "20",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        std::fs::read(out).unwrap()
    };
    assert_eq!(model("1"), model("2"));
    let scored = |threads: &str| {
        let run = mibwatch(&[
            "score",
            "models/default.mwm",
            "data/snmp-mib/all_data.csv",
            "--counters",
            "15",
            "--threads",
            threads,
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        run.stdout
    };
    assert_eq!(scored("1"), scored("3"));
    let run = mibwatch(&[
        "score",
        "models/default.mwm",
        "data/snmp-mib/all_data.csv",
        "--threads",
        "0",
    ]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("--threads: give at least 1"));
}

#[test]
fn export_then_import_scores_like_the_model_it_came_from() {
    let onnx = tmp("default.onnx");
    let back = tmp("back.mwm");
    let run = mibwatch(&[
        "export",
        "models/default.mwm",
        "--out",
        onnx.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // --with-features: the file takes the 34 rates and computes the features.
    let with = tmp("with-features.onnx");
    let run = mibwatch(&[
        "export",
        "models/default.mwm",
        "--with-features",
        "--out",
        with.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.contains("input \"rates\" [N, 34] double"), "{err}");
    assert!(std::fs::metadata(&with).unwrap().len() > std::fs::metadata(&onnx).unwrap().len());
    let run = mibwatch(&[
        "import",
        onnx.to_str().unwrap(),
        "--data",
        "data/snmp-mib/all_data.csv",
        "--counters",
        "15",
        "--out",
        back.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.contains("mapped by the names the file gives"), "{err}");
    assert!(
        err.contains(
            "column  16 → bytesPerPktIn: ifInOctets11 / (ifInUcastPkts11 + ifInNUcastPkts11)"
        ),
        "{err}"
    );
    let classes = |model: &str| {
        let run = mibwatch(&[
            "score",
            model,
            "data/snmp-mib/all_data.csv",
            "--counters",
            "15",
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        String::from_utf8_lossy(&run.stdout)
            .lines()
            .map(|l| l.split(',').nth(35).unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        classes(back.to_str().unwrap()),
        classes("models/default.mwm")
    );
    // A file that is not ONNX, and a refused operator, get messages.
    let run = mibwatch(&[
        "import",
        "README.md",
        "--data",
        "data/snmp-mib/all_data.csv",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let run = mibwatch(&[
        "import",
        "tests/fixtures/onnx/refuse_probit.onnx",
        "--data",
        "data/snmp-mib/all_data.csv",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("PROBIT"));
}

#[test]
fn a_baseline_learned_from_normal_traffic_flags_the_lab_attacks_with_reasons() {
    let model = tmp("normal.mwm");
    let run = mibwatch(&[
        "baseline",
        "--data",
        "data/lab/normal-long.csv",
        "--out",
        model.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(
        err.contains("Normal traffic learned from normal-long.csv"),
        "{err}"
    );
    let m = mibwatch_core::model::decode(&std::fs::read(&model).unwrap()).unwrap();
    assert!(m.baseline.is_some() && m.classifier.is_none());
    // Scored on the lab campaign (other captures, attacks included).
    let run = mibwatch(&["score", model.to_str().unwrap(), "data/lab/lab.csv"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.contains("verdicts against the file's labels"), "{err}");
    let out = String::from_utf8_lossy(&run.stdout);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (class, alarm, deviating) = (col("class"), col("alarm"), col("deviating"));
    assert_eq!(deviating, header.len() - 1);
    let (mut normal, mut normal_alarms, mut attacks, mut attack_alarms) = (0, 0, 0, 0);
    for line in lines {
        // `deviating` is the last column and the only one that may be quoted.
        let cells: Vec<&str> = line.splitn(deviating + 1, ',').collect();
        let alarmed = cells[alarm] == "true";
        if alarmed {
            assert!(
                cells[deviating].contains("above ×") || cells[deviating].contains("below"),
                "{line}"
            );
        }
        if cells[class] == "normal" {
            normal += 1;
            normal_alarms += alarmed as usize;
        } else {
            attacks += 1;
            attack_alarms += alarmed as usize;
        }
    }
    assert!(
        normal > 100 && attacks > 100,
        "{normal} normal, {attacks} attack rows"
    );
    // No attack label was seen: false alarms stay rare, most attack polls alarm.
    assert!(
        (normal_alarms as f64) < 0.02 * normal as f64,
        "{normal_alarms} of {normal}"
    );
    assert!(
        (attack_alarms as f64) > 0.9 * attacks as f64,
        "{attack_alarms} of {attacks}"
    );
}
