//! Scoring one row against a [`Baseline`]: the anomaly score (log10 of the
//! factor by which the most deviating input lies beyond its normal band; see
//! the module docs of [`baseline`](super)), whether the row is an alarm, and
//! which inputs lie outside their bands, in which direction and how far.

use crate::guard::slog;

use super::Baseline;
use super::ranges::FeatureRange;

/// Which side of its normal band an input lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Above,
    Below,
}

/// One input outside its normal band.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// Index of the input (into [`Baseline::features`]).
    pub feature: usize,
    /// The input's value, in its own units.
    pub value: f64,
    pub direction: Direction,
    /// log10 of the factor beyond the band's edge on the 1 + value scale
    /// (> 0; this input's share of the score).
    pub excess: f64,
}

/// What the baseline says about one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowScore {
    /// ≥ 0; 0 when every input is inside its band.
    pub score: f64,
    /// `score > 0`.
    pub alarm: bool,
    /// Inputs outside their bands, largest excess first (empty when no alarm).
    pub deviations: Vec<Deviation>,
}

/// Signed-log distance of `s` beyond [lo, hi] (0 inside), with its side.
fn beyond(s: f64, lo: f64, hi: f64) -> (f64, Direction) {
    if s > hi {
        (s - hi, Direction::Above)
    } else if s < lo {
        (lo - s, Direction::Below)
    } else {
        (0.0, Direction::Above)
    }
}

/// Largest signed-log distance of a row beyond the fitted ranges (no
/// tolerance): what the tolerance is calibrated against. A non-finite value
/// counts as infinitely far.
pub fn raw_excess(ranges: &[FeatureRange], row: &[f64]) -> f64 {
    let mut worst = 0.0f64;
    for (r, &v) in ranges.iter().zip(row) {
        if !v.is_finite() {
            return f64::INFINITY;
        }
        worst = worst.max(beyond(slog(v), r.lo, r.hi).0);
    }
    worst
}

impl Baseline {
    /// The anomaly score of a row of inputs (in the baseline's input order),
    /// without listing the deviations.
    pub fn score_value(&self, row: &[f64]) -> f64 {
        (raw_excess(&self.features, row) - self.tolerance).max(0.0) / std::f64::consts::LN_10
    }

    /// `score_value(row) > 0`.
    pub fn is_alarm(&self, row: &[f64]) -> bool {
        raw_excess(&self.features, row) > self.tolerance
    }

    /// Score a row of inputs (in the baseline's input order; extra values are
    /// ignored, missing ones count as inside their bands).
    pub fn score(&self, row: &[f64]) -> RowScore {
        let mut deviations = Vec::new();
        for (j, (r, &v)) in self.features.iter().zip(row).enumerate() {
            let (e, direction) = if v.is_finite() {
                beyond(slog(v), r.lo - self.tolerance, r.hi + self.tolerance)
            } else {
                (f64::INFINITY, Direction::Above)
            };
            if e > 0.0 {
                deviations.push(Deviation {
                    feature: j,
                    value: v,
                    direction,
                    excess: e / std::f64::consts::LN_10,
                });
            }
        }
        deviations.sort_by(|a, b| {
            b.excess
                .total_cmp(&a.excess)
                .then(a.feature.cmp(&b.feature))
        });
        let score = deviations.first().map_or(0.0, |d| d.excess);
        RowScore {
            score,
            alarm: score > 0.0,
            deviations,
        }
    }
}
