//! Detectors side by side on a labelled file, the fair way for a baseline
//! of normal: whole normal sessions are held out (k-fold over the normal
//! sessions; with a single normal session, its last part by time), each
//! detector is fitted on the other normal rows only (no attack row is ever
//! seen, and the alarm threshold is calibrated inside those rows), then
//! judged on the held-out normal rows (false alarms per row, alarm events
//! per hour) and on every attack row (detection per attack class).
//!
//! Compared: the range baseline ([`Baseline`]), the robust-z score
//! ([`RobustZ`]), and the supervised forest, which does see attack labels:
//! whole sessions of every class held out when each class has two or more
//! ([`Prepared::session_folds`]), else the time-ordered split.

use std::ops::Range;

use crate::forest::{ForestError, ForestParams};
use crate::schema;
use crate::train::Prepared;

use super::events::AlarmRule;
use super::robust_z::RobustZ;
use super::supervised;
pub use super::timing::row_seconds;
use super::{Baseline, BaselineError, BaselineOptions, Calibration, gather_rows, normal_sessions};

/// How to evaluate.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Fitting and calibration of the baselines (false-alarm rate, folds).
    pub baseline: BaselineOptions,
    /// The rule for the second alarm-events column.
    pub rule: AlarmRule,
    /// k of the k-fold over normal sessions (at most the number of sessions).
    pub outer_folds: usize,
    /// With one normal session: the share held out at its end.
    pub holdout_fraction: f64,
    /// The supervised forest's settings; `None` leaves it out.
    pub forest: Option<ForestParams>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            baseline: BaselineOptions::default(),
            rule: AlarmRule::THREE_OF_FIVE,
            outer_folds: 3,
            holdout_fraction: 0.3,
            forest: Some(ForestParams::default()),
        }
    }
}

/// How the normal rows were held out.
#[derive(Debug, Clone, PartialEq)]
pub enum NormalHoldout {
    /// k-fold over whole normal sessions.
    Sessions { folds: usize, sessions: usize },
    /// One normal session: its last `fraction` by time.
    LastPart { fraction: f64 },
}

/// Detection of one attack class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassDetection {
    pub class: String,
    /// Attack rows judged (pooled over folds: an attack row is judged by
    /// every fold's detector).
    pub rows: usize,
    pub detected: usize,
}

impl ClassDetection {
    pub fn rate(&self) -> f64 {
        ratio(self.detected, self.rows)
    }
}

/// One detector's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorResult {
    pub name: String,
    /// How this detector was held out, when it differs from the normal
    /// holdout of the report (the forest's).
    pub how: Option<String>,
    pub normal_rows: usize,
    pub false_alarms: usize,
    /// Seconds of held-out normal traffic.
    pub normal_seconds: f64,
    /// Alarm events on held-out normal rows: every run of alarm polls, and
    /// with the report's rule.
    pub events_every_poll: usize,
    pub events_rule: usize,
    pub per_class: Vec<ClassDetection>,
}

impl DetectorResult {
    pub fn false_alarm_rate(&self) -> f64 {
        ratio(self.false_alarms, self.normal_rows)
    }

    pub fn events_per_hour(&self, with_rule: bool) -> f64 {
        let e = if with_rule {
            self.events_rule
        } else {
            self.events_every_poll
        };
        super::events::per_hour(e, self.normal_seconds)
    }

    pub fn detection(&self, class: &str) -> Option<&ClassDetection> {
        self.per_class.iter().find(|c| c.class == class)
    }

    pub(super) fn empty(name: String, attack_classes: &[String]) -> Self {
        DetectorResult {
            name,
            how: None,
            normal_rows: 0,
            false_alarms: 0,
            normal_seconds: 0.0,
            events_every_poll: 0,
            events_rule: 0,
            per_class: attack_classes
                .iter()
                .map(|c| ClassDetection {
                    class: c.clone(),
                    rows: 0,
                    detected: 0,
                })
                .collect(),
        }
    }

    /// Count held-out normal rows (session runs, each in time order) and
    /// attack rows judged by one fitted detector.
    pub(super) fn add(
        &mut self,
        e: &Evaluated,
        heldout: &[Range<usize>],
        attacks: &[usize],
        alarm: &dyn Fn(usize) -> bool,
    ) {
        let rule = e.rule;
        for s in heldout {
            let alarms: Vec<bool> = s.clone().map(alarm).collect();
            self.normal_rows += alarms.len();
            self.false_alarms += alarms.iter().filter(|&&a| a).count();
            self.normal_seconds += s.clone().map(|i| e.seconds[i]).sum::<f64>();
            self.events_every_poll += AlarmRule::EVERY_POLL.events(&alarms);
            self.events_rule += rule.events(&alarms);
        }
        for &i in attacks {
            let c = e.attack_slot[e.p.y[i] as usize].expect("attack rows have attack classes");
            self.per_class[c].rows += 1;
            self.per_class[c].detected += alarm(i) as usize;
        }
    }
}

/// Everything the evaluation found.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub file: String,
    pub rows: usize,
    pub inputs: usize,
    pub normal_rows: usize,
    pub holdout: NormalHoldout,
    pub false_alarm_rate: f64,
    pub rule: AlarmRule,
    /// Attack classes, in the file's class order.
    pub attack_classes: Vec<String>,
    pub detectors: Vec<DetectorResult>,
    /// The range baseline's calibration in each outer fold (on its own
    /// fitting rows only).
    pub calibrations: Vec<Calibration>,
    /// The range baseline's reasons (first fold) for a typical alarm row of
    /// each attack class (its median score among the class's alarm rows),
    /// and for held-out normal rows that raised a false alarm (up to 10).
    pub examples: Vec<Example>,
}

/// A scored row in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub class: String,
    /// Spreadsheet row number in the file.
    pub row_number: usize,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// Most false-alarm examples kept.
const MAX_FALSE_ALARM_EXAMPLES: usize = 10;

fn example(p: &Prepared, b: &Baseline, i: usize, x: &[f64]) -> Example {
    let s = b.score(x);
    Example {
        class: p.classes[p.y[i] as usize].clone(),
        row_number: p.table.row_numbers[i],
        score: s.score,
        reasons: b.reasons(&s, 3),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    NoNormal { file: String, classes: Vec<String> },
    Baseline(BaselineError),
    Forest(ForestError),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::NoNormal { file, classes } => write!(
                f,
                "{file}: no class \"normal\" among {}; name the label of normal traffic (--normal-label).",
                classes.join(", ")
            ),
            EvalError::Baseline(e) => e.fmt(f),
            EvalError::Forest(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EvalError {}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The shared state of one evaluation.
pub(super) struct Evaluated<'a> {
    pub(super) p: &'a Prepared,
    pub(super) seconds: &'a [f64],
    pub(super) rule: AlarmRule,
    /// Class index → slot among the attack classes (`None` for normal).
    pub(super) attack_slot: Vec<Option<usize>>,
}

/// One outer fold over the normal rows.
struct NormalFold {
    /// Normal rows fitted on, grouped by session.
    fit: Vec<Range<usize>>,
    /// Held-out normal rows, by session.
    held: Vec<Range<usize>>,
}

/// Normal sessions split for the outer holdout.
fn normal_folds(
    normal_sessions: &[Range<usize>],
    k: usize,
    fraction: f64,
) -> (NormalHoldout, Vec<NormalFold>) {
    if normal_sessions.len() >= 2 {
        let k = k.clamp(2, normal_sessions.len());
        let folds = (0..k)
            .map(|f| {
                let (mut fit, mut held) = (Vec::new(), Vec::new());
                for (i, s) in normal_sessions.iter().enumerate() {
                    if i % k == f {
                        held.push(s.clone());
                    } else {
                        fit.push(s.clone());
                    }
                }
                NormalFold { fit, held }
            })
            .collect();
        (
            NormalHoldout::Sessions {
                folds: k,
                sessions: normal_sessions.len(),
            },
            folds,
        )
    } else {
        let s = normal_sessions.first().cloned().unwrap_or(0..0);
        let held = ((s.len() as f64 * fraction).round() as usize).clamp(1, s.len().max(1));
        let cut = s.end.saturating_sub(held).max(s.start);
        (
            NormalHoldout::LastPart { fraction },
            vec![NormalFold {
                fit: std::iter::once(s.start..cut).collect(),
                held: std::iter::once(cut..s.end).collect(),
            }],
        )
    }
}

/// Evaluate the detectors on a prepared labelled file. `seconds`: the
/// seconds each prepared row covers (see [`row_seconds`]).
pub fn evaluate(
    p: &Prepared,
    seconds: &[f64],
    opts: &EvalOptions,
) -> Result<EvalReport, EvalError> {
    let normal = p
        .classes
        .iter()
        .position(|c| c == schema::NORMAL_CLASS)
        .ok_or_else(|| EvalError::NoNormal {
            file: p.table.file_name.clone(),
            classes: p.classes.clone(),
        })? as u32;
    // Attack classes in the public dataset's order, others after in file order.
    let mut order: Vec<usize> = (0..p.classes.len())
        .filter(|&c| c as u32 != normal)
        .collect();
    order.sort_by_key(|&c| {
        schema::DATASET_CLASSES
            .iter()
            .position(|d| *d == p.classes[c])
            .unwrap_or(schema::DATASET_CLASSES.len())
    });
    let attack_classes: Vec<String> = order.iter().map(|&c| p.classes[c].clone()).collect();
    let mut attack_slot = vec![None; p.classes.len()];
    for (slot, &c) in order.iter().enumerate() {
        attack_slot[c] = Some(slot);
    }
    let e = Evaluated {
        p,
        seconds,
        rule: opts.rule,
        attack_slot,
    };
    let names = &p.table.columns;
    let f = names.len();
    let x = &p.table.values;
    let normal_sessions = normal_sessions(p);
    let attacks: Vec<usize> = (0..p.y.len()).filter(|&i| p.y[i] != normal).collect();
    let (holdout, folds) = normal_folds(&normal_sessions, opts.outer_folds, opts.holdout_fraction);

    let mut range = DetectorResult::empty("range baseline (normal bands)".into(), &attack_classes);
    let mut robust = DetectorResult::empty("robust z (median/MAD)".into(), &attack_classes);
    let mut calibrations = Vec::new();
    let mut examples = Vec::new();
    for (fold, NormalFold { fit, held }) in folds.iter().enumerate() {
        let (xfit, groups) = gather_rows(x, f, fit);
        let b =
            Baseline::fit(&xfit, names, &groups, &opts.baseline).map_err(EvalError::Baseline)?;
        let z = RobustZ::fit(&xfit, names, &groups, &opts.baseline).map_err(EvalError::Baseline)?;
        let row = |i: usize| &x[i * f..(i + 1) * f];
        range.add(&e, held, &attacks, &|i| b.is_alarm(row(i)));
        robust.add(&e, held, &attacks, &|i| z.is_alarm(row(i)));
        calibrations.push(b.calibration.clone());
        if fold == 0 {
            examples = typical_alarms(p, &b, &attacks, &e.attack_slot, x, f);
            examples.extend(
                held.iter()
                    .flat_map(|s| s.clone())
                    .filter(|&i| b.is_alarm(row(i)))
                    .take(MAX_FALSE_ALARM_EXAMPLES)
                    .map(|i| example(p, &b, i, row(i))),
            );
        }
    }
    let mut detectors = vec![range, robust];
    if let Some(params) = &opts.forest
        && attacks.len() >= 2
    {
        detectors.push(supervised::forest_result(
            &e,
            normal,
            params,
            &attack_classes,
            opts.holdout_fraction,
        )?);
    }
    Ok(EvalReport {
        file: p.table.file_name.clone(),
        rows: p.y.len(),
        inputs: f,
        normal_rows: normal_sessions.iter().map(|s| s.len()).sum(),
        holdout,
        false_alarm_rate: opts.baseline.false_alarm_rate,
        rule: opts.rule,
        attack_classes,
        detectors,
        calibrations,
        examples,
    })
}

/// For each attack class, the alarm row with the median score among the
/// class's alarm rows.
fn typical_alarms(
    p: &Prepared,
    b: &Baseline,
    attacks: &[usize],
    slots: &[Option<usize>],
    x: &[f64],
    f: usize,
) -> Vec<Example> {
    let n_slots = slots.iter().flatten().count();
    let mut by_class: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n_slots];
    for &i in attacks {
        let row = &x[i * f..(i + 1) * f];
        let s = b.score_value(row);
        if s > 0.0
            && let Some(slot) = slots[p.y[i] as usize]
        {
            by_class[slot].push((s, i));
        }
    }
    by_class
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|mut v| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let i = v[v.len() / 2].1;
            example(p, b, i, &x[i * f..(i + 1) * f])
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::baseline::Holdout;
    use crate::capture::Capture;
    use crate::features::FeatureSet;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::train::{TrainOptions, prepare};

    /// Per-second rates, one session per block: normal sessions at the
    /// given levels of ipInReceives (each with its own wobble), then a flood
    /// and a quiet attack after the first.
    fn file(normal_levels: &[f64]) -> Prepared {
        let mut csv = String::from("session,ipInReceives,tcpCurrEstab,class\n");
        let mut sid = 0;
        let mut block = |csv: &mut String, class: &str, ip: f64, estab: f64| {
            sid += 1;
            for i in 0..40 {
                let wobble = 1.0 + 0.1 * (((i + sid) * 7 % 11) as f64 / 10.0);
                csv.push_str(&format!("{sid},{},{estab},{class}\n", ip * wobble));
            }
        };
        for (k, &level) in normal_levels.iter().enumerate() {
            block(&mut csv, "normal", level, 4.0);
            if k == 0 {
                block(&mut csv, "flood", 50_000.0, 4.0);
                block(&mut csv, "slow", level, 400.0);
            }
        }
        let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("e.csv")).unwrap();
        prepare(
            &t,
            &TrainOptions {
                feature_set: FeatureSet::Rates,
                capture: Capture {
                    session_column: Some("session".into()),
                    ..Capture::rates()
                },
                ..TrainOptions::default()
            },
        )
        .unwrap()
    }

    fn opts() -> EvalOptions {
        EvalOptions {
            forest: Some(ForestParams {
                n_trees: 5,
                ..ForestParams::default()
            }),
            ..EvalOptions::default()
        }
    }

    #[test]
    fn every_normal_row_is_held_out_once_and_attacks_are_judged_by_each_fold() {
        let p = file(&[20.0; 6]);
        let seconds = vec![1.0; p.y.len()];
        let r = evaluate(&p, &seconds, &opts()).unwrap();
        assert_eq!(
            r.holdout,
            NormalHoldout::Sessions {
                folds: 3,
                sessions: 6
            }
        );
        let range = &r.detectors[0];
        assert_eq!(range.normal_rows, 240);
        assert_eq!(range.normal_seconds, 240.0);
        assert_eq!(range.detection("flood").unwrap().rows, 3 * 40);
        assert_eq!(range.detection("flood").unwrap().rate(), 1.0);
        assert_eq!(range.detection("slow").unwrap().rate(), 1.0);
        assert_eq!(range.false_alarms, 0, "{:?}", r.examples);
        assert_eq!(r.calibrations.len(), 3);
        assert!(
            r.calibrations
                .iter()
                .all(|c| c.holdout == Holdout::BySession)
        );
        // Reasons name the input and its units.
        let slow = r.examples.iter().find(|e| e.class == "slow").unwrap();
        assert!(slow.reasons[0].starts_with("tcpCurrEstab is "), "{slow:?}");
        assert_eq!(r.detectors.len(), 3);
        let md = super::super::report::markdown(&r);
        assert!(
            md.contains("| range baseline (normal bands) | 0% (0 of 240) |"),
            "{md}"
        );
        assert!(md.contains("3-fold over 6 normal sessions"), "{md}");
    }

    /// One normal session at a level no other reaches: a detector fitted on
    /// it (in-sample) calls it normal, so an evaluation that fitted on the
    /// held-out rows would find no false alarm. Fitted on the other two
    /// sessions only (whose calibration, one against the other, sees nothing
    /// unusual), all 40 of its rows are alarms.
    #[test]
    fn held_out_normal_sessions_are_never_fitted_on() {
        let p = file(&[20.0, 20.0, 2_000.0]);
        let r = evaluate(&p, &vec![1.0; p.y.len()], &opts()).unwrap();
        let range = &r.detectors[0];
        assert_eq!(range.normal_rows, 120);
        assert_eq!(range.false_alarms, 40, "{range:?}");
        assert_eq!(range.events_every_poll, 1);
        let robust = &r.detectors[1];
        assert_eq!(robust.false_alarms, 40, "{robust:?}");
    }

    #[test]
    fn one_normal_session_holds_out_its_end() {
        let p = file(&[20.0]);
        let r = evaluate(&p, &vec![15.0; p.y.len()], &opts()).unwrap();
        assert_eq!(r.holdout, NormalHoldout::LastPart { fraction: 0.3 });
        let range = &r.detectors[0];
        assert_eq!(range.normal_rows, 12);
        assert_eq!(range.normal_seconds, 180.0);
        assert_eq!(r.calibrations[0].holdout, Holdout::ByTime);
        assert_eq!(r.calibrations[0].rows, 28);
        // The forest cannot hold out sessions: the time-ordered split.
        let forest = &r.detectors[2];
        assert!(
            forest
                .how
                .as_ref()
                .unwrap()
                .starts_with("time-ordered split")
        );
        let md = super::super::report::markdown(&r);
        assert!(md.contains("its last 30% by time held out"), "{md}");
    }

    #[test]
    fn no_normal_class_is_an_error_naming_the_option() {
        let t = read_csv(
            b"a,class\n1,x\n2,x\n3,x\n4,x\n5,y\n6,y\n7,y\n8,y\n",
            &IngestOptions::labelled("n.csv"),
        )
        .unwrap();
        let rates = TrainOptions {
            feature_set: FeatureSet::Rates,
            ..TrainOptions::default()
        };
        let p = prepare(&t, &rates).unwrap();
        let e = evaluate(&p, &[1.0; 8], &opts()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "n.csv: no class \"normal\" among x, y; name the label of normal traffic (--normal-label)."
        );
    }

    #[test]
    fn fit_prepared_uses_the_normal_sessions_only() {
        let p = file(&[20.0, 21.0]);
        let b = Baseline::fit_prepared(&p, &BaselineOptions::default()).unwrap();
        assert_eq!(b.calibration.rows, 80);
        assert_eq!(b.calibration.sessions, 2);
        assert_eq!(
            b.names().collect::<Vec<_>>(),
            vec!["ipInReceives", "tcpCurrEstab"]
        );
        // The slow attack's 400 connections were not fitted.
        let (lo, hi) = b.band(1);
        assert!(lo <= 4.0 && (4.0..5.0).contains(&hi), "{lo}..{hi}");
    }
}
