//! "Learn your normal": a baseline of one's own ordinary traffic, fitted
//! from rows without any label, that says whether a row is anomalous and
//! which inputs make it so, in the inputs' own units.
//!
//! # What is fitted
//! For every input (a per-second rate or a gauge), in signed log space
//! `slog(x) = sign(x)·ln(1 + |x|)`: the median and the median absolute
//! deviation, and a fitted range, the 0.5% and 99.5% quantiles widened by a
//! quarter of their span on each side ([`ranges`]). Then a **tolerance** `t`
//! (signed-log units, ≥ 0) is calibrated so that normal rows *held out from
//! the fit* (whole sessions, or contiguous blocks of time when there is one
//! session) raise at most the chosen false-alarm rate, 1% by default
//! ([`calibrate`]). Each input's **normal band** is its fitted range widened
//! by `t` on both sides: in the input's units, from
//! `(1 + lo)·e^-t − 1` to `(1 + hi)·e^t − 1` (see [`Baseline::band`]).
//!
//! # The anomaly score
//! `score = max over inputs of max(0, slog(x) − hi − t, lo − t − slog(x)) / ln 10`:
//! **log10 of the factor by which the most deviating input lies beyond its
//! normal band**, on the `1 + value` scale. 0 means every input is inside its
//! band; 1 means some input is 10× beyond the edge of its band (above or
//! below), 2 means 100×. A row is an **alarm** exactly when its score is
//! above 0, and its reasons are the inputs outside their bands, largest
//! first, with direction and size ([`Deviation`], rendered by [`reasons`]).
//!
//! # Alarm events
//! A single poll can be noisy. An "m of the last n polls" rule
//! ([`AlarmRule`], [`events`]; default 3 of 5, `AlarmRule::EVERY_POLL` turns
//! it off) turns single-poll alarms into alarm events; events are counted
//! per hour of traffic.
//!
//! # Wiring (for the model file and scoring)
//! Fit once from the normal rows of a model's inputs with
//! [`Baseline::fit`]`(rows, input_names, sessions, &BaselineOptions::default())`
//! (sessions: row ranges of each capture session; one range for a single
//! capture), or from a labelled [`Prepared`] file with
//! [`Baseline::fit_prepared`] (its normal sessions, or every row when no
//! class is called normal); it is serde-serialisable and
//! [`Baseline::validate`] checks a decoded one. Score a row of the same inputs with [`Baseline::score`]
//! (score, alarm, deviations) and [`Baseline::reasons`] (plain words); a whole
//! session's alarm column goes through `baseline.rule.events(&alarms)`.
//! [`evaluate`] compares detectors on a labelled file by held-out sessions.

pub mod calibrate;
pub mod evaluate;
pub mod events;
pub mod ranges;
pub mod reasons;
pub mod report;
pub mod robust_z;
pub mod score;
mod supervised;
#[cfg(test)]
mod tests;
pub mod timing;

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::schema;
use crate::train::Prepared;

pub use calibrate::{Calibration, Holdout};
pub use events::AlarmRule;
pub use ranges::{FeatureRange, RangeParams, Unit};
pub use score::{Deviation, Direction, RowScore};

/// Default share of held-out normal rows allowed to raise an alarm.
pub const DEFAULT_FALSE_ALARM_RATE: f64 = 0.01;
/// Default number of held-out folds for calibration.
pub const DEFAULT_FOLDS: usize = 5;
/// Fewest normal rows a baseline is fitted from.
pub const MIN_ROWS: usize = 20;

/// How to fit a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineOptions {
    /// Share of held-out normal rows allowed to raise an alarm (0 < rate < 0.5).
    pub false_alarm_rate: f64,
    /// Held-out folds for calibration (by session when there are two or
    /// more sessions, else by contiguous blocks of time).
    pub folds: usize,
    pub ranges: RangeParams,
    /// Turns single-poll alarms into alarm events (default 3 of the last 5
    /// polls, see [`AlarmRule::THREE_OF_FIVE`]).
    pub rule: AlarmRule,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        BaselineOptions {
            false_alarm_rate: DEFAULT_FALSE_ALARM_RATE,
            folds: DEFAULT_FOLDS,
            ranges: RangeParams::default(),
            rule: AlarmRule::THREE_OF_FIVE,
        }
    }
}

/// A fitted baseline of normal traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// One per input, in the order of the rows scored.
    pub features: Vec<FeatureRange>,
    /// Widening of every fitted range on both sides, in signed-log units.
    pub tolerance: f64,
    /// How the tolerance was calibrated, and what it gave on held-out rows.
    pub calibration: Calibration,
    pub rule: AlarmRule,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BaselineError {
    TooFewRows { rows: usize, needed: usize },
    NoInputs,
    RaggedRows { values: usize, inputs: usize },
    BadRate(f64),
    BadRule(AlarmRule),
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaselineError::TooFewRows { rows, needed } => write!(
                f,
                "{rows} normal row(s) to learn from; at least {needed} are needed, so that some can be held out to set the alarm threshold."
            ),
            BaselineError::NoInputs => {
                write!(f, "there is no input column to learn a baseline of.")
            }
            BaselineError::RaggedRows { values, inputs } => write!(
                f,
                "{values} values do not make whole rows of {inputs} inputs."
            ),
            BaselineError::BadRate(r) => write!(
                f,
                "the false-alarm rate must be above 0 and below 0.5 (50%); got {r}."
            ),
            BaselineError::BadRule(r) => write!(
                f,
                "the alarm rule \"{} of the last {} polls\" needs 1 ≤ m ≤ n.",
                r.m, r.n
            ),
        }
    }
}

impl std::error::Error for BaselineError {}

impl BaselineOptions {
    fn check(&self) -> Result<(), BaselineError> {
        let r = self.false_alarm_rate;
        if !(r > 0.0 && r < 0.5) {
            return Err(BaselineError::BadRate(r));
        }
        if !self.rule.is_valid() {
            return Err(BaselineError::BadRule(self.rule));
        }
        Ok(())
    }
}

impl Baseline {
    /// Fit from normal rows only (row-major, one value per name; no labels),
    /// grouped into capture `sessions` (row ranges, in time order within
    /// each). The tolerance is calibrated on rows held out from each fold's
    /// fit (see [`calibrate`]); the ranges kept are then fitted on all rows.
    pub fn fit(
        x: &[f64],
        names: &[String],
        sessions: &[Range<usize>],
        opts: &BaselineOptions,
    ) -> Result<Baseline, BaselineError> {
        opts.check()?;
        let f = names.len();
        if f == 0 {
            return Err(BaselineError::NoInputs);
        }
        if !x.len().is_multiple_of(f) {
            return Err(BaselineError::RaggedRows {
                values: x.len(),
                inputs: f,
            });
        }
        let (features, tolerance, calibration) =
            calibrate::fit_calibrated_ranges(x, names, sessions, opts, score::raw_excess)?;
        Ok(Baseline {
            features,
            tolerance: tolerance.max(0.0),
            calibration,
            rule: opts.rule,
        })
    }

    /// Fit on a prepared labelled file's inputs (per-second rates and
    /// gauges, `p.table`): the sessions of class `normal` when there is one
    /// (`prepare` renames the file's normal label to it), else every row.
    pub fn fit_prepared(p: &Prepared, opts: &BaselineOptions) -> Result<Baseline, BaselineError> {
        let sessions = normal_sessions(p);
        let (x, groups) = gather_rows(&p.table.values, p.table.n_cols(), &sessions);
        Baseline::fit(&x, &p.table.columns, &groups, opts)
    }

    pub fn n_inputs(&self) -> usize {
        self.features.len()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|f| f.name.as_str())
    }

    /// Input `j`'s normal band in the input's units (low, high).
    pub fn band(&self, j: usize) -> (f64, f64) {
        let r = &self.features[j];
        (
            ranges::unslog(r.lo - self.tolerance),
            ranges::unslog(r.hi + self.tolerance),
        )
    }

    /// Check a decoded baseline: finite statistics, ordered ranges, a
    /// non-negative tolerance, a valid rule.
    pub fn validate(&self) -> Result<(), String> {
        if self.features.is_empty() {
            return Err("the baseline has no inputs".into());
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err("the baseline's tolerance is not a non-negative number".into());
        }
        for r in &self.features {
            let finite = [r.median, r.mad, r.lo, r.hi].iter().all(|v| v.is_finite());
            if !finite || r.lo > r.hi || r.mad < 0.0 {
                return Err(format!("the baseline of {} is malformed", r.name));
            }
        }
        if !self.rule.is_valid() {
            return Err("the baseline's alarm rule is malformed".into());
        }
        Ok(())
    }
}

/// The capture sessions of class `normal` (every session when no class is
/// called normal).
pub fn normal_sessions(p: &Prepared) -> Vec<Range<usize>> {
    match p.classes.iter().position(|c| c == schema::NORMAL_CLASS) {
        Some(n) => p
            .sessions
            .iter()
            .filter(|s| p.y.get(s.start) == Some(&(n as u32)))
            .cloned()
            .collect(),
        None => p.sessions.clone(),
    }
}

/// The rows of `sessions` (row-major, `f` values per row) as one matrix, with
/// the sessions re-indexed into it.
pub fn gather_rows(
    x: &[f64],
    f: usize,
    sessions: &[Range<usize>],
) -> (Vec<f64>, Vec<Range<usize>>) {
    let mut out = Vec::new();
    let mut groups = Vec::new();
    for s in sessions {
        let start = out.len() / f.max(1);
        out.extend_from_slice(&x[s.start * f..s.end * f]);
        groups.push(start..start + s.len());
    }
    (out, groups)
}
