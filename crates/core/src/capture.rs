//! How a table's rows were captured, and so how they become the model's
//! inputs: per-second rates per entity and capture session. One step for
//! training, scoring and baselines alike, for plain CSV files and for the
//! monitoring exports of [`crate::export`].
//!
//! Capture sessions are contiguous runs of rows with the same label (when
//! the table has labels), the same entity (host, interface: text columns the
//! caller names) and the same session id (a numeric session column). A
//! reboot (the agent's uptime going back) always starts a new session;
//! without a session column, so does a gap in time (more than
//! `session_gap_secs`, by default five median poll intervals of one entity).
//! Cumulative counters become rates between consecutive polls of one session
//! only, never across a gap or a reboot: rows either side of a gap inside
//! one session id are not differenced; a counter that goes back without
//! wrapping (a reset) gives no rate for that interval. Columns already
//! holding rates, and gauges, pass through.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::ingest::Table;
use crate::rates::{self, Interval, RatesError, SeriesKind};
use crate::split;
use crate::stats::median;

/// What the numbers in a file are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Values {
    /// Per-second rates (gauges as polled): used as they are.
    #[default]
    Rates,
    /// Cumulative counters: turned into per-second rates per session.
    Counters,
}

/// How a table's rows were captured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Capture {
    pub values: Values,
    /// Seconds between polls, for counters without a time column.
    pub interval: Option<f64>,
    /// A numeric timestamp column (seconds): the time between polls, and
    /// gaps that start a new session. Not an input.
    pub time_column: Option<String>,
    /// A numeric column naming each row's capture session. Not an input.
    pub session_column: Option<String>,
    /// Seconds between polls that start a new session (default: five
    /// median poll intervals).
    pub session_gap_secs: Option<f64>,
    /// Text columns naming the entity a row describes (host, interface):
    /// sessions never span two entities.
    pub entity_columns: Vec<String>,
    /// The agent's uptime in seconds (sysUpTime): going back is a reboot,
    /// which starts a new session; the clock when there is no time column.
    /// Not an input.
    #[serde(default)]
    pub uptime_column: Option<String>,
    /// What each numeric column holds, by name (counters, rates, gauge);
    /// columns not listed take the schema's kind (counter or gauge).
    #[serde(default)]
    pub kinds: Vec<(String, SeriesKind)>,
}

impl Capture {
    /// Per-second rates, as they are.
    pub fn rates() -> Capture {
        Capture::default()
    }

    /// Counters polled every `seconds`.
    pub fn counters_every(seconds: f64) -> Capture {
        Capture {
            values: Values::Counters,
            interval: Some(seconds),
            ..Capture::default()
        }
    }

    /// As a settings form gives it: counters polled every `interval` seconds
    /// when there is one, else per-second rates.
    pub fn interval_or_rates(interval: Option<f64>) -> Capture {
        match interval {
            Some(s) => Capture::counters_every(s),
            None => Capture::default(),
        }
    }

    /// Counters timed by the column `time`.
    pub fn counters_timed_by(time: &str) -> Capture {
        Capture {
            values: Values::Counters,
            time_column: Some(time.to_string()),
            ..Capture::default()
        }
    }
}

/// Why capture sessions begin where they do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCuts {
    /// Changes of entity (host, interface).
    pub entities: usize,
    /// Gaps in time longer than the session gap.
    pub gaps: usize,
    /// The agent's uptime going back.
    pub reboots: usize,
}

/// A table's rows as model inputs, with their capture sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// Per-second rates and gauges; the time and session columns removed.
    pub table: Table,
    /// Each row's timestamp, when the table had a time column.
    pub times: Option<Vec<f64>>,
    /// Each row's session id, when the table had a session column.
    pub session_ids: Option<Vec<f64>>,
    /// Capture sessions as ranges of `table`'s rows.
    pub sessions: Vec<Range<usize>>,
    /// The counter conversion, when the values were counters.
    pub rates: Option<RateSummary>,
    pub cuts: SessionCuts,
}

/// What converting counters to rates did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSummary {
    pub rows_in: u64,
    pub rows_out: u64,
    pub sessions: u64,
    pub wraps: u64,
    pub resets: u64,
    /// The fixed polling interval (ms), or 0 when timestamps gave it.
    pub interval_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaptureError {
    NoColumn { file: String, column: String },
    NoTextColumn { file: String, column: String },
    NoInterval { file: String },
    Rates(RatesError),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::NoColumn { file, column } => {
                write!(f, "{file}: no numeric column \"{column}\".")
            }
            CaptureError::NoTextColumn { file, column } => {
                write!(f, "{file}: no column \"{column}\" to tell entities apart.")
            }
            CaptureError::NoInterval { file } => write!(
                f,
                "{file}: cumulative counters need the polling interval or a timestamp column to become per-second rates."
            ),
            CaptureError::Rates(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CaptureError {}

/// Default gap that starts a new capture session: five times the median step
/// between consecutive timestamps of one entity.
fn default_gap(times: &[f64], same_entity: impl Fn(usize) -> bool) -> f64 {
    let mut steps: Vec<f64> = (1..times.len())
        .filter(|&i| same_entity(i))
        .map(|i| times[i] - times[i - 1])
        .filter(|d| *d > 0.0)
        .collect();
    if steps.is_empty() {
        return f64::INFINITY;
    }
    5.0 * median(&mut steps)
}

/// Each row's session key: its label, entity and session id.
fn keys(table: &Table, entity: &[usize], ids: Option<&[f64]>) -> Vec<(String, String, u64)> {
    (0..table.n_rows())
        .map(|i| {
            let label = table
                .labels
                .as_ref()
                .map_or(String::new(), |l| l[i].clone());
            let who = entity
                .iter()
                .map(|&j| table.text[j].values[i].as_str())
                .collect::<Vec<_>>()
                .join("\u{1f}");
            (label, who, ids.map_or(0, |v| v[i].to_bits()))
        })
        .collect()
}

/// Cut `runs` further wherever `cut(i)` says row `i` starts anew.
fn cut_runs(runs: &[Range<usize>], cut: impl Fn(usize) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for r in runs {
        let mut start = r.start;
        for i in r.start + 1..r.end {
            if cut(i) {
                out.push(start..i);
                start = i;
            }
        }
        if r.end > start {
            out.push(start..r.end);
        }
    }
    out
}

/// Turn `table` into model inputs as `capture` says: take out the time,
/// uptime and session columns, find the capture sessions, and convert
/// counters to per-second rates within each of them.
pub fn capture(table: &Table, capture: &Capture) -> Result<Captured, CaptureError> {
    let file = table.file_name.clone();
    let mut table = table.clone();
    let mut take = |name: &Option<String>| -> Result<Option<Vec<f64>>, CaptureError> {
        match name {
            None => Ok(None),
            Some(n) => table
                .take_column(n)
                .map(Some)
                .ok_or_else(|| CaptureError::NoColumn {
                    file: file.clone(),
                    column: n.clone(),
                }),
        }
    };
    let ids = take(&capture.session_column)?;
    let times = take(&capture.time_column)?;
    let uptime = take(&capture.uptime_column)?;
    let entity: Vec<usize> = capture
        .entity_columns
        .iter()
        .map(|c| {
            table
                .text
                .iter()
                .position(|t| t.name.eq_ignore_ascii_case(c))
                .ok_or_else(|| CaptureError::NoTextColumn {
                    file: file.clone(),
                    column: c.clone(),
                })
        })
        .collect::<Result<_, _>>()?;
    let keys = keys(&table, &entity, ids.as_deref());
    let runs = split::sessions_by_key(&keys);
    let mut cuts = SessionCuts {
        entities: (1..keys.len())
            .filter(|&i| keys[i].1 != keys[i - 1].1)
            .count(),
        ..SessionCuts::default()
    };
    // The clock: the time column, else the agent's uptime.
    let clock = times.as_ref().or(uptime.as_ref());
    let gap = clock.map(|t| {
        capture
            .session_gap_secs
            .unwrap_or_else(|| default_gap(t, |i| keys[i].1 == keys[i - 1].1))
    });
    let rebooted = |i: usize| uptime.as_ref().is_some_and(|u| u[i] < u[i - 1]);
    let gapped = |i: usize| {
        clock
            .zip(gap)
            .is_some_and(|(t, g)| !(t[i] - t[i - 1] >= 0.0 && t[i] - t[i - 1] <= g))
    };
    cuts.reboots = runs
        .iter()
        .flat_map(|r| r.start + 1..r.end)
        .filter(|&i| rebooted(i))
        .count();
    // Sessions for splits: a session column, else gaps in time, else runs;
    // a reboot always ends one.
    let sessions = if ids.is_some() {
        cut_runs(&runs, rebooted)
    } else {
        let s = cut_runs(&runs, |i| rebooted(i) || gapped(i));
        cuts.gaps = s.len() - cut_runs(&runs, rebooted).len();
        s
    };
    let kinds: Vec<SeriesKind> = table
        .columns
        .iter()
        .map(|c| {
            capture
                .kinds
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(c))
                .map_or_else(|| SeriesKind::of_column(c), |(_, k)| *k)
        })
        .collect();
    if capture.values == Values::Rates || !kinds.contains(&SeriesKind::Counter) {
        return Ok(Captured {
            table,
            times,
            session_ids: ids,
            sessions,
            rates: None,
            cuts,
        });
    }
    // Rates are differences within a session and never across a gap.
    let segments = cut_runs(&sessions, gapped);
    let interval = match (clock, capture.interval) {
        (Some(t), _) => Interval::Timestamps(t.clone()),
        (None, Some(secs)) => Interval::Fixed(secs),
        (None, None) => return Err(CaptureError::NoInterval { file }),
    };
    // Rows travel through the conversion as their index (row numbers of a
    // tidied export can repeat: one line of a file may hold several hosts).
    let index: Vec<usize> = (0..table.n_rows()).collect();
    let row_numbers = std::mem::replace(&mut table.row_numbers, index);
    let (mut out, r) =
        rates::to_rates_by_kind(&table, &segments, &interval, &kinds).map_err(|e| match e {
            RatesError::TimeNotIncreasing { file, row } => {
                CaptureError::Rates(RatesError::TimeNotIncreasing {
                    file,
                    row: row_numbers.get(row).copied().unwrap_or(row),
                })
            }
            e => CaptureError::Rates(e),
        })?;
    let source = std::mem::take(&mut out.row_numbers);
    out.row_numbers = source.iter().map(|&i| row_numbers[i]).collect();
    let mut session_of = vec![0usize; table.n_rows()];
    for (si, s) in sessions.iter().enumerate() {
        session_of[s.clone()].fill(si);
    }
    let kept_sessions: Vec<usize> = source.iter().map(|&i| session_of[i]).collect();
    Ok(Captured {
        times: times.map(|t| source.iter().map(|&i| t[i]).collect()),
        session_ids: ids.map(|v| source.iter().map(|&i| v[i]).collect()),
        sessions: split::sessions_by_key(&kept_sessions),
        rates: Some(RateSummary {
            rows_in: r.rows_in as u64,
            rows_out: r.rows_out as u64,
            sessions: sessions.len() as u64,
            wraps: r.wraps as u64,
            resets: r.resets as u64,
            interval_ms: match (&interval, capture.interval) {
                (Interval::Fixed(_), Some(secs)) => (secs * 1000.0).round() as u64,
                _ => 0,
            },
        }),
        cuts,
        table: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};

    fn read(csv: &str) -> Table {
        let numeric = ["s", "time", "tcpInSegs"].map(String::from).to_vec();
        read_csv(
            csv.as_bytes(),
            &IngestOptions {
                require_label: false,
                keep_text: true,
                columns: Some(numeric),
                ..IngestOptions::labelled("c.csv")
            },
        )
        .unwrap()
    }

    #[test]
    fn rates_never_span_hosts_sessions_or_gaps() {
        // Two hosts interleaved by time; host b has a 100 s gap.
        let t = read(
            "host,time,tcpInSegs\n\
             a,0,0\na,10,100\na,20,300\n\
             b,0,1000\nb,10,1100\nb,110,2100\nb,120,2200\n",
        );
        let c = capture(
            &t,
            &Capture {
                entity_columns: vec!["host".into()],
                ..Capture::counters_timed_by("time")
            },
        )
        .unwrap();
        // a: 10/s, 20/s; b: 10/s, (gap: a new session), 10/s.
        assert_eq!(c.table.values, vec![10.0, 20.0, 10.0, 10.0]);
        assert_eq!(c.times, Some(vec![10.0, 20.0, 10.0, 120.0]));
        assert_eq!(c.sessions, vec![0..2, 2..3, 3..4]);
        assert_eq!(c.table.text[0].values, vec!["a", "a", "b", "b"]);
        assert_eq!(c.rates.as_ref().unwrap().sessions, 3);
        assert_eq!(c.table.columns, vec!["tcpInSegs"]);
    }

    #[test]
    fn a_session_column_keeps_a_session_whole_but_rates_skip_its_gap() {
        let t = read("s,time,tcpInSegs\n1,0,0\n1,10,100\n1,500,200\n1,510,300\n");
        let c = capture(
            &t,
            &Capture {
                session_column: Some("s".into()),
                ..Capture::counters_timed_by("time")
            },
        )
        .unwrap();
        assert_eq!(c.table.values, vec![10.0, 10.0]);
        assert_eq!(c.sessions, vec![0..2], "one session for the splits");
    }

    #[test]
    fn rates_pass_through_and_errors_name_the_column() {
        let t = read("time,tcpInSegs\n0,5\n10,7\n");
        let c = capture(
            &t,
            &Capture {
                time_column: Some("time".into()),
                ..Capture::rates()
            },
        )
        .unwrap();
        assert_eq!(c.table.values, vec![5.0, 7.0]);
        assert!(c.rates.is_none());
        let e = capture(&t, &Capture::counters_timed_by("when")).unwrap_err();
        assert_eq!(e.to_string(), "c.csv: no numeric column \"when\".");
        let e = capture(
            &t,
            &Capture {
                values: Values::Counters,
                ..Capture::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, CaptureError::NoInterval { .. }));
        let e = capture(
            &t,
            &Capture {
                entity_columns: vec!["host".into()],
                ..Capture::rates()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.csv: no column \"host\" to tell entities apart."
        );
    }

    fn hosts_table(cols: &[&str], rows: &[&[f64]], hosts: &[&str]) -> Table {
        Table {
            file_name: "t".into(),
            delimiter: b',',
            columns: cols.iter().map(|s| s.to_string()).collect(),
            values: rows.iter().flat_map(|r| r.iter().copied()).collect(),
            labels: None,
            row_numbers: (2..2 + rows.len()).collect(),
            text: vec![crate::ingest::TextColumn {
                name: "host".into(),
                values: hosts.iter().map(|s| s.to_string()).collect(),
            }],
        }
    }

    #[test]
    fn entity_gap_reset_and_reboot_each_stop_a_rate() {
        let t = hosts_table(
            &["timestamp", "ifInOctets11", "sysUpTime"],
            &[
                &[0.0, 100.0, 10.0],
                &[15.0, 200.0, 25.0],
                &[30.0, 300.0, 40.0],
                // gap: 200 s > 5 × 15 s
                &[230.0, 900.0, 240.0],
                &[245.0, 1000.0, 255.0],
                // counter reset (no reboot)
                &[260.0, 10.0, 270.0],
                &[275.0, 20.0, 285.0],
                // reboot: uptime back (counter also back)
                &[290.0, 5.0, 3.0],
                &[305.0, 50.0, 18.0],
                // next host: same times
                &[0.0, 7.0, 1.0],
                &[15.0, 9.0, 16.0],
            ],
            &["a", "a", "a", "a", "a", "a", "a", "a", "a", "b", "b"],
        );
        let cap = Capture {
            entity_columns: vec!["host".into()],
            uptime_column: Some("sysUpTime".into()),
            ..Capture::counters_timed_by("timestamp")
        };
        let c = capture(&t, &cap).unwrap();
        assert_eq!(
            c.cuts,
            SessionCuts {
                entities: 1,
                gaps: 1,
                reboots: 1
            }
        );
        // 100/15 twice; after the gap 100/15; the reset gives none; 10/15;
        // after the reboot 45/15; host b 2/15.
        assert_eq!(
            c.table.values,
            vec![
                100.0 / 15.0,
                100.0 / 15.0,
                100.0 / 15.0,
                10.0 / 15.0,
                45.0 / 15.0,
                2.0 / 15.0
            ]
        );
        assert_eq!(c.rates.as_ref().unwrap().resets, 1);
        assert_eq!(
            c.table.columns,
            vec!["ifInOctets11"],
            "time and uptime are not inputs"
        );
        // A column of rates passes through: every row kept.
        let rates = Capture {
            kinds: vec![("ifInOctets11".into(), SeriesKind::Rate)],
            ..cap.clone()
        };
        let c = capture(&t, &rates).unwrap();
        assert!(c.rates.is_none());
        assert_eq!(c.table.n_rows(), 11);
        // Uptime is the clock when there is no time column.
        let t2 = hosts_table(
            &["ifInOctets11", "sysUpTime"],
            &[&[0.0, 100.0], &[300.0, 110.0], &[600.0, 120.0]],
            &["a", "a", "a"],
        );
        let c = capture(
            &t2,
            &Capture {
                values: Values::Counters,
                uptime_column: Some("sysUpTime".into()),
                ..Capture::default()
            },
        )
        .unwrap();
        assert_eq!(c.table.values, vec![30.0, 30.0]);
    }

    #[test]
    fn a_counter_wrap_is_no_reset() {
        let c32 = 4_294_967_296.0;
        let t = hosts_table(
            &["ifInOctets11"],
            &[&[c32 - 10.0], &[5.0], &[9.0]],
            &["a"; 3],
        );
        let c = capture(&t, &Capture::counters_every(1.0)).unwrap();
        assert_eq!(c.table.values, vec![15.0, 4.0]);
        assert_eq!(c.rates.unwrap().wraps, 1);
    }
}
