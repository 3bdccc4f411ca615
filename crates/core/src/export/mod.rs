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
mod choices;
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

pub use choices::FileChoices;
pub use detect::detect_format;
pub use error::ExportError;
pub use understanding::{KindSummary, Understanding};

use crate::capture::{Capture, Values};
use crate::ingest::{self, IngestOptions, Table};
use crate::limits;
pub use crate::rates::SeriesKind;

/// The formats [`read_export`] recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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
    let is_utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let mut csv_opts = IngestOptions {
        file_name: file_name.to_string(),
        ..opts.csv.clone()
    };
    // Text columns pass through: read as numbers the columns that are
    // numbers in the first thousand rows (a text cell further down is an
    // error naming its row).
    if csv_opts.keep_text && csv_opts.columns.is_none() {
        let utf8 = if is_utf16 { text.as_bytes() } else { bytes };
        if let Ok(head) = ingest::preview(crate::columns::head(utf8, 1000), file_name, 0) {
            csv_opts.columns = Some(crate::columns::numeric_columns(
                &head,
                &csv_opts.label_column,
            ));
        }
    }
    let table = if is_utf16 {
        ingest::read_csv(text.as_bytes(), &csv_opts)?
    } else {
        ingest::read_csv(bytes, &csv_opts)?
    };
    // Counters or rates: as asked, else as the schema counters' values look
    // (whole numbers that rarely go down are counters).
    let counters = opts.kind.unwrap_or_else(|| {
        let w = table.n_cols();
        let counter_like = table
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| SeriesKind::of_column(c) == SeriesKind::Counter)
            .filter(|(_, c)| crate::schema::lookup(c).is_some())
            .all(|(j, _)| {
                let col: Vec<f64> = (0..table.n_rows())
                    .map(|i| table.values[i * w + j])
                    .collect();
                crate::rates::looks_like_counter(&col)
            });
        if counter_like {
            SeriesKind::Counter
        } else {
            SeriesKind::Rate
        }
    });
    let kinds: Vec<SeriesKind> = table
        .columns
        .iter()
        .map(|c| match SeriesKind::of_column(c) {
            SeriesKind::Counter if crate::schema::lookup(c).is_some() => counters,
            SeriesKind::Counter => SeriesKind::Gauge,
            k => k,
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
    /// How this export's rows were captured, for [`crate::capture`]: its
    /// clock (timestamp, else sysUpTime, else the poll interval), its
    /// entities (host, interface), each column's kind, and whether anything
    /// is a counter.
    pub fn capture(&self) -> Capture {
        let has = |name: &str| self.table.column_index(name).is_some();
        let kinds: Vec<(String, SeriesKind)> = self
            .table
            .columns
            .iter()
            .cloned()
            .zip(self.kinds.iter().copied())
            .collect();
        Capture {
            values: if self.kinds.contains(&SeriesKind::Counter) {
                Values::Counters
            } else {
                Values::Rates
            },
            interval: self.interval,
            time_column: has(TIMESTAMP).then(|| TIMESTAMP.to_string()),
            session_column: has("session").then(|| "session".to_string()),
            session_gap_secs: None,
            entity_columns: [HOST, INTERFACE]
                .iter()
                .filter(|n| self.table.text.iter().any(|t| t.name == **n))
                .map(|n| n.to_string())
                .collect(),
            uptime_column: has(SYS_UPTIME).then(|| SYS_UPTIME.to_string()),
            kinds,
        }
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
