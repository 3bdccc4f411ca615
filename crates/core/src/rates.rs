//! Cumulative SNMP counters → per-second rates between consecutive polls.
//!
//! Counters only grow and wrap: Counter32 at 2^32, Counter64 at 2^64 (a column
//! with any value above 2^32 − 1 is taken as Counter64). A drop is a wrap when
//! the wrapped delta is less than half the counter's range; any other drop is a
//! counter reset (an agent restart): that interval's row is dropped and counted,
//! and the next interval starts from the new value. Gauges (tcpCurrEstab) pass
//! through as they are. Rates are computed only between rows of one capture
//! session; the first row of each session has no rate and is dropped.

use std::fmt;
use std::ops::Range;

use crate::ingest::{Table, TextColumn};
use crate::schema::{self, VarKind};

const C32: f64 = 4_294_967_296.0; // 2^32
const C64: f64 = 18_446_744_073_709_551_616.0; // 2^64

/// Time between consecutive polls.
#[derive(Debug, Clone, PartialEq)]
pub enum Interval {
    /// Every poll is this many seconds after the previous one.
    Fixed(f64),
    /// Timestamp of each row in seconds (one per table row).
    Timestamps(Vec<f64>),
}

/// What the converter saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateReport {
    pub rows_in: usize,
    pub rows_out: usize,
    pub sessions: usize,
    /// Counter wraps handled (one per column per interval).
    pub wraps: usize,
    /// Intervals dropped because a counter went back without wrapping (or
    /// the values gave no finite rate).
    pub resets: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RatesError {
    BadInterval {
        seconds: f64,
    },
    TimestampCount {
        file: String,
        expected: usize,
        found: usize,
    },
    TimeNotIncreasing {
        file: String,
        row: usize,
    },
    NoRows {
        file: String,
    },
    KindCount {
        file: String,
        expected: usize,
        found: usize,
    },
}

impl fmt::Display for RatesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RatesError::BadInterval { seconds } => write!(
                f,
                "the polling interval must be a positive number of seconds (got {seconds})."
            ),
            RatesError::TimestampCount {
                file,
                expected,
                found,
            } => write!(f, "{file}: {found} timestamps for {expected} rows."),
            RatesError::TimeNotIncreasing { file, row } => write!(
                f,
                "{file}, row {row}: the timestamp is not later than the previous row's; rates need increasing time."
            ),
            RatesError::NoRows { file } => write!(
                f,
                "{file}: no per-second rate could be computed (every capture session has a single row, or every interval had a counter reset)."
            ),
            RatesError::KindCount {
                file,
                expected,
                found,
            } => write!(f, "{file}: {found} column kinds for {expected} columns."),
        }
    }
}

impl std::error::Error for RatesError {}

/// Contiguous runs of one label: the capture sessions of a file that stores one
/// session per class as a block (like the public SNMP-MIB file).
pub fn sessions_by_label(labels: &[String]) -> Vec<Range<usize>> {
    crate::split::sessions_by_key(labels)
}

/// Outcome of one counter between two polls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    Increase(f64),
    Wrap(f64),
    Reset,
}

/// Delta of a counter from `prev` to `cur`, wrap-aware.
pub fn counter_delta(prev: f64, cur: f64) -> Delta {
    if cur >= prev {
        return Delta::Increase(cur - prev);
    }
    let modulus = if prev >= C32 { C64 } else { C32 };
    // Values beyond a Counter64 or below zero cannot wrap: treat as a reset.
    if prev >= modulus || cur < 0.0 {
        return Delta::Reset;
    }
    let wrapped = modulus - prev + cur;
    if wrapped < modulus / 2.0 {
        Delta::Wrap(wrapped)
    } else {
        Delta::Reset
    }
}

/// Whether a column's values look like a raw counter rather than rates:
/// whole numbers that go down in at most one step in ten (wraps, resets
/// and capture boundaries do; rates go down about every other step).
pub fn looks_like_counter(values: &[f64]) -> bool {
    if !values.iter().all(|v| v.fract() == 0.0) {
        return false;
    }
    let steps = values.len().saturating_sub(1);
    let downs = values.windows(2).filter(|w| w[1] < w[0]).count();
    downs * 10 <= steps
}

/// What a column holds, for [`to_rates_by_kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SeriesKind {
    /// Cumulative totals: turned into per-second rates between polls.
    Counter,
    /// Already per-second rates (Prometheus rate(), RRD, Cacti): passed through.
    Rate,
    /// Instantaneous values (tcpCurrEstab, a timestamp): passed through.
    Gauge,
}

impl SeriesKind {
    /// The kind the schema gives a column (counters or gauges).
    pub fn of_column(name: &str) -> SeriesKind {
        match schema::kind_of(name) {
            VarKind::Counter => SeriesKind::Counter,
            VarKind::Gauge => SeriesKind::Gauge,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SeriesKind::Counter => "counters",
            SeriesKind::Rate => "rates",
            SeriesKind::Gauge => "gauge",
        }
    }
}

/// Convert a table of cumulative totals into per-second rates, per session.
/// The output has the same columns; labels and row numbers are those of the
/// later row of each interval.
pub fn to_rates(
    table: &Table,
    sessions: &[Range<usize>],
    interval: &Interval,
) -> Result<(Table, RateReport), RatesError> {
    let kinds: Vec<SeriesKind> = table
        .columns
        .iter()
        .map(|c| SeriesKind::of_column(c))
        .collect();
    convert(table, sessions, interval, &kinds, false)
}

/// [`to_rates`] with the kind of each column given: counters become
/// per-second rates, rate and gauge columns pass through as they are. When
/// no column is a counter, every row of every session is kept (nothing needs
/// a previous poll); otherwise the first row of each session is dropped.
pub fn to_rates_by_kind(
    table: &Table,
    sessions: &[Range<usize>],
    interval: &Interval,
    kinds: &[SeriesKind],
) -> Result<(Table, RateReport), RatesError> {
    convert(table, sessions, interval, kinds, true)
}

/// The conversion behind [`to_rates`] and [`to_rates_by_kind`]. With
/// `keep_when_no_counter` false, rows are always taken in pairs (the
/// behaviour of [`to_rates`] on a table without counters).
fn convert(
    table: &Table,
    sessions: &[Range<usize>],
    interval: &Interval,
    kinds: &[SeriesKind],
    keep_when_no_counter: bool,
) -> Result<(Table, RateReport), RatesError> {
    let file = table.file_name.clone();
    if kinds.len() != table.n_cols() {
        return Err(RatesError::KindCount {
            file,
            expected: table.n_cols(),
            found: kinds.len(),
        });
    }
    match interval {
        Interval::Fixed(s) if !(s.is_finite() && *s > 0.0) => {
            return Err(RatesError::BadInterval { seconds: *s });
        }
        Interval::Timestamps(t) if t.len() != table.n_rows() => {
            return Err(RatesError::TimestampCount {
                file,
                expected: table.n_rows(),
                found: t.len(),
            });
        }
        _ => {}
    }
    let any_counter = kinds.contains(&SeriesKind::Counter) || !keep_when_no_counter;
    let w = table.n_cols();
    let mut out = Table {
        file_name: table.file_name.clone(),
        delimiter: table.delimiter,
        columns: table.columns.clone(),
        values: Vec::new(),
        labels: table.labels.as_ref().map(|_| Vec::new()),
        row_numbers: Vec::new(),
        text: table
            .text
            .iter()
            .map(|t| TextColumn {
                name: t.name.clone(),
                values: Vec::new(),
            })
            .collect(),
    };
    let mut report = RateReport {
        rows_in: table.n_rows(),
        sessions: sessions.len(),
        ..RateReport::default()
    };
    let mut rate = vec![0.0; w];
    for s in sessions {
        let first = if any_counter {
            s.start.saturating_add(1)
        } else {
            s.start
        };
        for i in first..s.end.min(table.n_rows()) {
            let cur = table.row(i);
            let mut wraps = 0;
            let mut reset = false;
            if any_counter {
                let dt = match interval {
                    Interval::Fixed(sec) => *sec,
                    Interval::Timestamps(t) => t[i] - t[i - 1],
                };
                if !(dt.is_finite() && dt > 0.0) {
                    return Err(RatesError::TimeNotIncreasing {
                        file,
                        row: table.row_numbers[i],
                    });
                }
                let prev = table.row(i - 1);
                for c in 0..w {
                    rate[c] = match kinds[c] {
                        SeriesKind::Gauge | SeriesKind::Rate => cur[c],
                        SeriesKind::Counter => match counter_delta(prev[c], cur[c]) {
                            Delta::Increase(d) => d / dt,
                            Delta::Wrap(d) => {
                                wraps += 1;
                                d / dt
                            }
                            Delta::Reset => {
                                reset = true;
                                0.0
                            }
                        },
                    };
                }
            } else {
                rate.copy_from_slice(cur);
            }
            // An overflowing rate (absurd values or intervals) is no measurement.
            if reset || rate.iter().any(|v| !v.is_finite()) {
                report.resets += 1;
                continue;
            }
            report.wraps += wraps;
            out.values.extend_from_slice(&rate);
            out.row_numbers.push(table.row_numbers[i]);
            if let (Some(dst), Some(src)) = (out.labels.as_mut(), table.labels.as_ref()) {
                dst.push(src[i].clone());
            }
            for (dst, src) in out.text.iter_mut().zip(&table.text) {
                dst.values.push(src.values[i].clone());
            }
        }
    }
    report.rows_out = out.n_rows();
    if report.rows_out == 0 {
        return Err(RatesError::NoRows { file });
    }
    Ok((out, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[f64]], labels: &[&str]) -> Table {
        Table {
            file_name: "t.csv".into(),
            delimiter: b',',
            columns: columns.iter().map(|s| s.to_string()).collect(),
            values: rows.iter().flat_map(|r| r.iter().copied()).collect(),
            labels: Some(labels.iter().map(|s| s.to_string()).collect()),
            row_numbers: (2..2 + rows.len()).collect(),
            text: Vec::new(),
        }
    }

    #[test]
    fn deltas_wraps_and_resets() {
        assert_eq!(counter_delta(10.0, 25.0), Delta::Increase(15.0));
        assert_eq!(counter_delta(C32 - 10.0, 5.0), Delta::Wrap(15.0));
        assert_eq!(
            counter_delta(C64 - 4096.0 * 1000.0, 4096.0 * 1000.0),
            Delta::Wrap(4096.0 * 2000.0)
        );
        assert_eq!(counter_delta(1_000_000.0, 10.0), Delta::Reset);
        assert_eq!(counter_delta(5e9, 10.0), Delta::Reset);
        // Not counters at all: never a negative "wrap".
        assert_eq!(counter_delta(1e300, 5.0), Delta::Reset);
        assert_eq!(counter_delta(10.0, -5.0), Delta::Reset);
    }

    #[test]
    fn rates_per_session_with_gauge_wrap_and_reset() {
        let t = table(
            &["ifInOctets11", "tcpCurrEstab"],
            &[
                &[100.0, 3.0],
                &[400.0, 5.0],      // +300 / 15 s = 20/s
                &[C32 - 50.0, 2.0], // big increase
                &[100.0, 1.0],      // wrap: +150
                &[10.0, 1.0],       // reset: dropped
                &[160.0, 4.0],      // +150 from the reset value
                &[1000.0, 9.0],     // next session starts: no rate
                &[1300.0, 9.0],     // +300
            ],
            &["a", "a", "a", "a", "a", "a", "b", "b"],
        );
        let sessions = sessions_by_label(t.labels.as_ref().unwrap());
        assert_eq!(sessions, vec![0..6, 6..8]);
        let (r, rep) = to_rates(&t, &sessions, &Interval::Fixed(15.0)).unwrap();
        assert_eq!(
            rep,
            RateReport {
                rows_in: 8,
                rows_out: 5,
                sessions: 2,
                wraps: 1,
                resets: 1
            }
        );
        assert_eq!(r.row(0), &[20.0, 5.0]);
        assert_eq!(r.row(1), &[(C32 - 450.0) / 15.0, 2.0]);
        assert_eq!(r.row(2), &[10.0, 1.0]);
        assert_eq!(r.row(3), &[10.0, 4.0]);
        assert_eq!(r.row(4), &[20.0, 9.0]);
        assert_eq!(r.row_numbers, vec![3, 4, 5, 7, 9]);
        assert_eq!(r.labels.unwrap(), vec!["a", "a", "a", "a", "b"]);
    }

    #[test]
    fn timestamps_give_the_interval() {
        let t = table(
            &["tcpInSegs"],
            &[&[0.0], &[100.0], &[400.0]],
            &["x", "x", "x"],
        );
        let all = sessions_by_label(t.labels.as_ref().unwrap());
        let first_only: Vec<Range<usize>> = all.iter().map(|s| s.start..s.start + 1).collect();
        let (r, _) = to_rates(&t, &all, &Interval::Timestamps(vec![0.0, 10.0, 40.0])).unwrap();
        assert_eq!(r.values, vec![10.0, 10.0]);
        let e = to_rates(&t, &all, &Interval::Timestamps(vec![0.0, 10.0, 10.0])).unwrap_err();
        assert_eq!(
            e,
            RatesError::TimeNotIncreasing {
                file: "t.csv".into(),
                row: 4
            }
        );
        assert!(matches!(
            to_rates(&t, &all, &Interval::Fixed(0.0)),
            Err(RatesError::BadInterval { .. })
        ));
        assert!(matches!(
            to_rates(&t, &first_only, &Interval::Fixed(1.0)),
            Err(RatesError::NoRows { .. })
        ));
    }

    #[test]
    fn rate_columns_pass_through_by_kind() {
        use SeriesKind::*;
        let t = table(
            &["ifInOctets11", "tcpInSegs", "tcpCurrEstab"],
            &[&[100.0, 2.5, 3.0], &[400.0, 3.5, 5.0], &[700.0, 1.0, 4.0]],
            &["a", "a", "a"],
        );
        let all = sessions_by_label(t.labels.as_ref().unwrap());
        let (r, rep) =
            to_rates_by_kind(&t, &all, &Interval::Fixed(15.0), &[Counter, Rate, Gauge]).unwrap();
        assert_eq!(r.values, vec![20.0, 3.5, 5.0, 20.0, 1.0, 4.0]);
        assert_eq!(rep.rows_out, 2);
        // No counter column: nothing needs a previous poll, every row stays.
        let (r, rep) =
            to_rates_by_kind(&t, &all, &Interval::Fixed(15.0), &[Rate, Rate, Gauge]).unwrap();
        assert_eq!(r.values, t.values);
        assert_eq!((rep.rows_in, rep.rows_out), (3, 3));
        assert!(matches!(
            to_rates_by_kind(&t, &all, &Interval::Fixed(15.0), &[Rate]),
            Err(RatesError::KindCount {
                expected: 3,
                found: 1,
                ..
            })
        ));
        // to_rates keeps its behaviour: a gauge-only table still pairs rows.
        let g = table(&["tcpCurrEstab"], &[&[1.0], &[2.0]], &["a", "a"]);
        let one = sessions_by_label(g.labels.as_ref().unwrap());
        let (r, _) = to_rates(&g, &one, &Interval::Fixed(1.0)).unwrap();
        assert_eq!(r.values, vec![2.0]);
    }

    #[test]
    fn public_dataset_rates() {
        let t = crate::testdata::public_table();
        let sessions = sessions_by_label(t.labels.as_ref().unwrap());
        assert_eq!(sessions.len(), 8);
        let (r, rep) = to_rates(&t, &sessions, &Interval::Fixed(15.0)).unwrap();
        // ifInOctets wraps many times on a busy router; a few agent restarts.
        assert!(rep.wraps >= 100, "{rep:?}");
        assert!(rep.resets >= 1 && rep.resets <= 16, "{rep:?}");
        assert_eq!(rep.rows_out + rep.resets + 8, 4998);
        assert!(r.values.iter().all(|v| v.is_finite() && *v >= 0.0));
    }

    #[test]
    fn counters_look_like_counters_and_rates_do_not() {
        assert!(looks_like_counter(&[
            1.0, 5.0, 9.0, 2.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0
        ]));
        assert!(!looks_like_counter(&[1.5, 5.0, 9.0]), "fractions");
        assert!(
            !looks_like_counter(&[5.0, 3.0, 6.0, 2.0, 7.0]),
            "up and down"
        );
        assert!(looks_like_counter(&[7.0]));
        assert!(looks_like_counter(&[]));
    }
}
