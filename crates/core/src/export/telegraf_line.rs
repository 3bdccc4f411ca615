//! InfluxDB line protocol as Telegraf's `inputs.snmp` writes it
//! (docs.influxdata.com line protocol reference; telegraf
//! plugins/inputs/snmp README): `interface,agent_host=10.0.0.1,ifName=eth0
//! ifHCInOctets=3852386380i,ifHCOutOctets=… 1575509815000000000`. Tags
//! and string fields name the host (`agent_host`, else `source`/`host`)
//! and the interface (`ifName`, `ifDescr`, `ifIndex`); numeric fields named
//! like an input are raw counters. The timestamp's precision (s, ms, µs,
//! ns) is told from its size; sysUpTime is in hundredths of a second.

use super::clock::epoch_seconds;
use super::names::{Known, Source, resolve_name};
use super::series::{Clock, Parsed, Series, host_of, iface_of, number};
use super::{ExportError, Format};
use crate::limits;
use crate::rates::SeriesKind;

/// Split at `sep` outside double quotes, honouring backslash escapes.
fn split_unescaped(s: &str, sep: u8, max: usize) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut quoted, mut i) = (0, false, 0);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' => quoted = !quoted,
            c if c == sep && !quoted && out.len() + 1 < max => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start.min(s.len())..]);
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One metric (line or JSON object) in a shared shape: tags, fields, time.
pub struct Metric {
    pub name: String,
    pub tags: Vec<(String, String)>,
    /// Numeric fields (None: not a number) and string fields.
    pub fields: Vec<(String, FieldValue)>,
    pub time: f64,
}

pub enum FieldValue {
    Number(f64),
    Text(String),
    Other,
}

/// Add a metric's input fields to `p`.
pub fn add_metric(p: &mut Parsed, m: Metric, line: usize) -> Result<(), ExportError> {
    if m.tags.len() > limits::MAX_SERIES_LABELS {
        return Err(ExportError::TooManyLabels {
            file: p.file.clone(),
            format: p.format,
            line,
            count: m.tags.len(),
        });
    }
    let bytes: usize = m.tags.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > limits::MAX_LABEL_BYTES {
        return Err(ExportError::LabelsTooLong {
            file: p.file.clone(),
            format: p.format,
            line,
            bytes,
        });
    }
    let mut labels = m.tags.clone();
    for (k, v) in &m.fields {
        if let FieldValue::Text(t) = v
            && matches!(resolve_name(k), Some(Known::Label(_)))
        {
            labels.push((k.clone(), t.clone()));
        }
    }
    let host = host_of(&labels);
    let (iface, iface_alt) = iface_of(&labels);
    for (k, v) in m.fields {
        let source = match resolve_name(&k) {
            Some(Known::Input(s)) => s,
            Some(Known::Label(_)) => continue,
            None => {
                p.skip_unknown(&format!("{}.{k}", m.name));
                continue;
            }
        };
        let mut value = match v {
            FieldValue::Number(x) => x,
            FieldValue::Text(_) | FieldValue::Other => {
                return Err(p.malformed(line, &k, "the field is not a number"));
            }
        };
        if source == Source::SysUpTime {
            value /= 100.0;
        }
        let id = p.series_id(
            Series {
                host: host.clone(),
                iface: iface.clone(),
                iface_alt: iface_alt.clone(),
                source,
                kind: SeriesKind::Counter,
                bits: false,
                label: format!("{}.{k}", m.name),
            },
            line,
        )?;
        p.push(id, m.time, value, line)?;
    }
    Ok(())
}

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::TelegrafLine, file, Clock::Timestamps);
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts = split_unescaped(line, b' ', 3);
        if parts.len() < 2 || parts[1].is_empty() {
            return Err(p.malformed(line_no, parts[0], "the line has no fields"));
        }
        let Some(ts_text) = parts.get(2).map(|t| t.trim()) else {
            return Err(p.malformed(line_no, parts[0], "the line has no timestamp"));
        };
        let time = ts_text.parse::<i64>().map_err(|_| {
            p.malformed(
                line_no,
                "timestamp",
                format!("\"{ts_text}\" is not a timestamp"),
            )
        })?;
        let mut head = split_unescaped(parts[0], b',', usize::MAX).into_iter();
        let name = unescape(head.next().unwrap_or(""));
        if name.is_empty() {
            return Err(p.malformed(line_no, "measurement", "the measurement name is empty"));
        }
        let mut tags = Vec::new();
        for tag in head {
            let kv = split_unescaped(tag, b'=', 2);
            if kv.len() != 2 {
                return Err(p.malformed(line_no, tag, "a tag is not key=value"));
            }
            tags.push((unescape(kv[0]), unescape(kv[1])));
        }
        let mut fields = Vec::new();
        for field in split_unescaped(parts[1], b',', usize::MAX) {
            let kv = split_unescaped(field, b'=', 2);
            if kv.len() != 2 || kv[0].is_empty() {
                return Err(p.malformed(line_no, field, "a field is not key=value"));
            }
            let (k, v) = (unescape(kv[0]), kv[1]);
            let value = if let Some(s) = v.strip_prefix('"') {
                let Some(s) = s.strip_suffix('"') else {
                    return Err(p.malformed(line_no, &k, "the string value has no closing quote"));
                };
                FieldValue::Text(unescape(s))
            } else if matches!(
                v,
                "t" | "T" | "true" | "True" | "f" | "F" | "false" | "False"
            ) {
                FieldValue::Other
            } else {
                match number(v) {
                    Ok(Some(x)) => FieldValue::Number(x),
                    Ok(None) => {
                        p.skipped += 1;
                        continue;
                    }
                    Err(()) => {
                        return Err(p.malformed(line_no, &k, format!("\"{v}\" is not a value")));
                    }
                }
            };
            fields.push((k, value));
        }
        let m = Metric {
            name,
            tags,
            fields,
            time: epoch_seconds(time as f64),
        };
        add_metric(&mut p, m, line_no)?;
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    #[test]
    fn interface_and_snmp_measurements_join_per_host() {
        let text = "interface,agent_host=10.0.0.1,host=tg,ifName=eth0 ifHCInOctets=1000i,ifInOctets=1000i,ifDescr=\"eth0\" 1700000000000000000
snmp,agent_host=10.0.0.1,host=tg sysUpTime=4200i,tcpInSegs=10i 1700000000000000000
interface,agent_host=10.0.0.1,host=tg,ifName=eth0 ifHCInOctets=5000i,ifInOctets=5000i,ifDescr=\"eth0\" 1700000015000000000
snmp,agent_host=10.0.0.1,host=tg sysUpTime=5700i,tcpInSegs=25i 1700000015000000000
";
        let e = read_export(text.as_bytes(), "t.influx", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::TelegrafLine);
        assert_eq!(
            e.table.columns,
            vec!["timestamp", "ifInOctets11", "tcpInSegs", "sysUpTime"]
        );
        assert_eq!(
            e.table.values,
            vec![1.7e9, 1000.0, 10.0, 42.0, 1.7e9 + 15.0, 5000.0, 25.0, 57.0]
        );
        assert_eq!(e.table.text[0].values, vec!["10.0.0.1", "10.0.0.1"]);
        assert_eq!(e.table.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(e.understanding.hc, vec!["ifInOctets11"]);
    }

    #[test]
    fn escapes_and_errors() {
        let text = "interface,agent_host=a\\ b,ifName=Gi0/1\\,x ifHCOutOctets=5i 1700000000\n";
        let e = read_export(text.as_bytes(), "t.lp", &ReadOptions::default()).unwrap();
        assert_eq!(e.table.text[0].values, vec!["a b"]);
        assert_eq!(e.table.text[1].values, vec!["Gi0/1,x"]);
        assert_eq!(e.table.values[0], 1.7e9);
        let bad = "snmp,agent_host=a tcpInSegs=5i 1700000000\nsnmp,agent_host=a tcpInSegs=x5 1700000015\n";
        let err = read_export(bad.as_bytes(), "t.lp", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.lp, line 2, field \"tcpInSegs\" (Telegraf line protocol): \"x5\" is not a value"
        );
        let nots = "snmp,agent_host=a tcpInSegs=5i\n";
        let err = read_export(nots.as_bytes(), "t.lp", &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no timestamp"), "{err}");
    }
}
