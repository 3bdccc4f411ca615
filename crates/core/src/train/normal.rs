//! Learning normal: a baseline of one's own ordinary traffic from a file of
//! it, unlabelled (every row) or labelled (the rows of the normal label).
//! The result is a model: the baseline alone, or an existing model with the
//! baseline beside its classifier.

use super::fit::feature_stats;
use super::options::TrainError;
use super::prepare::relabel;
use crate::baseline::{Baseline, BaselineOptions, gather_rows};
use crate::capture::{self, Capture};
use crate::features::{FEATURE_VERSION, FeatureSet};
use crate::guard::Guard;
use crate::ingest::Table;
use crate::model::Model;
use crate::schema::{self, MIB_VARS};

/// How to learn normal from a file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LearnOptions {
    /// How the file's rows were captured.
    pub capture: Capture,
    /// The label of normal traffic, when the file has labels (default: a
    /// label `normal` in any case); its other rows are left out.
    pub normal_label: Option<String>,
    pub baseline: BaselineOptions,
    /// Where the traffic came from, in words.
    pub source: String,
}

/// What was learned, beside the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub model: Model,
    /// Rows and capture sessions the baseline was fitted on.
    pub rows: usize,
    pub sessions: usize,
    /// Rows of the file left out (not labelled normal).
    pub left_out: usize,
}

fn sessions_words(n: usize) -> String {
    if n == 1 {
        "one capture session".into()
    } else {
        format!("{n} capture sessions")
    }
}

/// The steps of [`learn_normal_with_progress`], in order; each is reported
/// before it starts, and the end as `done == total`.
pub const LEARN_STEPS: [&str; 3] = [
    "turning counters into rates",
    "gathering the normal rows",
    "calibrating the bands on held-out rows",
];

/// Learn normal from `table`. With `base`, the model is `base` with the new
/// baseline (over `base`'s inputs, which the file must have); without it,
/// a model that holds only the baseline (over the file's inputs).
pub fn learn_normal(
    table: &Table,
    opts: &LearnOptions,
    base: Option<&Model>,
) -> Result<Learned, TrainError> {
    learn_normal_with_progress(table, opts, base, &mut |_, _, _| {})
}

/// [`learn_normal`], calling `progress(done, total, step)` before each of
/// the [`LEARN_STEPS`] (`done` steps finished of `total`) and once at the
/// end with `done == total`; `done` never goes back.
pub fn learn_normal_with_progress(
    table: &Table,
    opts: &LearnOptions,
    base: Option<&Model>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Learned, TrainError> {
    let total = LEARN_STEPS.len();
    progress(0, total, LEARN_STEPS[0]);
    let c = capture::capture(table, &opts.capture).map_err(TrainError::Capture)?;
    progress(1, total, LEARN_STEPS[1]);
    let mut t = c.table;
    // The normal sessions (sessions never mix labels), or every one.
    let sessions: Vec<std::ops::Range<usize>> = match t.labels.as_mut() {
        Some(labels) => {
            relabel(labels, opts.normal_label.as_deref(), false);
            c.sessions
                .iter()
                .filter(|s| labels[s.start] == schema::NORMAL_CLASS)
                .cloned()
                .collect()
        }
        None => c.sessions.clone(),
    };
    let inputs: Vec<String> = match base {
        Some(m) => m.inputs.clone(),
        None => MIB_VARS
            .iter()
            .filter(|v| t.column_index(v.name).is_some())
            .map(|v| v.name.to_string())
            .collect(),
    };
    if inputs.is_empty() {
        return Err(TrainError::Mismatch(format!(
            "{}: no column is an SNMP input mibwatch knows (ifInOctets11, tcpInSegs, …).",
            t.file_name
        )));
    }
    let idx: Vec<usize> = inputs
        .iter()
        .map(|name| {
            t.column_index(name).ok_or_else(|| {
                TrainError::Mismatch(format!(
                    "{}: the model's input \"{name}\" is not in the file.",
                    t.file_name
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let n_in = inputs.len();
    let mut all = Vec::with_capacity(t.n_rows() * n_in);
    for r in 0..t.n_rows() {
        all.extend(idx.iter().map(|&j| t.row(r)[j]));
    }
    let (x, groups) = gather_rows(&all, n_in, &sessions);
    let rows = x.len() / n_in;
    progress(2, total, LEARN_STEPS[2]);
    let baseline =
        Baseline::fit(&x, &inputs, &groups, &opts.baseline).map_err(TrainError::Baseline)?;
    progress(total, total, "done");
    let learned = |model| Learned {
        model,
        rows,
        sessions: groups.len(),
        left_out: t.n_rows() - rows,
    };
    if let Some(m) = base {
        let mut model = m.clone();
        model.source = format!(
            "{}; normal traffic learned from {} ({rows} rows in {})",
            m.source,
            opts.source,
            sessions_words(groups.len())
        );
        model.baseline = Some(baseline);
        return Ok(learned(model));
    }
    let plan = FeatureSet::Rates
        .plan(&inputs)
        .map_err(TrainError::Features)?;
    let mut model = Model {
        source: format!(
            "Normal traffic learned from {} ({rows} rows in {})",
            opts.source,
            sessions_words(groups.len())
        ),
        input_kinds: inputs.iter().map(|c| schema::kind_of(c)).collect(),
        input_stats: feature_stats(&x, n_in),
        feature_set: FeatureSet::Rates,
        feature_version: FEATURE_VERSION,
        features: plan.names.clone(),
        feature_stats: feature_stats(&x, n_in),
        guard: Guard::fit(&x, n_in),
        classes: Vec::new(),
        classifier: None,
        baseline: Some(baseline),
        examples: Vec::new(),
        report: None,
        data_hash: super::fit::data_hash(&inputs, &[], &x, &[]),
        inputs,
        plan: None,
    };
    crate::model::format::check_consistent(&mut model).map_err(TrainError::Mismatch)?;
    Ok(learned(model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::schema::Verdict;
    use crate::score::{ScoreOptions, score, scored_csv};

    fn lab(path: &str) -> Table {
        let bytes = std::fs::read(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        read_csv(
            &bytes,
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled(path)
            },
        )
        .unwrap()
    }

    fn lab_capture() -> Capture {
        Capture {
            session_column: Some("session".into()),
            ..Capture::counters_timed_by("timestamp")
        }
    }

    /// Learn normal from the long normal capture, score the campaign: the
    /// alarms fall on the attacks, with reasons; normal polls stay quiet.
    #[test]
    fn learned_from_one_lab_file_it_finds_the_attacks_of_another() {
        let opts = LearnOptions {
            capture: lab_capture(),
            source: "normal-long.csv".into(),
            ..LearnOptions::default()
        };
        let mut normal = lab("data/lab/normal-long.csv");
        normal.labels = None;
        let mut steps = Vec::new();
        let learned =
            learn_normal_with_progress(&normal, &opts, None, &mut |d, t, _| steps.push((d, t)))
                .unwrap();
        assert_eq!(
            steps,
            vec![(0, 3), (1, 3), (2, 3), (3, 3)],
            "forward, total up front"
        );
        let m = &learned.model;
        assert!(m.classifier.is_none() && m.baseline.is_some());
        assert_eq!(m.inputs.len(), 34);
        assert!(learned.rows > 2000, "{}", learned.rows);
        let back = crate::model::decode(&crate::model::encode(m).unwrap()).unwrap();
        assert_eq!(&back, m);
        let campaign = lab("data/lab/lab.csv");
        let s = score(
            m,
            campaign,
            &ScoreOptions {
                capture: lab_capture(),
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        let v = s.verdicts.as_ref().unwrap();
        assert!(v.detection_rate > 0.95, "{v:?}");
        assert!(v.false_alarm_rate < 0.05, "{v:?}");
        assert!(s.alarm_events > 0);
        let out = scored_csv(m, &s, "class", true);
        let header = out.lines().next().unwrap();
        assert!(
            header.ends_with(",class,anomaly_score,alarm,alarm_event,deviating"),
            "{header}"
        );
        assert!(
            out.contains("tcpCurrEstab above ×"),
            "slow attacks are named by their connections"
        );
        // One poll of a SYN flood, predicted alone: anomalous, with reasons.
        let p = m.predict(&{
            let mut row: Vec<f64> = m.input_stats.iter().map(|s| s.median).collect();
            row[m.inputs.iter().position(|c| c == "ipInReceives").unwrap()] = 900.0;
            row
        });
        assert_eq!(p.verdict, Verdict::Anomalous);
        assert!(p.class.is_none() && p.attack.is_none());
        let reasons = m
            .baseline
            .as_ref()
            .unwrap()
            .reasons(p.baseline.as_ref().unwrap(), 3);
        assert!(reasons[0].starts_with("ipInReceives is "), "{reasons:?}");
    }

    /// A labelled file: only its normal rows are learned; beside an existing
    /// model, the baseline joins its forest.
    #[test]
    fn a_labelled_file_gives_its_normal_rows_and_keeps_the_forest() {
        let base = crate::model::decode(include_bytes!("../../../../models/default.mwm")).unwrap();
        let opts = LearnOptions {
            capture: Capture::counters_every(15.0),
            source: "all_data.csv".into(),
            ..LearnOptions::default()
        };
        let t = crate::testdata::public_table();
        let learned = learn_normal(&t, &opts, Some(&base)).unwrap();
        // 600 normal polls: 599 intervals, one of them a counter reset.
        assert_eq!(learned.rows, 598, "the normal capture's rates");
        assert_eq!(learned.left_out, 4976 - 598);
        assert_eq!(learned.model.classifier, base.classifier);
        assert!(
            learned
                .model
                .source
                .contains("normal traffic learned from all_data.csv")
        );
        let mut wrong = t.clone();
        wrong.columns[0] = "renamed".into();
        let e = learn_normal(&wrong, &opts, Some(&base)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "all_data.csv: the model's input \"ifInOctets11\" is not in the file."
        );
    }
}
