//! The unfamiliar-traffic guard: is a row like anything the model was trained
//! on? Each feature's training range is kept as robust quantiles (0.5% and
//! 99.5%) in signed log space, widened by a quarter of its span. A row with
//! at least [`MIN_OUTSIDE`] features outside their ranges is unfamiliar: most
//! likely another kind of device or vantage point, where the model's answer
//! means little and retraining on one's own data is the fix.

use serde::{Deserialize, Serialize};

use crate::stats::quantile;

pub const LOW_QUANTILE: f64 = 0.005;
pub const HIGH_QUANTILE: f64 = 0.995;
/// Share of the quantile span added on each side.
pub const MARGIN: f64 = 0.25;
/// Features outside their range for a row to count as unfamiliar.
pub const MIN_OUTSIDE: usize = 3;

/// Signed log scale: sign(x)·ln(1 + |x|).
pub fn slog(x: f64) -> f64 {
    x.signum() * x.abs().ln_1p()
}

/// Per-feature accepted ranges, in signed log space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Guard {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

/// What the guard says about one row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GuardReport {
    /// Indices of the features outside their training range.
    pub outside: Vec<usize>,
    pub unfamiliar: bool,
}

impl Guard {
    /// Ranges from the training rows (row-major, `n_features` per row).
    pub fn fit(x: &[f64], n_features: usize) -> Guard {
        let mut lo = Vec::with_capacity(n_features);
        let mut hi = Vec::with_capacity(n_features);
        for j in 0..n_features {
            let mut col: Vec<f64> = x.chunks_exact(n_features).map(|r| slog(r[j])).collect();
            col.sort_by(f64::total_cmp);
            let (a, b) = (quantile(&col, LOW_QUANTILE), quantile(&col, HIGH_QUANTILE));
            let m = (b - a) * MARGIN;
            lo.push(a - m);
            hi.push(b + m);
        }
        Guard { lo, hi }
    }

    pub fn check(&self, features: &[f64]) -> GuardReport {
        let outside: Vec<usize> = features
            .iter()
            .enumerate()
            .filter(|&(j, &v)| {
                let s = slog(v);
                j < self.lo.len() && (s < self.lo[j] || s > self.hi[j])
            })
            .map(|(j, _)| j)
            .collect();
        GuardReport {
            unfamiliar: outside.len() >= MIN_OUTSIDE,
            outside,
        }
    }

    /// Share of rows (row-major) the guard calls unfamiliar.
    /// `check(features).unfamiliar`, without listing the features.
    pub fn is_unfamiliar(&self, features: &[f64]) -> bool {
        let mut outside = 0;
        for (j, &v) in features.iter().enumerate().take(self.lo.len()) {
            let s = slog(v);
            outside += (s < self.lo[j] || s > self.hi[j]) as usize;
        }
        outside >= MIN_OUTSIDE
    }

    pub fn unfamiliar_share(&self, x: &[f64], n_features: usize) -> f64 {
        let n = x.len() / n_features.max(1);
        if n == 0 {
            return 0.0;
        }
        let flagged = x
            .chunks_exact(n_features)
            .filter(|r| self.is_unfamiliar(r))
            .count();
        flagged as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_with_margin_in_log_space() {
        // One feature uniform over e^0-1 .. e^4-1 in log space, one constant 0.
        let mut x = Vec::new();
        for i in 0..=400 {
            x.push((i as f64 / 100.0).exp() - 1.0);
            x.push(0.0);
        }
        let g = Guard::fit(&x, 2);
        assert!((g.lo[0] - (0.02 - 0.99)).abs() < 1e-9, "{:?}", g.lo);
        assert!((g.hi[0] - (3.98 + 0.99)).abs() < 1e-9, "{:?}", g.hi);
        assert_eq!((g.lo[1], g.hi[1]), (0.0, 0.0));
        assert!(g.check(&[10.0, 0.0]).outside.is_empty());
        assert_eq!(g.check(&[1e6, 1.0]).outside, vec![0, 1]);
        assert!(!g.check(&[1e6, 1.0]).unfamiliar);
        assert_eq!(slog(-(1f64.exp() - 1.0)), -1.0);
    }

    #[test]
    fn three_features_outside_make_a_row_unfamiliar() {
        let x: Vec<f64> = (0..100).flat_map(|i| [i as f64, 1.0, 2.0, 3.0]).collect();
        let g = Guard::fit(&x, 4);
        assert!(!g.check(&[50.0, 1.0, 2.0, 3.0]).unfamiliar);
        assert!(!g.check(&[50.0, 9.0, 9.0, 3.0]).unfamiliar);
        let r = g.check(&[50.0, 9.0, 9.0, 9.0]);
        assert!(r.unfamiliar);
        assert_eq!(r.outside, vec![1, 2, 3]);
        assert_eq!(g.unfamiliar_share(&x, 4), 0.0);
        assert_eq!(
            g.unfamiliar_share(&[1.0, 1.0, 2.0, 3.0, 1.0, 7.0, 7.0, 7.0], 4),
            0.5
        );
    }
}

#[cfg(test)]
mod public_data {
    use crate::capture::Capture;
    use crate::features::FeatureSet;
    use crate::split::take_rows;
    use crate::train::{TrainOptions, prepare};

    use super::*;

    /// The guard fitted on the training side of the public file's time-ordered
    /// split flags at most 2% of its held-out rows, for every feature set.
    #[test]
    fn flags_few_public_held_out_rows() {
        let t = crate::testdata::public_table();
        for set in FeatureSet::ALL {
            let opts = TrainOptions {
                feature_set: set,
                capture: Capture::counters_every(15.0),
                ..TrainOptions::default()
            };
            let p = prepare(&t, &opts).unwrap();
            let s = p.time_ordered_split(0.3);
            let f = p.n_features();
            let g = Guard::fit(&take_rows(&p.x, f, &s.train), f);
            let share = g.unfamiliar_share(&take_rows(&p.x, f, &s.test), f);
            assert!(share <= 0.02, "{}: {share}", set.name());
        }
    }

    /// Hand-made rows of a host under a SYN flood (its own TCP stack busy, no
    /// forwarding) are all unfamiliar to a guard fitted on the router's rows.
    #[test]
    fn flags_host_like_rows() {
        let t = crate::testdata::public_table();
        for set in FeatureSet::ALL {
            let p = prepare(
                &t,
                &TrainOptions {
                    feature_set: set,
                    capture: Capture::counters_every(15.0),
                    ..TrainOptions::default()
                },
            )
            .unwrap();
            let g = Guard::fit(&p.x, p.n_features());
            let col = |n: &str| p.table.column_index(n).unwrap();
            let mut flagged = 0;
            for k in 1..=50 {
                let scale = k as f64 * 40.0;
                let mut row = vec![0.0; p.table.n_cols()];
                row[col("ifInOctets11")] = 60.0 * scale;
                row[col("ifInUcastPkts11")] = scale;
                row[col("ifOutOctets11")] = 54.0 * scale;
                row[col("ifOutUcastPkts11")] = scale;
                row[col("ipInReceives")] = scale;
                row[col("ipInDelivers")] = scale;
                row[col("ipOutRequests")] = scale;
                row[col("tcpInSegs")] = scale;
                row[col("tcpOutSegs")] = scale;
                row[col("tcpPassiveOpens")] = scale / 2.0;
                row[col("tcpOutRsts")] = scale / 4.0;
                row[col("tcpCurrEstab")] = 200.0;
                if g.check(&p.plan.derive(&row)).unfamiliar {
                    flagged += 1;
                }
            }
            assert_eq!(flagged, 50, "{}", set.name());
        }
    }
}
