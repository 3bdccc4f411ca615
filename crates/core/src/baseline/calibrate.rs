//! The alarm threshold from a false-alarm rate, calibrated on normal rows
//! held out from the fit, never in-sample. Normal rows are cut into folds:
//! whole capture sessions when there are two or more, else contiguous blocks
//! of time within the one session. Each fold's rows are scored by a detector
//! fitted on the other folds only; the threshold is the smallest value that
//! at most the chosen share of those out-of-fold scores exceed.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::split::{self, Split};

use super::ranges::{self, FeatureRange};
use super::{BaselineError, BaselineOptions, MIN_ROWS};

/// Fewest rows a fold's fitting side must have to count.
pub const MIN_FOLD_TRAIN_ROWS: usize = 10;

/// How normal rows were held out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holdout {
    /// Whole capture sessions held out (grouped k-fold).
    BySession,
    /// One session: contiguous blocks of time held out in turn.
    ByTime,
}

/// What calibration did, and what it gave on the held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub holdout: Holdout,
    pub folds: u32,
    /// Capture sessions among the normal rows.
    pub sessions: u32,
    /// Normal rows fitted (all of them, for the final ranges).
    pub rows: u64,
    /// Out-of-fold rows scored for the threshold, and how many of them the
    /// chosen threshold calls alarms.
    pub heldout_rows: u64,
    pub heldout_alarms: u64,
    /// The false-alarm rate asked for.
    pub target_rate: f64,
}

impl Calibration {
    /// Share of held-out normal rows that raised an alarm.
    pub fn heldout_rate(&self) -> f64 {
        if self.heldout_rows == 0 {
            0.0
        } else {
            self.heldout_alarms as f64 / self.heldout_rows as f64
        }
    }

    /// One sentence for people.
    pub fn describe(&self) -> String {
        let how = match self.holdout {
            Holdout::BySession => format!(
                "whole sessions held out ({} folds over {} sessions)",
                self.folds, self.sessions
            ),
            Holdout::ByTime => format!(
                "contiguous blocks of time held out ({} folds of one session)",
                self.folds
            ),
        };
        format!(
            "Alarm threshold set for at most {:.1}% false alarms on normal rows held out from the fit, {how}: {} of {} held-out rows ({:.2}%) raise an alarm.",
            self.target_rate * 100.0,
            self.heldout_alarms,
            self.heldout_rows,
            self.heldout_rate() * 100.0
        )
    }
}

/// Sessions clamped to `0..rows`; empty ones dropped; none → one session.
pub fn normalise_sessions(sessions: &[Range<usize>], rows: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = sessions
        .iter()
        .map(|s| s.start.min(rows)..s.end.min(rows))
        .filter(|s| !s.is_empty())
        .collect();
    if out.is_empty() && rows > 0 {
        out.push(0..rows);
    }
    out
}

/// Held-out folds over normal rows: whole sessions (session `i` in fold
/// `i mod k`, k = min(`k`, sessions)) when there are two or more sessions,
/// else `k` contiguous blocks of time. Folds whose fitting side has fewer
/// than [`MIN_FOLD_TRAIN_ROWS`] rows are dropped.
pub fn holdout_folds(sessions: &[Range<usize>], k: usize) -> (Holdout, Vec<Split>) {
    let k = k.max(2);
    let (holdout, folds) = if sessions.len() >= 2 {
        let k = k.min(sessions.len());
        let folds = (0..k)
            .map(|fold| {
                let mut s = Split {
                    train: Vec::new(),
                    test: Vec::new(),
                };
                for (i, r) in sessions.iter().enumerate() {
                    if i % k == fold {
                        s.test.extend(r.clone());
                    } else {
                        s.train.extend(r.clone());
                    }
                }
                s
            })
            .collect::<Vec<_>>();
        (Holdout::BySession, folds)
    } else {
        (Holdout::ByTime, split::blocked_kfold(sessions, k))
    };
    let folds = folds
        .into_iter()
        .filter(|s| !s.test.is_empty() && s.train.len() >= MIN_FOLD_TRAIN_ROWS)
        .collect();
    (holdout, folds)
}

/// Out-of-fold scores: each fold's test rows scored by a detector fitted on
/// its training rows only. Returns (row index, score) in fold order.
pub fn out_of_fold<D>(
    x: &[f64],
    f: usize,
    folds: &[Split],
    fit: &dyn Fn(&[f64]) -> D,
    score: &dyn Fn(&D, &[f64]) -> f64,
) -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    for s in folds {
        let d = fit(&split::take_rows(x, f, &s.train));
        for &i in &s.test {
            out.push((i, score(&d, &x[i * f..(i + 1) * f])));
        }
    }
    out
}

/// The smallest threshold `t` such that at most `floor(rate × n)` of the
/// scores are above it (alarm ⇔ score > t). Never below the smallest score.
pub fn threshold_for_rate(scores: &[f64], rate: f64) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    let mut s: Vec<f64> = scores.to_vec();
    s.sort_by(|a, b| b.total_cmp(a));
    let allowed = ((rate.max(0.0) * s.len() as f64).floor() as usize).min(s.len() - 1);
    s[allowed]
}

/// Calibrate a detector's threshold for `rate` on out-of-fold normal rows
/// (see [`holdout_folds`]). Returns the threshold and what it gave.
#[allow(clippy::type_complexity)]
pub fn calibrate<D>(
    x: &[f64],
    f: usize,
    sessions: &[Range<usize>],
    k: usize,
    rate: f64,
    fit: &dyn Fn(&[f64]) -> D,
    score: &dyn Fn(&D, &[f64]) -> f64,
) -> Result<(f64, Calibration), BaselineError> {
    let rows = x.len() / f.max(1);
    let sessions = normalise_sessions(sessions, rows);
    let (holdout, folds) = holdout_folds(&sessions, k);
    if folds.is_empty() {
        return Err(BaselineError::TooFewRows {
            rows,
            needed: MIN_ROWS,
        });
    }
    let oof: Vec<f64> = out_of_fold(x, f, &folds, fit, score)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let t = threshold_for_rate(&oof, rate);
    Ok((
        t,
        Calibration {
            holdout,
            folds: folds.len() as u32,
            sessions: sessions.len() as u32,
            rows: rows as u64,
            heldout_rows: oof.len() as u64,
            heldout_alarms: oof.iter().filter(|&&s| s > t).count() as u64,
            target_rate: rate,
        },
    ))
}

/// A range detector fitted on normal rows `x` (`names.len()` > 0 values a
/// row): the ranges of every row, and the threshold of `score` over them
/// calibrated on held-out rows with `opts`'s folds and false-alarm rate.
/// Fewer than [`MIN_ROWS`] rows: [`BaselineError::TooFewRows`].
pub fn fit_calibrated_ranges(
    x: &[f64],
    names: &[String],
    sessions: &[Range<usize>],
    opts: &BaselineOptions,
    score: fn(&[FeatureRange], &[f64]) -> f64,
) -> Result<(Vec<FeatureRange>, f64, Calibration), BaselineError> {
    let f = names.len();
    let rows = x.len() / f;
    if rows < MIN_ROWS {
        return Err(BaselineError::TooFewRows {
            rows,
            needed: MIN_ROWS,
        });
    }
    let params = opts.ranges;
    let (threshold, calibration) = calibrate(
        x,
        f,
        sessions,
        opts.folds,
        opts.false_alarm_rate,
        &|xtr: &[f64]| ranges::fit_ranges(xtr, names, &params),
        &|r: &Vec<FeatureRange>, row: &[f64]| score(r, row),
    )?;
    Ok((
        ranges::fit_ranges(x, names, &params),
        threshold,
        calibration,
    ))
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn threshold_lets_at_most_the_rate_through() {
        let scores: Vec<f64> = (0..200).map(|i| i as f64).collect();
        // 1% of 200 = 2 rows may be above: 198 and 199, so t = 197.
        assert_eq!(threshold_for_rate(&scores, 0.01), 197.0);
        let above = |t: f64| scores.iter().filter(|&&s| s > t).count();
        for rate in [0.001, 0.01, 0.05, 0.2] {
            let t = threshold_for_rate(&scores, rate);
            assert!(above(t) as f64 <= rate * 200.0, "{rate}");
        }
        // Ties at the cut: fewer alarms, never more.
        let tied = [0.0, 0.0, 0.0, 5.0, 5.0, 5.0];
        assert_eq!(threshold_for_rate(&tied, 0.34), 5.0);
        assert_eq!(threshold_for_rate(&[], 0.01), 0.0);
    }

    #[test]
    fn folds_hold_out_whole_sessions_or_blocks_of_time() {
        let sessions = vec![0..30, 30..50, 50..90];
        let (how, folds) = holdout_folds(&sessions, 5);
        assert_eq!(how, Holdout::BySession);
        assert_eq!(folds.len(), 3);
        for (f, s) in folds.iter().enumerate() {
            assert_eq!(s.test, sessions[f].clone().collect::<Vec<_>>());
            assert!(s.train.iter().all(|i| !sessions[f].contains(i)));
        }
        let (how, folds) = holdout_folds(&[0..100], 4);
        assert_eq!(how, Holdout::ByTime);
        assert_eq!(folds.len(), 4);
        assert_eq!(folds[1].test, (25..50).collect::<Vec<_>>());
        assert_eq!(folds[1].train.len(), 75);
        // Too small a fitting side: the fold is dropped.
        let (_, folds) = holdout_folds(&[0..12], 2);
        assert!(folds.is_empty());
        assert_eq!(normalise_sessions(&[], 5), vec![0..5]);
        assert_eq!(normalise_sessions(&[0..3, 3..9], 5), vec![0..3, 3..5]);
    }
}
