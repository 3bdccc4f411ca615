//! The robust-z detector, for comparison with the range baseline: each
//! input's distance from its normal median in signed log space, in units of
//! its robust spread (MAD × 1.4826, floored at [`MIN_SCALE`] so inputs that
//! never move in normal traffic do not divide by zero); the row's score is
//! the largest of them. Its threshold is calibrated exactly as the
//! baseline's (held-out normal rows, see [`calibrate`](super::calibrate)).

use std::ops::Range;

use crate::guard::slog;

use super::calibrate::{self, Calibration};
use super::ranges::{FeatureRange, MAD_TO_SD};
use super::{BaselineError, BaselineOptions};

/// Smallest spread, in signed-log units (about a 10% change).
pub const MIN_SCALE: f64 = 0.1;

/// A fitted robust-z detector.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustZ {
    pub features: Vec<FeatureRange>,
    /// Alarm when the largest |z| is above this.
    pub threshold: f64,
    pub calibration: Calibration,
}

/// Largest |slog(x) − median| / max(MAD × 1.4826, MIN_SCALE) over the inputs.
pub fn z_score(features: &[FeatureRange], row: &[f64]) -> f64 {
    let mut worst = 0.0f64;
    for (r, &v) in features.iter().zip(row) {
        if !v.is_finite() {
            return f64::INFINITY;
        }
        let scale = (r.mad * MAD_TO_SD).max(MIN_SCALE);
        worst = worst.max((slog(v) - r.median).abs() / scale);
    }
    worst
}

impl RobustZ {
    /// Fit from normal rows, threshold calibrated on held-out rows.
    pub fn fit(
        x: &[f64],
        names: &[String],
        sessions: &[Range<usize>],
        opts: &BaselineOptions,
    ) -> Result<RobustZ, BaselineError> {
        opts.check()?;
        let f = names.len();
        if f == 0 {
            return Err(BaselineError::NoInputs);
        }
        let (features, threshold, calibration) =
            calibrate::fit_calibrated_ranges(x, names, sessions, opts, z_score)?;
        Ok(RobustZ {
            features,
            threshold,
            calibration,
        })
    }

    pub fn is_alarm(&self, row: &[f64]) -> bool {
        z_score(&self.features, row) > self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::ranges;

    #[test]
    fn z_in_robust_spreads_with_a_floor() {
        let f = |median: f64, mad: f64| FeatureRange {
            name: "a".into(),
            unit: ranges::Unit::PerSecond,
            median,
            mad,
            lo: median,
            hi: median,
        };
        let feats = [f(slog(10.0), 0.5), f(0.0, 0.0)];
        let z = z_score(&feats, &[10.0, 0.0]);
        assert_eq!(z, 0.0);
        let z = z_score(&feats, &[(slog(10.0) + 1.0).exp() - 1.0, 0.0]);
        assert!((z - 1.0 / (0.5 * MAD_TO_SD)).abs() < 1e-9, "{z}");
        // A constant-zero input: the floor, not a division by zero.
        let z = z_score(&feats, &[10.0, 1.0]);
        assert!((z - slog(1.0) / MIN_SCALE).abs() < 1e-9, "{z}");
        assert_eq!(z_score(&feats, &[f64::NAN, 0.0]), f64::INFINITY);
    }
}
