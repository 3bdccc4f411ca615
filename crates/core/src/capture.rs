//! How a table's rows were captured, and so how they become the model's
//! inputs: per-second rates per entity and capture session. One step for
//! training, scoring and baselines alike.
//!
//! Capture sessions are contiguous runs of rows with the same label (when
//! the table has labels), the same entity (host, interface: text columns the
//! caller names) and the same session id (a numeric session column). Without
//! a session column, a gap in the time column (more than `session_gap_secs`,
//! by default five median poll intervals) also starts a new session.
//! Cumulative counters become rates between consecutive polls of one session
//! only, never across a gap: rows either side of a gap inside one session id
//! are not differenced.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::ingest::Table;
use crate::rates::{self, Interval, RatesError};
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

    /// Counters timed by the column `time`.
    pub fn counters_timed_by(time: &str) -> Capture {
        Capture {
            values: Values::Counters,
            time_column: Some(time.to_string()),
            ..Capture::default()
        }
    }
}

/// A table's rows as model inputs, with their capture sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// Per-second rates and gauges; the time and session columns removed.
    pub table: Table,
    /// Each row's timestamp, when the table had a time column.
    pub times: Option<Vec<f64>>,
    /// Capture sessions as ranges of `table`'s rows.
    pub sessions: Vec<Range<usize>>,
    /// The counter conversion, when the values were counters.
    pub rates: Option<RateSummary>,
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
/// between consecutive timestamps.
fn default_gap(times: &[f64]) -> f64 {
    let mut steps: Vec<f64> = times
        .windows(2)
        .map(|w| w[1] - w[0])
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

/// Turn `table` into model inputs as `capture` says: take out the time and
/// session columns, find the capture sessions, and convert counters to
/// per-second rates within each of them.
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
    let gap = times
        .as_ref()
        .map(|t| capture.session_gap_secs.unwrap_or_else(|| default_gap(t)));
    // Sessions for splits: a session column, else gaps in time, else runs.
    let sessions = match (&ids, &times) {
        (None, Some(t)) => split::sessions_by_gaps(&keys, t, gap.unwrap_or(f64::INFINITY)),
        _ => split::sessions_by_key(&keys),
    };
    if capture.values == Values::Rates {
        return Ok(Captured {
            table,
            times,
            sessions,
            rates: None,
        });
    }
    // Rates are differences within a session and never across a gap.
    let segments = match (&times, gap) {
        (Some(t), Some(gap)) => sessions
            .iter()
            .flat_map(|s| {
                split::sessions_by_gaps(&vec![(); s.len()], &t[s.clone()], gap)
                    .into_iter()
                    .map(move |r| s.start + r.start..s.start + r.end)
            })
            .collect(),
        _ => sessions.clone(),
    };
    let interval = match (&times, capture.interval) {
        (Some(t), _) => Interval::Timestamps(t.clone()),
        (None, Some(secs)) => Interval::Fixed(secs),
        (None, None) => return Err(CaptureError::NoInterval { file }),
    };
    let (out, r) = rates::to_rates(&table, &segments, &interval).map_err(CaptureError::Rates)?;
    // Carry each kept row's session and time through the conversion.
    let mut session_of = vec![0usize; table.n_rows()];
    for (si, s) in sessions.iter().enumerate() {
        session_of[s.clone()].fill(si);
    }
    let at: std::collections::HashMap<usize, usize> = table
        .row_numbers
        .iter()
        .enumerate()
        .map(|(i, &rn)| (rn, i))
        .collect();
    let source: Vec<usize> = out
        .row_numbers
        .iter()
        .map(|rn| at.get(rn).copied().unwrap_or(0))
        .collect();
    let kept_sessions: Vec<usize> = source.iter().map(|&i| session_of[i]).collect();
    Ok(Captured {
        times: times.map(|t| source.iter().map(|&i| t[i]).collect()),
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
}
