//! Prometheus text exposition (format 0.0.4, as snmp_exporter serves it):
//! `# HELP`/`# TYPE` lines and samples `name{label="v",…} value [ms]`.
//! Several scrapes may be concatenated: a family or series seen again
//! starts the next poll. Samples with timestamps (milliseconds) are placed
//! at that time; without, at the poll number. Raw scrapes are counters;
//! recording-rule names that say rate (`…:rate5m`) are rates. snmp_exporter
//! gives sysUpTime in hundredths of a second.

use std::collections::{HashMap, HashSet};

use super::clock::epoch_seconds;
use super::detect::split_series;
use super::names::{Source, resolve_metric};
use super::series::{Clock, Parsed, number, parse_labels};
use super::{ExportError, Format};
use crate::rates::SeriesKind;

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::PrometheusText, file, Clock::Polls);
    let mut types: HashMap<String, (String, usize)> = HashMap::new();
    let mut families_in_poll: HashSet<String> = HashSet::new();
    let mut series_in_poll: HashSet<String> = HashSet::new();
    let mut poll = 0usize;
    let mut timed: Option<bool> = None;
    let mut any = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            let mut words = rest.split_whitespace();
            let what = words.next().unwrap_or("");
            if what != "HELP" && what != "TYPE" {
                continue;
            }
            let Some(name) = words.next() else {
                return Err(p.malformed(line_no, what, "the metric name is missing"));
            };
            // An input's family seen again starts the next poll (other
            // families, like snmp_exporter's snmp_scrape_* in each module's
            // output, repeat within one poll).
            let input = resolve_metric(name).is_some();
            if input
                && families_in_poll.contains(name)
                && !series_in_poll.is_empty()
                && what == "HELP"
            {
                poll += 1;
                families_in_poll.clear();
                series_in_poll.clear();
            }
            if input {
                families_in_poll.insert(name.to_string());
            }
            if what == "TYPE" {
                let ty = words.next().unwrap_or("untyped").to_string();
                if let Some((first, _)) = types.get(name)
                    && *first != ty
                {
                    return Err(ExportError::MixedTypes {
                        file: file.to_string(),
                        format: p.format,
                        line: line_no,
                        metric: name.to_string(),
                        first: first.clone(),
                        second: ty,
                    });
                }
                types.insert(name.to_string(), (ty, line_no));
            }
            continue;
        }
        let (series_text, rest) = split_series(line);
        let Some(rest) = rest else {
            return Err(p.malformed(line_no, series_text, "a sample has no value"));
        };
        let (name, labels) = match series_text.find('{') {
            Some(b) => {
                let (labels, used) = parse_labels(&series_text[b..])
                    .map_err(|e| e.at(&p, line_no, &series_text[..b]))?;
                if used != series_text.len() - b {
                    return Err(p.malformed(
                        line_no,
                        &series_text[..b],
                        "text after the label set",
                    ));
                }
                (&series_text[..b], labels)
            }
            None => (series_text, Vec::new()),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
        {
            return Err(p.malformed(line_no, name, "not a metric name"));
        }
        let mut parts = rest.split_whitespace();
        let value_text = parts.next().unwrap_or("");
        let value = number(value_text)
            .map_err(|_| p.malformed(line_no, name, format!("\"{value_text}\" is not a number")))?;
        // Milliseconds (text format 0.0.4) or seconds (OpenMetrics), by size.
        let ts = match parts.next() {
            Some(t) => Some(
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(epoch_seconds)
                    .ok_or_else(|| {
                        p.malformed(line_no, name, format!("\"{t}\" is not a timestamp"))
                    })?,
            ),
            None => None,
        };
        if parts.next().is_some() {
            return Err(p.malformed(line_no, name, "more than a value and a timestamp"));
        }
        if *timed.get_or_insert(ts.is_some()) != ts.is_some() {
            return Err(p.malformed(
                line_no,
                name,
                "some samples have a timestamp and others not; export one way",
            ));
        }
        let Some((source, rate_named)) = resolve_metric(name) else {
            p.skip_unknown(name);
            continue;
        };
        // An input's series seen again in this poll starts the next one.
        if !series_in_poll.insert(series_text.to_string()) {
            poll += 1;
            families_in_poll.clear();
            series_in_poll.clear();
            series_in_poll.insert(series_text.to_string());
        }
        let Some(mut value) = value else {
            p.skipped += 1;
            continue;
        };
        if source == Source::SysUpTime {
            value /= 100.0;
        }
        let kind = if rate_named {
            SeriesKind::Rate
        } else {
            SeriesKind::Counter
        };
        let id = p.labelled_series(&labels, source, kind, series_text.to_string(), line_no)?;
        let time = ts.unwrap_or(poll as f64);
        p.push(id, time, value, line_no)?;
        any = true;
    }
    if timed == Some(true) {
        p.clock = Clock::Timestamps;
    }
    if !any && p.unknown == 0 && p.series.is_empty() {
        return Err(ExportError::NoInputs {
            file: file.to_string(),
            format: p.format,
            seen: Vec::new(),
        });
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    const SCRAPE: &str = "# HELP ifHCInOctets The total number of octets received - 1.3.6.1.2.1.31.1.1.1.6
# TYPE ifHCInOctets counter
ifHCInOctets{ifAlias=\"\",ifDescr=\"eth0\",ifIndex=\"2\",ifName=\"eth0\"} 1000
ifHCInOctets{ifAlias=\"\",ifDescr=\"lo\",ifIndex=\"1\",ifName=\"lo\"} 99999
# HELP sysUpTime The time (in hundredths of a second) since the network management portion of the system was last re-initialized. - 1.3.6.1.2.1.1.3
# TYPE sysUpTime gauge
sysUpTime 4200
# HELP tcpCurrEstab x
# TYPE tcpCurrEstab gauge
tcpCurrEstab 3
# HELP snmp_scrape_duration_seconds Total SNMP time scrape took (walk and processing).
# TYPE snmp_scrape_duration_seconds gauge
snmp_scrape_duration_seconds 0.01
";

    #[test]
    fn concatenated_scrapes_are_polls() {
        let second = SCRAPE
            .replace("} 1000", "} 4000")
            .replace("sysUpTime 4200", "sysUpTime 5700")
            .replace("tcpCurrEstab 3", "tcpCurrEstab 5");
        let text = format!("{SCRAPE}{second}");
        let e = read_export(text.as_bytes(), "scrapes.prom", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::PrometheusText);
        let t = &e.table;
        assert_eq!(t.columns, vec!["ifInOctets11", "tcpCurrEstab", "sysUpTime"]);
        // eth0 is busier than lo (lo did not move at all): eth0 chosen.
        assert_eq!(t.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(t.values, vec![1000.0, 3.0, 42.0, 4000.0, 5.0, 57.0]);
        assert_eq!(t.row_numbers, vec![3, 16]);
        assert_eq!(
            e.kinds,
            vec![SeriesKind::Counter, SeriesKind::Gauge, SeriesKind::Gauge]
        );
        assert_eq!(e.interval, Some(15.0));
        assert_eq!(e.understanding.unknown, 2);
        assert_eq!(e.understanding.hc, vec!["ifInOctets11"]);
    }

    #[test]
    fn errors_name_line_and_field() {
        let bad = "# TYPE ifHCInOctets counter\nifHCInOctets{ifIndex=\"2\"} abc\n";
        let e = read_export(bad.as_bytes(), "x.prom", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.prom, line 2, field \"ifHCInOctets\" (Prometheus text exposition): \"abc\" is not a number"
        );
        let mixed = "# TYPE tcpInSegs counter\ntcpInSegs 1\n# TYPE tcpInSegs gauge\ntcpInSegs 2\n";
        let e = read_export(mixed.as_bytes(), "m.prom", &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, ExportError::MixedTypes { line: 3, .. }), "{e}");
        let stamps = "tcpInSegs 1 1700000000000\ntcpInSegs 2\n";
        let e = read_export(stamps.as_bytes(), "s.prom", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let back = "tcpInSegs 1 1700000015000\ntcpInSegs 2 1700000000000\n";
        let e = read_export(back.as_bytes(), "b.prom", &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(e, ExportError::TimeNotIncreasing { line: 2, .. }),
            "{e}"
        );
        let labels = "# TYPE tcpInSegs counter\ntcpInSegs{a=\"1\" 5\n";
        let e = read_export(labels.as_bytes(), "l.prom", &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, ExportError::Malformed { line: 2, .. }), "{e}");
        let none = "# HELP node_load1 x\nnode_load1 0.5\n";
        let e = read_export(none.as_bytes(), "n.prom", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("found: node_load1"), "{e}");
    }

    #[test]
    fn timestamps_and_rate_rules() {
        let text =
            "instance:ifHCInOctets:rate1m{instance=\"sw1\",ifName=\"ge-0/0/1\"} 12.5 1700000000000
instance:ifHCInOctets:rate1m{instance=\"sw1\",ifName=\"ge-0/0/1\"} 13.5 1700000015000
";
        let e = read_export(text.as_bytes(), "r.prom", &ReadOptions::default()).unwrap();
        assert_eq!(e.table.columns, vec!["timestamp", "ifInOctets11"]);
        assert_eq!(e.kinds[1], SeriesKind::Rate);
        assert_eq!(e.table.values, vec![1.7e9, 12.5, 1.7e9 + 15.0, 13.5]);
        assert_eq!(e.table.text[0].values, vec!["sw1", "sw1"]);
        // OpenMetrics: seconds, `_total` suffix, `# EOF`.
        let om = "# TYPE tcpInSegs counter\ntcpInSegs_total 5 1700000000.5\ntcpInSegs_total 9 1700000015.5\n# EOF\n";
        let e = read_export(om.as_bytes(), "o.txt", &ReadOptions::default()).unwrap();
        assert_eq!(
            e.table.values,
            vec![1_700_000_000.5, 5.0, 1_700_000_015.5, 9.0]
        );
    }
}
