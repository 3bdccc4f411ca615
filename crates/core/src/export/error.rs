//! Why an export could not be read. `Display` is the sentence the user reads:
//! it names the file, the format, the line and the field.

use std::fmt;

use super::Format;
use crate::ingest::IngestError;
use crate::limits;

/// Why an export could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportError {
    /// A plain CSV file, read by [`crate::ingest::read_csv`].
    Csv(IngestError),
    Empty {
        file: String,
    },
    TooLarge {
        file: String,
        bytes: usize,
    },
    /// None of the formats mibwatch reads.
    Unrecognised {
        file: String,
        start: String,
    },
    /// Bytes that are not text in the encoding the file announces.
    Encoding {
        file: String,
        line: usize,
        message: String,
    },
    /// A recognised format with a line that breaks it. `line` 0: unknown.
    Malformed {
        file: String,
        format: Format,
        line: usize,
        field: String,
        message: String,
    },
    /// Nothing in the file names one of the 34 inputs.
    NoInputs {
        file: String,
        format: Format,
        seen: Vec<String>,
    },
    /// One metric declared with two types (`# TYPE x counter`, then gauge).
    MixedTypes {
        file: String,
        format: Format,
        line: usize,
        metric: String,
        first: String,
        second: String,
    },
    /// The same series twice at the same time.
    DuplicateSeries {
        file: String,
        format: Format,
        line: usize,
        series: String,
    },
    /// A series whose time goes back.
    TimeNotIncreasing {
        file: String,
        format: Format,
        line: usize,
        series: String,
    },
    /// One input given as counters for some entities and rates for others.
    MixedKinds {
        file: String,
        format: Format,
        column: String,
    },
    TooManySeries {
        file: String,
        format: Format,
        line: usize,
    },
    TooManyLabels {
        file: String,
        format: Format,
        line: usize,
        count: usize,
    },
    LabelsTooLong {
        file: String,
        format: Format,
        line: usize,
        bytes: usize,
    },
    TooManyEntities {
        file: String,
        entities: usize,
    },
    TooManyPoints {
        file: String,
        format: Format,
    },
    /// The interface asked for is on no host.
    NoInterface {
        file: String,
        wanted: String,
        available: Vec<String>,
    },
    /// Series were found, but no poll has every input of the table.
    NoRows {
        file: String,
        format: Format,
    },
}

fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(8).map(String::as_str).collect();
    format!(
        "{}{}",
        shown.join(", "),
        if items.len() > 8 { ", …" } else { "" }
    )
}

fn at(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(", line {line}")
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ExportError::*;
        match self {
            Csv(e) => e.fmt(f),
            Empty { file } => write!(f, "{file}: the file is empty."),
            TooLarge { file, bytes } => write!(
                f,
                "{file}: the file is {:.0} MB; mibwatch reads files up to {} MB.",
                *bytes as f64 / 1e6,
                limits::MAX_FILE_BYTES / 1_000_000
            ),
            Unrecognised { file, start } => write!(
                f,
                "{file}: not a format mibwatch reads (it starts \"{start}\"). mibwatch reads CSV with MIB-named columns, Prometheus text or query_range JSON, Grafana CSV, Telegraf line protocol or JSON, snmpwalk/snmpget/snmptable output, rrdtool fetch/xport and Cacti graph CSV."
            ),
            Encoding {
                file,
                line,
                message,
            } => write!(f, "{file}{}: {message}", at(*line)),
            Malformed {
                file,
                format,
                line,
                field,
                message,
            } => write!(
                f,
                "{file}{}, field \"{field}\" ({format}): {message}",
                at(*line)
            ),
            NoInputs { file, format, seen } => {
                if seen.is_empty() {
                    write!(f, "{file} ({format}): no series in the file.")
                } else {
                    write!(
                        f,
                        "{file} ({format}): none of its series is one of mibwatch's 34 inputs (found: {}).",
                        list(seen)
                    )
                }
            }
            MixedTypes {
                file,
                format,
                line,
                metric,
                first,
                second,
            } => write!(
                f,
                "{file}{}, field \"{metric}\" ({format}): the metric is declared {second} here but {first} earlier; one metric has one type.",
                at(*line)
            ),
            DuplicateSeries {
                file,
                format,
                line,
                series,
            } => write!(
                f,
                "{file}{}, field \"{series}\" ({format}): the same series appears twice at the same time.",
                at(*line)
            ),
            TimeNotIncreasing {
                file,
                format,
                line,
                series,
            } => write!(
                f,
                "{file}{}, field \"{series}\" ({format}): the time goes back from the series' previous value; each series must be in time order.",
                at(*line)
            ),
            MixedKinds {
                file,
                format,
                column,
            } => write!(
                f,
                "{file} ({format}): {column} is a raw counter for some hosts or interfaces and a per-second rate for others; export one kind."
            ),
            TooManySeries { file, format, line } => write!(
                f,
                "{file}{} ({format}): more than {} series; mibwatch reads at most that many from one file.",
                at(*line),
                limits::MAX_EXPORT_SERIES
            ),
            TooManyLabels {
                file,
                format,
                line,
                count,
            } => write!(
                f,
                "{file}{} ({format}): a series with {count} labels; mibwatch reads at most {}.",
                at(*line),
                limits::MAX_SERIES_LABELS
            ),
            LabelsTooLong {
                file,
                format,
                line,
                bytes,
            } => write!(
                f,
                "{file}{} ({format}): a series' labels are {bytes} bytes long; mibwatch reads at most {}.",
                at(*line),
                limits::MAX_LABEL_BYTES
            ),
            TooManyEntities { file, entities } => write!(
                f,
                "{file}: {entities} host/interface pairs; mibwatch reads at most {} from one file.",
                limits::MAX_ENTITIES
            ),
            TooManyPoints { file, format } => write!(
                f,
                "{file} ({format}): more than {} values; split the file.",
                limits::MAX_VALUES
            ),
            NoInterface {
                file,
                wanted,
                available,
            } => write!(
                f,
                "{file}: no interface \"{wanted}\" on any host (interfaces: {}).",
                list(available)
            ),
            NoRows { file, format } => write!(
                f,
                "{file} ({format}): no poll has a value for every input found (the series never line up in time)."
            ),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<IngestError> for ExportError {
    fn from(e: IngestError) -> Self {
        ExportError::Csv(e)
    }
}
