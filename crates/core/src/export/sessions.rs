//! Capture sessions of a tidy table: runs of rows that a per-second rate may
//! be computed across. A session never spans two entities (host or
//! interface text column), a change of the `session` column or the label, a
//! gap in time longer than a multiple of the median poll step, a counter
//! reset (a counter column going back without wrapping) or a reboot
//! (sysUpTime going back).

use std::ops::Range;

use super::{HOST, INTERFACE, SYS_UPTIME, SeriesKind, TIMESTAMP};
use crate::ingest::Table;
use crate::rates::{Delta, counter_delta};

/// A gap longer than this many median poll steps starts a new session.
pub const DEFAULT_GAP_FACTOR: f64 = 5.0;

/// Why sessions were cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionReport {
    pub entities: usize,
    /// Cuts at a change of the `session` column or of the label.
    pub marked: usize,
    pub gaps: usize,
    pub resets: usize,
    pub reboots: usize,
}

/// Row ranges of the capture sessions, in table order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions {
    pub ranges: Vec<Range<usize>>,
    pub report: SessionReport,
}

fn column(table: &Table, name: &str) -> Option<Vec<f64>> {
    let j = table.column_index(name)?;
    let w = table.n_cols();
    Some(
        (0..table.n_rows())
            .map(|i| table.values[i * w + j])
            .collect(),
    )
}

/// Cut `table` into capture sessions. `kinds` gives each column's kind;
/// `gap_factor` × the median step of the timestamp column (else of
/// sysUpTime) is the longest step inside a session.
pub fn capture_sessions(table: &Table, kinds: &[SeriesKind], gap_factor: f64) -> Sessions {
    let n = table.n_rows();
    let text = |name: &str| {
        table
            .text
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    };
    let (host, iface) = (text(HOST), text(INTERFACE));
    let session_col = column(table, "session");
    let clock = column(table, TIMESTAMP).or_else(|| column(table, SYS_UPTIME));
    let uptime = column(table, SYS_UPTIME);
    let counters: Vec<usize> = (0..table.n_cols())
        .filter(|&j| kinds.get(j) == Some(&SeriesKind::Counter))
        .collect();
    let gap = clock.as_ref().and_then(|c| {
        let mut steps = Vec::new();
        for i in 1..n {
            let same = host.is_none_or(|h| h.values[i] == h.values[i - 1])
                && iface.is_none_or(|f| f.values[i] == f.values[i - 1]);
            if same {
                steps.push(c[i] - c[i - 1]);
            }
        }
        steps.retain(|d| d.is_finite() && *d > 0.0);
        steps.sort_by(f64::total_cmp);
        steps.get(steps.len() / 2).map(|m| m * gap_factor)
    });
    let mut report = SessionReport::default();
    let mut ranges = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        let cut = if i == n {
            true
        } else if host.is_some_and(|h| h.values[i] != h.values[i - 1])
            || iface.is_some_and(|f| f.values[i] != f.values[i - 1])
        {
            report.entities += 1;
            true
        } else if session_col.as_ref().is_some_and(|s| s[i] != s[i - 1])
            || table.labels.as_ref().is_some_and(|l| l[i] != l[i - 1])
        {
            report.marked += 1;
            true
        } else if uptime.as_ref().is_some_and(|u| u[i] < u[i - 1]) {
            report.reboots += 1;
            true
        } else if let (Some(c), Some(g)) = (&clock, gap)
            && (c[i] - c[i - 1] > g || c[i] <= c[i - 1])
        {
            report.gaps += 1;
            true
        } else if counters.iter().any(|&j| {
            let w = table.n_cols();
            counter_delta(table.values[(i - 1) * w + j], table.values[i * w + j]) == Delta::Reset
        }) {
            report.resets += 1;
            true
        } else {
            false
        };
        if cut {
            if i > start {
                ranges.push(start..i);
            }
            start = i;
        }
    }
    Sessions { ranges, report }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::TextColumn;

    fn table(cols: &[&str], rows: &[&[f64]], hosts: &[&str]) -> Table {
        Table {
            file_name: "t".into(),
            delimiter: b',',
            columns: cols.iter().map(|s| s.to_string()).collect(),
            values: rows.iter().flat_map(|r| r.iter().copied()).collect(),
            labels: None,
            row_numbers: (2..2 + rows.len()).collect(),
            text: vec![
                TextColumn {
                    name: HOST.into(),
                    values: hosts.iter().map(|s| s.to_string()).collect(),
                },
                TextColumn {
                    name: INTERFACE.into(),
                    values: hosts.iter().map(|_| "eth0".to_string()).collect(),
                },
            ],
        }
    }

    #[test]
    fn entity_gap_reset_and_reboot_each_cut() {
        use SeriesKind::*;
        let t = table(
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
        let s = capture_sessions(&t, &[Gauge, Counter, Gauge], DEFAULT_GAP_FACTOR);
        assert_eq!(s.ranges, vec![0..3, 3..5, 5..7, 7..9, 9..11]);
        assert_eq!(
            s.report,
            SessionReport {
                entities: 1,
                marked: 0,
                gaps: 1,
                resets: 1,
                reboots: 1
            }
        );
        // Rates never span a cut: a rate column passes through, no reset cut.
        let s = capture_sessions(&t, &[Gauge, Rate, Gauge], DEFAULT_GAP_FACTOR);
        assert_eq!(s.ranges, vec![0..3, 3..7, 7..9, 9..11]);
    }

    #[test]
    fn counter_wrap_is_no_reset_and_small_tables_work() {
        let c32 = 4_294_967_296.0;
        let t = table(
            &["ifInOctets11"],
            &[&[c32 - 10.0], &[5.0], &[9.0]],
            &["a", "a", "a"],
        );
        let s = capture_sessions(&t, &[SeriesKind::Counter], DEFAULT_GAP_FACTOR);
        assert_eq!(s.ranges, vec![0..3]);
        let empty = table(&["x"], &[], &[]);
        assert!(
            capture_sessions(&empty, &[SeriesKind::Counter], 5.0)
                .ranges
                .is_empty()
        );
    }
}
