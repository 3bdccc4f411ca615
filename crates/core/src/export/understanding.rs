//! What the reader understood of a file, as one preview line before anything
//! runs: "Prometheus query_range JSON · 3 hosts × 4 interfaces · counters ·
//! 15 s polls · 2026-11-20 08:00 → 11-21 08:00 · 28 of 34 inputs (missing: …)".

use std::fmt;

use super::{Format, HOST, INTERFACE, SYS_UPTIME, SeriesKind, TIMESTAMP, clock};
use crate::ingest::Table;
use crate::schema::MIB_VARS;

/// Counters, rates, or some of each (per input column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindSummary {
    Counters,
    Rates,
    Mixed,
    /// Only gauges (no counter or rate input).
    Gauges,
}

/// Where the poll interval came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollSource {
    Timestamps,
    SysUpTime,
    /// The step the file states (RRD, Cacti).
    Stated,
    /// Given in the options.
    Given,
    Unknown,
}

/// The reader's understanding of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    pub format: Format,
    pub rows: usize,
    pub hosts: usize,
    /// Most interfaces seen on one host (0: the file has none).
    pub interfaces: usize,
    /// Entities (host + interface) in the table.
    pub entities: usize,
    /// "busiest", "every interface" or the interface's name.
    pub interface_choice: String,
    pub kinds: KindSummary,
    pub poll_seconds: Option<f64>,
    pub poll_source: PollSource,
    /// First and last timestamp (unix seconds).
    pub span: Option<(f64, f64)>,
    /// The inputs found, as schema names, in schema order.
    pub inputs: Vec<&'static str>,
    pub missing: Vec<&'static str>,
    /// The 64-bit HC counters were used for these inputs.
    pub hc: Vec<&'static str>,
    /// NUcast inputs derived from multicast + broadcast.
    pub derived: Vec<&'static str>,
    /// Series or objects skipped because they are not inputs.
    pub unknown: usize,
    pub unknown_names: Vec<String>,
    /// Values skipped (NaN, empty, no such object).
    pub skipped_values: usize,
    /// Polls dropped because an input had no value there.
    pub incomplete_rows: usize,
    pub notes: Vec<String>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn seconds(s: f64) -> String {
    if (s - s.round()).abs() < 0.05 {
        format!("{:.0} s", s)
    } else {
        format!("{s:.1} s")
    }
}

impl Understanding {
    /// Inputs found and missing among the table's columns.
    pub fn inputs_of(columns: &[String]) -> (Vec<&'static str>, Vec<&'static str>) {
        MIB_VARS
            .iter()
            .map(|v| v.name)
            .partition(|n| columns.iter().any(|c| c == n))
    }

    /// The understanding of a plain CSV table.
    pub fn of_plain(table: &Table, kinds: &[SeriesKind], interval: Option<f64>) -> Understanding {
        let (inputs, missing) = Self::inputs_of(&table.columns);
        let text = |name: &str| {
            table
                .text
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
        };
        let distinct = |name: &str| {
            text(name).map_or(0, |t| {
                let mut v: Vec<&String> = t.values.iter().collect();
                v.sort();
                v.dedup();
                v.len()
            })
        };
        let times = table.column_index(TIMESTAMP).map(|j| {
            let w = table.n_cols();
            (0..table.n_rows())
                .map(|i| table.values[i * w + j])
                .collect::<Vec<f64>>()
        });
        let step = times.as_ref().and_then(|t| median_step(t));
        let span = times.as_ref().and_then(|t| {
            let lo = t.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
        });
        let (poll_seconds, poll_source) = match (interval, step) {
            (Some(s), _) => (Some(s), PollSource::Given),
            (None, Some(s)) => (Some(s), PollSource::Timestamps),
            _ => (None, PollSource::Unknown),
        };
        let hosts = distinct(HOST);
        let interfaces = distinct(INTERFACE);
        Understanding {
            format: Format::PlainCsv,
            rows: table.n_rows(),
            hosts: hosts.max(1),
            interfaces,
            entities: (hosts.max(1)) * interfaces.max(1),
            interface_choice: "as in the file".into(),
            kinds: summarize(&table.columns, kinds),
            poll_seconds,
            poll_source,
            span,
            inputs,
            missing,
            hc: Vec::new(),
            derived: Vec::new(),
            unknown: 0,
            unknown_names: Vec::new(),
            skipped_values: 0,
            incomplete_rows: 0,
            notes: Vec::new(),
        }
    }
}

/// Median of the positive steps between consecutive values.
pub fn median_step(times: &[f64]) -> Option<f64> {
    let mut steps: Vec<f64> = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| d.is_finite() && *d > 0.0)
        .collect();
    if steps.is_empty() {
        return None;
    }
    steps.sort_by(f64::total_cmp);
    Some(steps[steps.len() / 2])
}

/// Counters, rates or mixed over the schema input columns.
pub fn summarize(columns: &[String], kinds: &[SeriesKind]) -> KindSummary {
    let (mut c, mut r) = (false, false);
    for (name, k) in columns.iter().zip(kinds) {
        if name == TIMESTAMP || name == SYS_UPTIME {
            continue;
        }
        match k {
            SeriesKind::Counter => c = true,
            SeriesKind::Rate => r = true,
            SeriesKind::Gauge => {}
        }
    }
    match (c, r) {
        (true, false) => KindSummary::Counters,
        (false, true) => KindSummary::Rates,
        (true, true) => KindSummary::Mixed,
        (false, false) => KindSummary::Gauges,
    }
}

impl fmt::Display for Understanding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = vec![self.format.label().to_string()];
        let hosts = plural(self.hosts, "host", "hosts");
        parts.push(if self.interfaces > 0 {
            let ifs = plural(self.interfaces, "interface", "interfaces");
            let choice = match self.interface_choice.as_str() {
                "busiest" if self.interfaces > 1 => " (busiest used)".to_string(),
                "busiest" | "as in the file" => String::new(),
                "every interface" if self.interfaces > 1 => " (each its own entity)".to_string(),
                "every interface" => String::new(),
                name => format!(" ({name} used)"),
            };
            format!("{hosts} × {ifs}{choice}")
        } else {
            hosts
        });
        parts.push(
            match self.kinds {
                KindSummary::Counters => "counters",
                KindSummary::Rates => "rates",
                KindSummary::Mixed => "counters and rates",
                KindSummary::Gauges => "gauges",
            }
            .to_string(),
        );
        parts.push(match (self.poll_seconds, self.poll_source) {
            (Some(s), PollSource::SysUpTime) => format!("{} polls (sysUpTime)", seconds(s)),
            (Some(s), _) => format!("{} polls", seconds(s)),
            (None, _) => "poll interval unknown".to_string(),
        });
        if let Some((a, b)) = self.span {
            parts.push(clock::format_span(a, b));
        }
        let mut inputs = format!("{} of {} inputs", self.inputs.len(), MIB_VARS.len());
        if !self.missing.is_empty() {
            let shown: Vec<&str> = self.missing.iter().take(6).copied().collect();
            let more = self.missing.len().saturating_sub(6);
            inputs += &format!(
                " (missing: {}{})",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
        parts.push(inputs);
        parts.push(plural(self.rows, "row", "rows"));
        write!(f, "{}", parts.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_line() {
        let mut u = Understanding {
            format: Format::PrometheusJson,
            rows: 17_280,
            hosts: 3,
            interfaces: 4,
            entities: 3,
            interface_choice: "busiest".into(),
            kinds: KindSummary::Counters,
            poll_seconds: Some(15.0),
            poll_source: PollSource::Timestamps,
            span: Some((1_795_161_600.0, 1_795_248_000.0)),
            inputs: MIB_VARS.iter().take(28).map(|v| v.name).collect(),
            missing: MIB_VARS.iter().skip(28).map(|v| v.name).collect(),
            hc: Vec::new(),
            derived: Vec::new(),
            unknown: 0,
            unknown_names: Vec::new(),
            skipped_values: 0,
            incomplete_rows: 0,
            notes: Vec::new(),
        };
        assert_eq!(
            u.to_string(),
            "Prometheus query_range JSON · 3 hosts × 4 interfaces (busiest used) · counters · 15 s polls · 2026-11-20 08:00 → 11-21 08:00 · 28 of 34 inputs (missing: icmpInMsgs, icmpInDestUnreachs, icmpOutMsgs, icmpOutDestUnreachs, icmpInEchos, icmpOutEchoReps) · 17280 rows"
        );
        u.missing = MIB_VARS.iter().skip(20).map(|v| v.name).collect();
        u.inputs.truncate(20);
        u.poll_seconds = None;
        u.span = None;
        u.hosts = 1;
        u.interfaces = 0;
        let s = u.to_string();
        assert!(
            s.contains("1 host · counters · poll interval unknown · 20 of 34"),
            "{s}"
        );
        assert!(s.contains("and 8 more"), "{s}");
        assert_eq!(median_step(&[0.0, 15.0, 30.0, 30.0, 200.0]), Some(15.0));
        assert_eq!(median_step(&[5.0]), None);
    }
}
