//! Per-input statistics of normal traffic, in signed log space
//! ([`slog`](crate::guard::slog)): a robust centre and spread (median and
//! median absolute deviation) and a normal range (the 0.5% and 99.5%
//! quantiles widened by a quarter of their span on each side, as the
//! unfamiliar-traffic guard does). Fitted from rows alone: no label is read.

use serde::{Deserialize, Serialize};

use crate::guard::slog;
use crate::schema::{self, VarKind};
use crate::stats;

/// Default quantiles of the fitted range (the guard's).
pub const LOW_QUANTILE: f64 = crate::guard::LOW_QUANTILE;
pub const HIGH_QUANTILE: f64 = crate::guard::HIGH_QUANTILE;
/// Default share of the quantile span added on each side (the guard's).
pub const MARGIN: f64 = crate::guard::MARGIN;
/// MAD × this estimates the standard deviation of normally distributed data.
pub const MAD_TO_SD: f64 = 1.4826;

/// What an input's numbers mean, for the sentences shown to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// A counter turned into a per-second rate.
    PerSecond,
    /// A gauge (e.g. tcpCurrEstab): a count as it is.
    Count,
}

impl Unit {
    /// The unit of a model input by its name: schema gauges are counts, every
    /// other column (schema counters and unknown columns, which mibwatch
    /// turns into rates) is per second.
    pub fn of_input(name: &str) -> Unit {
        match schema::kind_of(name) {
            VarKind::Counter => Unit::PerSecond,
            VarKind::Gauge => Unit::Count,
        }
    }

    /// Written after a number: "/s" or nothing.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::PerSecond => "/s",
            Unit::Count => "",
        }
    }
}

/// One input's normal statistics, all in signed log space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRange {
    pub name: String,
    pub unit: Unit,
    /// Median of slog(value) over the normal rows.
    pub median: f64,
    /// Median absolute deviation of slog(value) from `median` (unscaled;
    /// × [`MAD_TO_SD`] for a standard-deviation estimate).
    pub mad: f64,
    /// Fitted normal range: quantiles widened by the margin.
    pub lo: f64,
    pub hi: f64,
}

/// How the normal range is drawn from the rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RangeParams {
    pub low_quantile: f64,
    pub high_quantile: f64,
    /// Share of the quantile span added on each side.
    pub margin: f64,
}

impl Default for RangeParams {
    fn default() -> Self {
        RangeParams {
            low_quantile: LOW_QUANTILE,
            high_quantile: HIGH_QUANTILE,
            margin: MARGIN,
        }
    }
}

/// Linear-interpolation quantile of sorted values (0 for none), `q`
/// clamped to 0..=1.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    stats::quantile(sorted, q.clamp(0.0, 1.0))
}

/// Per-input ranges from normal rows (row-major, `names.len()` values per
/// row). Rows with a non-finite value in a column are left out of that
/// column's statistics.
pub fn fit_ranges(x: &[f64], names: &[String], params: &RangeParams) -> Vec<FeatureRange> {
    let f = names.len();
    if f == 0 {
        return Vec::new();
    }
    let mut col = Vec::with_capacity(x.len() / f);
    let mut dev = Vec::with_capacity(x.len() / f);
    names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            col.clear();
            col.extend(
                x.chunks_exact(f)
                    .map(|r| r[j])
                    .filter(|v| v.is_finite())
                    .map(slog),
            );
            col.sort_by(f64::total_cmp);
            let median = quantile(&col, 0.5);
            dev.clear();
            dev.extend(col.iter().map(|v| (v - median).abs()));
            dev.sort_by(f64::total_cmp);
            let mad = quantile(&dev, 0.5);
            let (a, b) = (
                quantile(&col, params.low_quantile),
                quantile(&col, params.high_quantile),
            );
            let m = (b - a) * params.margin;
            FeatureRange {
                name: name.clone(),
                unit: Unit::of_input(name),
                median,
                mad,
                lo: a - m,
                hi: b + m,
            }
        })
        .collect()
}

/// The inverse of `slog`: a signed-log value back in the input's units.
pub fn unslog(s: f64) -> f64 {
    s.signum() * s.abs().exp_m1()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_mad_and_range_in_log_space() {
        // One rate uniform over e^0-1 .. e^4-1 in log space, one constant gauge.
        let mut x = Vec::new();
        for i in 0..=400 {
            x.push((i as f64 / 100.0).exp() - 1.0);
            x.push(5.0);
        }
        let names = vec!["ipInReceives".to_string(), "tcpCurrEstab".to_string()];
        let r = fit_ranges(&x, &names, &RangeParams::default());
        assert!((r[0].median - 2.0).abs() < 1e-12);
        assert!((r[0].mad - 1.0).abs() < 1e-12);
        assert!((r[0].lo - (0.02 - 0.99)).abs() < 1e-9, "{:?}", r[0]);
        assert!((r[0].hi - (3.98 + 0.99)).abs() < 1e-9, "{:?}", r[0]);
        assert_eq!(r[0].unit, Unit::PerSecond);
        assert_eq!(r[1].unit, Unit::Count);
        assert_eq!((r[1].lo, r[1].hi, r[1].mad), (slog(5.0), slog(5.0), 0.0));
        assert!((unslog(r[1].median) - 5.0).abs() < 1e-12);
        assert_eq!(unslog(slog(-3.0)), -3.0);
    }

    #[test]
    fn non_finite_values_are_left_out() {
        let x = [1.0, f64::NAN, 3.0, f64::INFINITY];
        let r = fit_ranges(&x, &["a".to_string()], &RangeParams::default());
        assert!(r[0].lo.is_finite() && r[0].hi.is_finite());
        assert!((r[0].median - (slog(1.0) + slog(3.0)) / 2.0).abs() < 1e-12);
        assert!(fit_ranges(&[], &[], &RangeParams::default()).is_empty());
    }
}
