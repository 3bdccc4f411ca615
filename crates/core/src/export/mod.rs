//! Monitoring exports → mibwatch's table. One reader for the page and the
//! CLI: [`read_export`] recognises the format from the file's first bytes
//! (never its name), reads it, and tidies it into one row per poll per
//! entity (host + interface) with the 34 inputs under their schema names, a
//! `timestamp` column when the format has time, `sysUpTime` when present,
//! and `host`/`interface` text columns. Each numeric column carries its kind
//! (counters, per-second rates or a gauge) for [`crate::rates::to_rates_by_kind`];
//! [`Export::sessions`] gives the capture sessions rates may be computed in.
//!
//! Plain CSV in the public file's layout is read by [`crate::ingest::read_csv`]
//! exactly as before.

mod cacti;
mod clock;
mod detect;
mod error;
mod grafana;
pub mod names;
mod prometheus_json;
mod prometheus_text;
mod rrd_fetch;
mod rrd_xport;
mod series;
pub mod sessions;
mod snmptable;
mod snmpwalk;
mod telegraf_json;
mod telegraf_line;
mod tidy;
mod understanding;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod read_tests;

use std::fmt;

pub use detect::detect_format;
pub use error::ExportError;
pub use sessions::{DEFAULT_GAP_FACTOR, SessionReport, Sessions};
pub use understanding::{KindSummary, Understanding};

use crate::ingest::{self, IngestOptions, Table};
use crate::limits;
pub use crate::rates::SeriesKind;
use crate::rates::{Interval, RateReport, RatesError};

/// The formats [`read_export`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// CSV with MIB-named columns (the public file's and the lab's layout).
    PlainCsv,
    PrometheusText,
    PrometheusJson,
    GrafanaCsv,
    TelegrafLine,
    TelegrafJson,
    SnmpWalk,
    SnmpTable,
    RrdFetch,
    RrdXport,
    CactiCsv,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::PlainCsv,
        Format::PrometheusText,
        Format::PrometheusJson,
        Format::GrafanaCsv,
        Format::TelegrafLine,
        Format::TelegrafJson,
        Format::SnmpWalk,
        Format::SnmpTable,
        Format::RrdFetch,
        Format::RrdXport,
        Format::CactiCsv,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Format::PlainCsv => "CSV",
            Format::PrometheusText => "Prometheus text exposition",
            Format::PrometheusJson => "Prometheus query_range JSON",
            Format::GrafanaCsv => "Grafana CSV",
            Format::TelegrafLine => "Telegraf line protocol",
            Format::TelegrafJson => "Telegraf JSON",
            Format::SnmpWalk => "snmpwalk output",
            Format::SnmpTable => "snmptable CSV",
            Format::RrdFetch => "rrdtool fetch output",
            Format::RrdXport => "rrdtool xport XML",
            Format::CactiCsv => "Cacti graph CSV",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which interface feeds the model's interface inputs (`ifInOctets11`…).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum InterfaceChoice {
    /// Per host, the non-loopback interface that moved the most octets.
    #[default]
    Busiest,
    /// The interface with this ifName, ifDescr or ifIndex on every host.
    Named(String),
    /// Every interface is its own entity (host-wide inputs repeated).
    Every,
}

/// What to read, each detected thing overridable.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Read as this format instead of detecting it.
    pub format: Option<Format>,
    /// Counters or rates for every input that is not a gauge.
    pub kind: Option<SeriesKind>,
    /// Seconds between polls (else from the timestamps, sysUpTime or the
    /// file's stated step). Shown in the preview; rates use it only when
    /// the table has neither a timestamp nor a sysUpTime column.
    pub interval: Option<f64>,
    pub interface: InterfaceChoice,
    /// The input that nameless series measure (a query_range after rate(),
    /// which drops `__name__`).
    pub variable: Option<String>,
    /// How a plain CSV file is read (its `file_name` is replaced).
    pub csv: IngestOptions,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            kind: None,
            interval: None,
            interface: InterfaceChoice::Busiest,
            variable: None,
            csv: IngestOptions {
                require_label: false,
                keep_text: true,
                ..IngestOptions::labelled("")
            },
        }
    }
}

/// A file read and understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub format: Format,
    /// One row per poll per entity, ordered by entity then time.
    pub table: Table,
    /// Kind of each numeric column of `table` (timestamp and sysUpTime are gauges).
    pub kinds: Vec<SeriesKind>,
    /// Seconds between polls, when known.
    pub interval: Option<f64>,
    pub understanding: Understanding,
}

/// Name of the time column (unix seconds).
pub const TIMESTAMP: &str = "timestamp";
/// Name of the agent-uptime column (seconds).
pub const SYS_UPTIME: &str = "sysUpTime";
/// Names of the entity text columns.
pub const HOST: &str = "host";
pub const INTERFACE: &str = "interface";

/// Read an export: detect its format from its content, parse and tidy it.
pub fn read_export(
    bytes: &[u8],
    file_name: &str,
    opts: &ReadOptions,
) -> Result<Export, ExportError> {
    let file = file_name.to_string();
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(ExportError::TooLarge {
            file,
            bytes: bytes.len(),
        });
    }
    let (text, bad_line) = detect::decode(bytes, file_name)?;
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        // An empty file gets the CSV reader's message, as before.
        return read_plain(bytes, &text, file_name, opts);
    }
    let format = match opts.format {
        Some(f) => f,
        None => detect::detect_format(&text).ok_or_else(|| ExportError::Unrecognised {
            file: file.clone(),
            start: detect::start_of(&text),
        })?,
    };
    if format == Format::PlainCsv {
        return read_plain(bytes, &text, file_name, opts);
    }
    if let Some(line) = bad_line {
        return Err(ExportError::Encoding {
            file,
            line,
            message: format!("the bytes are not UTF-8 text ({format})."),
        });
    }
    let parsed = match format {
        Format::PrometheusText => prometheus_text::parse(&text, file_name)?,
        Format::PrometheusJson => prometheus_json::parse(&text, file_name, opts)?,
        Format::GrafanaCsv => grafana::parse(&text, file_name, opts)?,
        Format::TelegrafLine => telegraf_line::parse(&text, file_name)?,
        Format::TelegrafJson => telegraf_json::parse(&text, file_name)?,
        Format::SnmpWalk => snmpwalk::parse(&text, file_name)?,
        Format::SnmpTable => snmptable::parse(&text, file_name)?,
        Format::RrdFetch => rrd_fetch::parse(&text, file_name)?,
        Format::RrdXport => rrd_xport::parse(&text, file_name)?,
        Format::CactiCsv => cacti::parse(&text, file_name)?,
        Format::PlainCsv => unreachable!("handled above"),
    };
    tidy::tidy(parsed, opts)
}

/// A plain CSV file, read by [`ingest::read_csv`] as before; UTF-16 text
/// (already decoded) is read from its UTF-8 form.
fn read_plain(
    bytes: &[u8],
    text: &str,
    file_name: &str,
    opts: &ReadOptions,
) -> Result<Export, ExportError> {
    let csv_opts = IngestOptions {
        file_name: file_name.to_string(),
        ..opts.csv.clone()
    };
    let is_utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let table = if is_utf16 {
        ingest::read_csv(text.as_bytes(), &csv_opts)?
    } else {
        ingest::read_csv(bytes, &csv_opts)?
    };
    let kinds: Vec<SeriesKind> = table
        .columns
        .iter()
        .map(|c| {
            let k = SeriesKind::of_column(c);
            match (k, opts.kind) {
                (SeriesKind::Counter, Some(o)) if crate::schema::lookup(c).is_some() => o,
                (SeriesKind::Counter, _) if crate::schema::lookup(c).is_none() => SeriesKind::Gauge,
                _ => k,
            }
        })
        .collect();
    let understanding = Understanding::of_plain(&table, &kinds, opts.interval);
    Ok(Export {
        format: Format::PlainCsv,
        interval: understanding.poll_seconds,
        table,
        kinds,
        understanding,
    })
}

impl Export {
    /// Capture sessions of [`Export::table`]: never across entities, gaps
    /// longer than `gap_factor` × the median step, counter resets or
    /// reboots (default factor: [`sessions::DEFAULT_GAP_FACTOR`]).
    pub fn sessions(&self, gap_factor: f64) -> Sessions {
        sessions::capture_sessions(&self.table, &self.kinds, gap_factor)
    }

    /// The time between rows for [`crate::rates::to_rates_by_kind`]: the
    /// timestamp column, else sysUpTime, else the poll interval.
    pub fn rate_interval(&self) -> Option<Interval> {
        for name in [TIMESTAMP, SYS_UPTIME] {
            if let Some(j) = self.table.column_index(name) {
                let w = self.table.n_cols();
                return Some(Interval::Timestamps(
                    (0..self.table.n_rows())
                        .map(|i| self.table.values[i * w + j])
                        .collect(),
                ));
            }
        }
        self.interval.map(Interval::Fixed)
    }

    /// Per-second rates per entity and capture session (rate and gauge
    /// columns pass through).
    pub fn to_rates(&self, gap_factor: f64) -> Result<(Table, RateReport), RatesError> {
        let sessions = self.sessions(gap_factor);
        let interval = self
            .rate_interval()
            .ok_or(RatesError::BadInterval { seconds: f64::NAN })?;
        crate::rates::to_rates_by_kind(&self.table, &sessions.ranges, &interval, &self.kinds)
    }
}

/// Read with a given format (no detection): for fuzzing one parser and for
/// the user's "read as" override.
pub fn read_export_as(
    bytes: &[u8],
    file_name: &str,
    format: Format,
    opts: &ReadOptions,
) -> Result<Export, ExportError> {
    let opts = ReadOptions {
        format: Some(format),
        ..opts.clone()
    };
    read_export(bytes, file_name, &opts)
}
