//! What every format's parser produces: named series (host, interface, which
//! input, counter or rate) and their timed points, with the line each came
//! from. Also the Prometheus-style label set (`{a="b", c="d"}`) that the
//! Prometheus and Grafana readers share, and the choice of host and
//! interface names from labels or tags.

use std::collections::{HashMap, HashSet};

use super::names::{InterfaceNames, Source, resolve_input};
use super::{ExportError, Format};
use crate::limits;
use crate::rates::SeriesKind;

/// One series of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Host or agent ("" when the file names none).
    pub host: String,
    /// Interface name, for interface inputs ("" for host-wide inputs).
    pub iface: String,
    /// Other names of the interface (ifIndex, ifDescr…), for choosing it.
    pub iface_alt: Vec<String>,
    pub source: Source,
    pub kind: SeriesKind,
    /// Values are bits (per second): divided by 8 into octets.
    pub bits: bool,
    /// As the file names it, for messages.
    pub label: String,
}

/// One value of a series at one time (or poll number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub series: usize,
    pub time: f64,
    pub value: f64,
    pub line: usize,
}

/// How a format gives time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Unix seconds per point.
    Timestamps,
    /// Poll numbers only (0, 1, 2…): several walks or scrapes concatenated.
    Polls,
}

/// A counter read in one poll of an SNMP tool's output (snmpwalk,
/// snmptable), for an interface instance (or "" for the host).
pub struct PolledReading {
    pub poll: usize,
    pub instance: String,
    pub source: Source,
    pub value: f64,
    pub line: usize,
    /// The object or column as the file names it.
    pub label: String,
}

/// Poll numbers of concatenated tool runs: the same object seen again starts
/// the next poll.
#[derive(Debug, Default)]
pub struct PollCounter {
    seen: HashSet<String>,
    poll: usize,
}

impl PollCounter {
    /// The poll `key` (an object) belongs to.
    pub fn poll_of(&mut self, key: String) -> usize {
        if !self.seen.insert(key.clone()) {
            self.poll += 1;
            self.seen.clear();
            self.seen.insert(key);
        }
        self.poll
    }
}

/// A parser's output.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    pub file: String,
    pub series: Vec<Series>,
    pub points: Vec<Point>,
    pub clock: Clock,
    /// The step the file states (RRD, Cacti), in seconds.
    pub step: Option<f64>,
    /// Series or objects skipped because they are not inputs.
    pub unknown: usize,
    /// Names of skipped series (a few, for messages).
    pub unknown_names: Vec<String>,
    /// Values skipped (NaN, empty, no such object).
    pub skipped: usize,
    /// Things the user should know.
    pub notes: Vec<String>,
    index: HashMap<(String, String, Source, bool), usize>,
}

impl Parsed {
    pub fn new(format: Format, file: &str, clock: Clock) -> Self {
        Parsed {
            format,
            file: file.to_string(),
            series: Vec::new(),
            points: Vec::new(),
            clock,
            step: None,
            unknown: 0,
            unknown_names: Vec::new(),
            skipped: 0,
            notes: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The index of a series, adding it when new. Series differ by host,
    /// interface, source and kind.
    pub fn series_id(&mut self, mut s: Series, line: usize) -> Result<usize, ExportError> {
        if !s.source.is_interface() {
            s.iface.clear();
            s.iface_alt.clear();
        }
        let key = (
            s.host.clone(),
            s.iface.clone(),
            s.source,
            s.kind == SeriesKind::Rate,
        );
        if let Some(&i) = self.index.get(&key) {
            return Ok(i);
        }
        if self.series.len() >= limits::MAX_EXPORT_SERIES {
            return Err(ExportError::TooManySeries {
                file: self.file.clone(),
                format: self.format,
                line,
            });
        }
        self.series.push(s);
        self.index.insert(key, self.series.len() - 1);
        Ok(self.series.len() - 1)
    }

    pub fn push(
        &mut self,
        series: usize,
        time: f64,
        value: f64,
        line: usize,
    ) -> Result<(), ExportError> {
        if self.points.len() >= limits::MAX_VALUES {
            return Err(ExportError::TooManyPoints {
                file: self.file.clone(),
                format: self.format,
            });
        }
        self.points.push(Point {
            series,
            time,
            value,
            line,
        });
        Ok(())
    }

    /// Add readings of an SNMP tool as raw counter series timed by poll
    /// number, each interface instance under the name `names` keeps for it.
    pub fn push_polled(
        &mut self,
        readings: Vec<PolledReading>,
        names: &InterfaceNames,
    ) -> Result<(), ExportError> {
        for r in readings {
            let id = self.series_id(
                Series {
                    host: String::new(),
                    iface: names.name_of(&r.instance),
                    iface_alt: vec![r.instance],
                    source: r.source,
                    kind: SeriesKind::Counter,
                    bits: false,
                    label: r.label,
                },
                r.line,
            )?;
            self.push(id, r.poll as f64, r.value, r.line)?;
        }
        Ok(())
    }

    /// A value of series `id` read from the file's text `text` (`read`, as
    /// [`number`] reads it, perhaps after a fix-up): a number is a point, NaN
    /// or unknown a skipped value, anything else an error naming the series.
    pub fn push_number(
        &mut self,
        id: usize,
        time: f64,
        read: Result<Option<f64>, ()>,
        text: &str,
        line: usize,
    ) -> Result<(), ExportError> {
        match read {
            Ok(Some(v)) => self.push(id, time, v, line),
            Ok(None) => {
                self.skipped += 1;
                Ok(())
            }
            Err(()) => {
                let name = self.series[id].label.clone();
                Err(self.malformed(line, &name, format!("\"{text}\" is not a number")))
            }
        }
    }

    /// The series of an input named by a Prometheus-style label set: host
    /// and interface from the labels.
    pub fn labelled_series(
        &mut self,
        labels: &[(String, String)],
        source: Source,
        kind: SeriesKind,
        label: String,
        line: usize,
    ) -> Result<usize, ExportError> {
        let (iface, iface_alt) = iface_of(labels);
        self.series_id(
            Series {
                host: host_of(labels),
                iface,
                iface_alt,
                source,
                kind,
                bits: false,
                label,
            },
            line,
        )
    }

    /// Count a name that is not an input.
    pub fn skip_unknown(&mut self, name: &str) {
        self.unknown += 1;
        if self.unknown_names.len() < 8 && !self.unknown_names.iter().any(|n| n == name) {
            self.unknown_names.push(name.chars().take(60).collect());
        }
    }

    pub fn malformed(&self, line: usize, field: &str, message: impl Into<String>) -> ExportError {
        ExportError::Malformed {
            file: self.file.clone(),
            format: self.format,
            line,
            field: field.chars().take(80).collect(),
            message: message.into(),
        }
    }
}

/// The next record of a CSV export read into `record`, and its line
/// (counted by `lines` from the text the reader reads, which starts at line
/// `first_line` of the file); `None` at the end. Text that is not CSV is
/// malformed at its line.
pub fn next_csv_record(
    p: &Parsed,
    reader: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
    lines: &mut LineCounter,
    first_line: usize,
) -> Result<Option<usize>, ExportError> {
    match reader.read_record(record) {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(e) => {
            let line = e
                .position()
                .map_or(0, |q| lines.line_of(q.byte() as usize) + first_line - 1);
            return Err(p.malformed(line, "", format!("not CSV: {e}")));
        }
    }
    Ok(Some(record.position().map_or(0, |q| {
        lines.line_of(q.byte() as usize) + first_line - 1
    })))
}

/// Line numbers (1-based) of byte offsets, counted forward (offsets must
/// not go back by more than a line end).
pub struct LineCounter<'a> {
    text: &'a [u8],
    seen: usize,
    lines: usize,
}

impl<'a> LineCounter<'a> {
    pub fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            seen: 0,
            lines: 0,
        }
    }

    /// The line of the record starting at `offset` (an offset on the
    /// previous line's CR or LF counts as the next line).
    pub fn line_of(&mut self, offset: usize) -> usize {
        let b = self.text;
        let mut end = offset.min(b.len());
        while end < b.len() && (b[end] == b'\r' || b[end] == b'\n') {
            end += 1;
        }
        if end > self.seen {
            self.lines += b[self.seen..end].iter().filter(|&&c| c == b'\n').count();
            self.seen = end;
        }
        self.lines + 1
    }
}

/// Labels in the order written.
pub type Labels = Vec<(String, String)>;

/// Why a label set could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    Syntax(String),
    TooMany(usize),
    TooLong(usize),
}

impl LabelError {
    /// The error for a label set at `line` of a parsed file.
    pub fn at(self, p: &Parsed, line: usize, field: &str) -> ExportError {
        match self {
            LabelError::Syntax(m) => p.malformed(line, field, m),
            LabelError::TooMany(count) => ExportError::TooManyLabels {
                file: p.file.clone(),
                format: p.format,
                line,
                count,
            },
            LabelError::TooLong(bytes) => ExportError::LabelsTooLong {
                file: p.file.clone(),
                format: p.format,
                line,
                bytes,
            },
        }
    }
}

/// Parse a Prometheus label set starting at `{` in `text`: returns the labels
/// and the byte length consumed (through `}`). Values are double-quoted with
/// `\\`, `\"` and `\n` escapes.
pub fn parse_labels(text: &str) -> Result<(Labels, usize), LabelError> {
    use LabelError::Syntax;
    let b = text.as_bytes();
    if b.first() != Some(&b'{') {
        return Err(Syntax("expected '{'".into()));
    }
    let mut i = 1;
    let mut out = Labels::new();
    let mut bytes = 0usize;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            return Err(Syntax("the label set has no closing '}'".into()));
        }
        if b[i] == b'}' {
            return Ok((out, i + 1));
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        let name = &text[start..i];
        if name.is_empty() {
            return Err(Syntax(format!("expected a label name at byte {}", i + 1)));
        }
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return Err(Syntax(format!("label {name} has no '='")));
        }
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'"' {
            return Err(Syntax(format!("the value of label {name} is not quoted")));
        }
        i += 1;
        let mut value = String::new();
        let mut closed = false;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    closed = true;
                    i += 1;
                    break;
                }
                b'\\' if i + 1 < b.len() => {
                    // The escaped character may be more than one byte.
                    let ch = text[i + 1..].chars().next().unwrap_or('?');
                    value.push(if ch == 'n' { '\n' } else { ch });
                    i += 1 + ch.len_utf8();
                }
                _ => {
                    let ch = text[i..].chars().next().unwrap_or('?');
                    value.push(ch);
                    i += ch.len_utf8().max(1);
                }
            }
        }
        if !closed {
            return Err(Syntax(format!(
                "the value of label {name} has no closing quote"
            )));
        }
        bytes += name.len() + value.len();
        if bytes > limits::MAX_LABEL_BYTES {
            return Err(LabelError::TooLong(bytes));
        }
        out.push((name.to_string(), value));
        if out.len() > limits::MAX_SERIES_LABELS {
            return Err(LabelError::TooMany(out.len()));
        }
    }
}

fn get<'a>(labels: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        labels
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(n) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    })
}

/// Host of a series from its labels or tags: `agent_host` (Telegraf snmp),
/// `instance`, `target`, `source`, `hostname`, `host`, `agent`.
pub fn host_of(labels: &[(String, String)]) -> String {
    get(
        labels,
        &[
            "agent_host",
            "instance",
            "target",
            "source",
            "hostname",
            "host",
            "agent",
        ],
    )
    .unwrap_or("")
    .to_string()
}

/// Interface name and other names from labels or tags: ifName, then ifDescr,
/// then ifAlias, then ifIndex (also `interface`, `name`, `port`).
pub fn iface_of(labels: &[(String, String)]) -> (String, Vec<String>) {
    let name = get(
        labels,
        &[
            "ifName",
            "ifDescr",
            "interface",
            "ifAlias",
            "port",
            "ifIndex",
            "index",
        ],
    )
    .unwrap_or("")
    .to_string();
    let alt = ["ifIndex", "index", "ifDescr", "ifAlias", "ifName"]
        .iter()
        .filter_map(|n| get(labels, &[n]))
        .filter(|v| *v != name)
        .map(str::to_string)
        .collect();
    (name, alt)
}

/// A label whose value names an input (e.g. one set with label_replace
/// after rate(), which drops `__name__`).
pub fn source_from_labels(labels: &[(String, String)]) -> Option<Source> {
    ["__name__", "metric", "mib", "name", "__name"]
        .iter()
        .filter_map(|n| get(labels, &[n]))
        .find_map(resolve_input)
}

/// Parse a number as exporters write it: Go's float formats, `NaN`,
/// `+Inf`/`-Inf`, Influx's `123i`/`123u`. `None` for NaN/Inf (a missing
/// value) and `Err` for text that is no number.
pub fn number(text: &str) -> Result<Option<f64>, ()> {
    let t = text.trim();
    let t = t
        .strip_suffix('i')
        .or_else(|| t.strip_suffix('u'))
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .unwrap_or(t);
    let lower = t.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "nan" | "-nan" | "+nan" | "inf" | "+inf" | "-inf" | "u" | "unkn" | "null"
    ) {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Ok(None),
        Err(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_sets() {
        let (l, n) =
            parse_labels(r#"{ifIndex="2", ifName="eth0",instance="sw1:161",x="a\"b\\c"} 5"#)
                .unwrap();
        assert_eq!(n, 59);
        assert_eq!(l.len(), 4);
        assert_eq!(l[3].1, "a\"b\\c");
        assert_eq!(host_of(&l), "sw1:161");
        assert_eq!(iface_of(&l), ("eth0".to_string(), vec!["2".to_string()]));
        assert!(parse_labels("{a=\"b\"").is_err());
        // An escaped multi-byte character (found by fuzzing: was a panic).
        let (l, _) = parse_labels("{a=\"x\\\u{feff}\\\u{e9}y\"}").unwrap();
        assert_eq!(l[0].1, "x\u{feff}\u{e9}y");
        assert!(parse_labels("{a=b}").is_err());
        assert!(parse_labels("{=\"b\"}").is_err());
        let many: String = (0..=limits::MAX_SERIES_LABELS)
            .map(|i| format!("l{i}=\"v\","))
            .collect();
        let e = parse_labels(&format!("{{{many}}}")).unwrap_err();
        assert_eq!(e, LabelError::TooMany(limits::MAX_SERIES_LABELS + 1));
        let long = format!("{{a=\"{}\"}}", "x".repeat(limits::MAX_LABEL_BYTES));
        assert_eq!(
            parse_labels(&long).unwrap_err(),
            LabelError::TooLong(limits::MAX_LABEL_BYTES + 1)
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(number("1.5e+06"), Ok(Some(1.5e6)));
        assert_eq!(number("12i"), Ok(Some(12.0)));
        assert_eq!(number("12u"), Ok(Some(12.0)));
        assert_eq!(number("NaN"), Ok(None));
        assert_eq!(number("-nan"), Ok(None));
        assert_eq!(number("+Inf"), Ok(None));
        assert_eq!(number("abc"), Err(()));
        assert_eq!(number("i"), Err(()));
    }
}
