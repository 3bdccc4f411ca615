//! Grafana's panel inspector "Download CSV" (packages/grafana-data
//! `toCSV`, public/app/features/inspector/utils/download.ts): a header of
//! quoted display names, a `Time` column (epoch milliseconds, or a
//! formatted date with "Formatted data" on), one column per series
//! ("Series joined by time"), CRLF line ends, a blank line after each frame;
//! variants with a `sep=,` first line and a UTF-8 BOM ("Download for
//! Excel") or UTF-16LE with tabs (Excel compatibility mode); the old
//! (Grafana ≤ 6) long layout `Series;Time;Value`.
//!
//! Display names are `name{label="v", …}` (Prometheus without a legend) or a
//! legend: the first word that names an input decides the series, the rest
//! names the interface (interface inputs) or the host. Grafana does not say
//! whether a series is a counter or a rate: integer values that never go
//! down (but for a rare reset) are counters, others rates; names with
//! `rate(`, `bits` or `bps` are rates (bits turned into octets).

use super::clock::{epoch_seconds, parse_date};
use super::names::{Known, Source, resolve_input, resolve_metric, resolve_name};
use super::series::{
    Clock, LineCounter, Parsed, Series, host_of, iface_of, next_csv_record, number, parse_labels,
    source_from_labels,
};
use super::{ExportError, Format, ReadOptions};
use crate::rates::SeriesKind;

struct Column {
    name: String,
    points: Vec<(f64, f64, usize)>,
}

pub fn parse(text: &str, file: &str, opts: &ReadOptions) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::GrafanaCsv, file, Clock::Timestamps);
    let mut body = text.trim_start_matches('\u{feff}');
    let mut first_line = 1;
    let mut delimiter = None;
    if let Some(rest) = body.strip_prefix("sep=") {
        delimiter = rest.bytes().next().filter(|b| *b != b'\r' && *b != b'\n');
        body = rest.split_once('\n').map_or("", |x| x.1);
        first_line = 2;
    }
    let header_line = body.lines().next().unwrap_or("");
    let delimiter =
        delimiter.unwrap_or_else(|| crate::ingest::detect_delimiter(header_line.as_bytes()));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut columns: Vec<Column> = Vec::new();
    // Per frame: which column of `columns` each cell feeds, and the time cell.
    let mut frame: Vec<Option<usize>> = Vec::new();
    let mut time_cell = 0;
    let mut long = false;
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(body);
    while let Some(line) = next_csv_record(&p, &mut reader, &mut record, &mut lines, first_line)? {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let is_header = frame.is_empty()
            || record.iter().any(|c| c.trim().eq_ignore_ascii_case("time"))
                && record
                    .get(time_cell)
                    .is_some_and(|c| number(c).is_err() && parse_date(c).is_none());
        if is_header {
            let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
            if cells.len() == 3
                && cells[0].eq_ignore_ascii_case("series")
                && cells[1].eq_ignore_ascii_case("time")
            {
                long = true;
                frame = vec![None, None, None];
                continue;
            }
            time_cell = cells
                .iter()
                .position(|c| c.eq_ignore_ascii_case("time"))
                .unwrap_or(0);
            frame = cells
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (i != time_cell).then(|| {
                        columns.push(Column {
                            name: name.clone(),
                            points: Vec::new(),
                        });
                        columns.len() - 1
                    })
                })
                .collect();
            if columns.len() > crate::limits::MAX_EXPORT_SERIES {
                return Err(ExportError::TooManySeries {
                    file: file.to_string(),
                    format: p.format,
                    line,
                });
            }
            continue;
        }
        let (time_at, name_at) = if long {
            (1, Some(0))
        } else {
            (time_cell, None)
        };
        let time_text = record.get(time_at).unwrap_or("").trim();
        let time = match number(time_text) {
            Ok(Some(v)) => epoch_seconds(v),
            _ => parse_date(time_text).ok_or_else(|| {
                p.malformed(line, "Time", format!("\"{time_text}\" is not a time"))
            })?,
        };
        let cells: Vec<(usize, &str)> = if long {
            let name = record.get(name_at.unwrap_or(0)).unwrap_or("").trim();
            let col = match columns.iter().position(|c| c.name == name) {
                Some(c) => c,
                None => {
                    columns.push(Column {
                        name: name.to_string(),
                        points: Vec::new(),
                    });
                    columns.len() - 1
                }
            };
            vec![(col, record.get(2).unwrap_or(""))]
        } else {
            frame
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.map(|c| (c, record.get(i).unwrap_or(""))))
                .collect()
        };
        for (col, cell) in cells {
            let cell = cell.trim();
            match number(cell) {
                Ok(Some(v)) => columns[col].points.push((time, v, line)),
                Ok(None) => p.skipped += 1,
                Err(()) if cell.is_empty() || cell == "undefined" => p.skipped += 1,
                Err(()) => {
                    return Err(p.malformed(
                        line,
                        &columns[col].name,
                        format!(
                            "\"{cell}\" is not a number (download with \"Formatted data\" off)"
                        ),
                    ));
                }
            }
        }
    }
    let fallback = opts.variable.as_deref().and_then(resolve_input);
    for col in columns {
        add_column(&mut p, col, fallback)?;
    }
    Ok(p)
}

/// Resolve a display name and add its series.
fn add_column(p: &mut Parsed, col: Column, fallback: Option<Source>) -> Result<(), ExportError> {
    let name = col.name.as_str();
    let first_line = col.points.first().map_or(0, |x| x.2);
    let (metric, labels) = match name.find('{') {
        Some(b) if name.ends_with('}') => {
            let (labels, _) = parse_labels(&name[b..]).map_err(|e| e.at(p, first_line, name))?;
            (name[..b].trim(), labels)
        }
        _ => (name, Vec::new()),
    };
    let lower = name.to_ascii_lowercase();
    let rate_named = lower.contains("rate(") || lower.contains("/s") || lower.contains("per sec");
    let bits = lower.contains("bits") || lower.contains("bps");
    let mut host = host_of(&labels);
    let (mut iface, iface_alt) = iface_of(&labels);
    let resolved = match resolve_metric(metric) {
        Some((s, r)) => Some((s, r)),
        // `{labels}` without a name: rate() dropped it; a label or the
        // input named when reading says what it is.
        None if metric.is_empty() && !labels.is_empty() => {
            source_from_labels(&labels).or(fallback).map(|s| (s, true))
        }
        None => {
            // A legend: the first word naming an input; the rest names the
            // interface (interface inputs) or the host.
            let words: Vec<&str> = metric
                .split(|c: char| c.is_whitespace() || c == '|' || c == ',')
                .filter(|w| !w.is_empty())
                .collect();
            words
                .iter()
                .position(|w| matches!(resolve_name(w), Some(Known::Input(_))))
                .map(|i| {
                    let rest: Vec<&str> = words
                        .iter()
                        .enumerate()
                        .filter(|(j, w)| *j != i && !is_unit_word(w))
                        .map(|(_, w)| *w)
                        .collect();
                    let Some(Known::Input(s)) = resolve_name(words[i]) else {
                        unreachable!("position found an input")
                    };
                    if !rest.is_empty() {
                        if s.is_interface() && iface.is_empty() {
                            iface = rest.join(" ");
                        } else if host.is_empty() {
                            host = rest.join(" ");
                        }
                    }
                    (s, false)
                })
        }
    };
    let Some((source, rule_rate)) = resolved else {
        p.skip_unknown(name);
        return Ok(());
    };
    let values: Vec<f64> = col.points.iter().map(|x| x.1).collect();
    let looks_counter = crate::rates::looks_like_counter(&values);
    let kind = if rule_rate || rate_named || bits || !looks_counter {
        SeriesKind::Rate
    } else {
        SeriesKind::Counter
    };
    let octets = matches!(source, Source::Var { index, .. }
        if crate::schema::MIB_VARS[index].name.contains("Octets"));
    let id = p.series_id(
        Series {
            host,
            iface,
            iface_alt,
            source,
            kind,
            bits: bits && octets,
            label: name.to_string(),
        },
        first_line,
    )?;
    for (t, mut v, line) in col.points {
        if source == Source::SysUpTime {
            v /= 100.0;
        }
        p.push(id, t, v, line)?;
    }
    Ok(())
}

fn is_unit_word(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "bits" | "bps" | "bits/s" | "/s" | "rate" | "in" | "out" | "-"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    #[test]
    fn joined_series_with_labels_and_excel_variants() {
        let csv = "\"Time\",\"ifHCInOctets{ifIndex=\"\"2\"\", ifName=\"\"eth0\"\", instance=\"\"sw1\"\"}\",\"ifHCInOctets{ifIndex=\"\"2\"\", ifName=\"\"eth0\"\", instance=\"\"sw2\"\"}\"\r\n1700000000000,100,7\r\n1700000015000,400,9\r\n\r\n";
        let e = read_export(csv.as_bytes(), "g.csv", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::GrafanaCsv);
        assert_eq!(e.table.columns, vec!["timestamp", "ifInOctets11"]);
        assert_eq!(e.kinds[1], SeriesKind::Counter);
        assert_eq!(
            e.table.values,
            vec![
                1.7e9,
                100.0,
                1.7e9 + 15.0,
                400.0,
                1.7e9,
                7.0,
                1.7e9 + 15.0,
                9.0
            ]
        );
        assert_eq!(e.table.text[0].values, vec!["sw1", "sw1", "sw2", "sw2"]);
        assert_eq!(e.table.row_numbers, vec![2, 3, 2, 3]);
        // sep=, line and a BOM: same table, line numbers one later.
        let excel = format!("\u{feff}sep=,\r\n{csv}");
        let x = read_export(excel.as_bytes(), "g.csv", &ReadOptions::default()).unwrap();
        assert_eq!(x.table.values, e.table.values);
        assert_eq!(x.table.row_numbers, vec![3, 4, 3, 4]);
        // UTF-16LE with tabs.
        let tabbed = csv
            .replace("\",\"", "\"\t\"")
            .replace(",1", "\t1")
            .replace(",4", "\t4")
            .replace(",7", "\t7")
            .replace(",9", "\t9");
        let mut bytes = vec![0xFF, 0xFE];
        for u in tabbed.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let u = read_export(&bytes, "g.csv", &ReadOptions::default()).unwrap();
        assert_eq!(u.table.values, e.table.values);
    }

    #[test]
    fn legends_formatted_time_rates_and_bits() {
        let csv = "\"Time\",\"eth0 ifHCInOctets bits\",\"tcpCurrEstab\"\r\n2023-11-14 22:13:20,800.5,3\r\n2023-11-14 22:13:35,1600,4\r\n";
        let e = read_export(csv.as_bytes(), "g.csv", &ReadOptions::default()).unwrap();
        assert_eq!(
            e.table.columns,
            vec!["timestamp", "ifInOctets11", "tcpCurrEstab"]
        );
        assert_eq!(
            e.kinds,
            vec![SeriesKind::Gauge, SeriesKind::Rate, SeriesKind::Gauge]
        );
        assert_eq!(
            e.table.values,
            vec![1.7e9, 100.0625, 3.0, 1.7e9 + 15.0, 200.0, 4.0]
        );
        assert_eq!(e.table.text[1].values, vec!["eth0", "eth0"]);
        let bad = "\"Time\",\"tcpInSegs\"\r\n1700000000000,1.2 kB\r\n";
        let err = read_export(bad.as_bytes(), "g.csv", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "g.csv, line 2, field \"tcpInSegs\" (Grafana CSV): \"1.2 kB\" is not a number (download with \"Formatted data\" off)"
        );
        let bad_time = "\"Time\",\"tcpInSegs\"\r\nyesterday,1\r\n";
        let err = read_export(bad_time.as_bytes(), "g.csv", &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("line 2, field \"Time\""), "{err}");
    }

    #[test]
    fn nameless_series_after_rate() {
        let csv = "\"Time\",\"{ifName=\"\"eth0\"\", instance=\"\"a\"\"}\"\r\n1700000000000,2.5\r\n";
        let e = read_export(csv.as_bytes(), "g.csv", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("none of its series"), "{e}");
        let opts = ReadOptions {
            variable: Some("ifHCInOctets".into()),
            ..ReadOptions::default()
        };
        let e = read_export(csv.as_bytes(), "g.csv", &opts).unwrap();
        assert_eq!(e.table.columns, vec!["timestamp", "ifInOctets11"]);
        assert_eq!(e.kinds[1], SeriesKind::Rate);
        assert_eq!(e.table.text[1].values, vec!["eth0"]);
    }

    #[test]
    fn old_long_layout() {
        let csv = "sep=;\nSeries;Time;Value\ntcpInSegs;2023-11-14T22:13:20+00:00;5\ntcpInSegs;2023-11-14T22:13:35+00:00;9\n";
        let e = read_export(csv.as_bytes(), "old.csv", &ReadOptions::default()).unwrap();
        assert_eq!(e.table.values, vec![1.7e9, 5.0, 1.7e9 + 15.0, 9.0]);
    }
}
