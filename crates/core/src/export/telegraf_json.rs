//! Telegraf's JSON serializer (telegraf plugins/serializers/json README):
//! one object per metric, `{"fields":{…},"name":"interface","tags":{…},
//! "timestamp":1458229140}`, one per line, or a batch `{"metrics":[…]}`
//! (several batches may follow each other). `json_timestamp_units` may make
//! the timestamp ms/µs/ns: told from its size. Fields and tags are read as
//! in the line protocol ([`super::telegraf_line`]).

use serde_json::Value;

use super::series::{Clock, LineCounter, Parsed};
use super::telegraf_line::{FieldValue, Metric, add_metric};
use super::{ExportError, Format, clock::epoch_seconds};

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::TelegrafJson, file, Clock::Timestamps);
    let mut lines = LineCounter::new(text);
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let start = stream.byte_offset();
        let doc = match stream.next() {
            None => break,
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return Err(p.malformed(
                    e.line(),
                    &format!("column {}", e.column()),
                    format!("not valid JSON: {e}"),
                ));
            }
        };
        // The object's first line (skip the whitespace before it).
        let skipped = text[start.min(text.len())..]
            .bytes()
            .take_while(u8::is_ascii_whitespace)
            .count();
        let line = lines.line_of(start + skipped);
        match doc.get("metrics").and_then(Value::as_array) {
            Some(batch) => {
                for (i, m) in batch.iter().enumerate() {
                    metric(&mut p, m, line, &format!("metrics[{i}]"))?;
                }
            }
            None => metric(&mut p, &doc, line, "metric")?,
        }
    }
    Ok(p)
}

fn metric(p: &mut Parsed, m: &Value, line: usize, at: &str) -> Result<(), ExportError> {
    let Some(obj) = m.as_object() else {
        return Err(p.malformed(line, at, "not an object"));
    };
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(fields) = obj.get("fields").and_then(Value::as_object) else {
        return Err(p.malformed(line, &format!("{at}.fields"), "missing or not an object"));
    };
    let Some(ts) = obj.get("timestamp").and_then(Value::as_f64) else {
        return Err(p.malformed(line, &format!("{at}.timestamp"), "missing or not a number"));
    };
    let tags = match obj.get("tags") {
        None => Vec::new(),
        Some(Value::Object(t)) => t
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
        Some(_) => return Err(p.malformed(line, &format!("{at}.tags"), "not an object")),
    };
    let fields = fields
        .iter()
        .filter_map(|(k, v)| {
            let value = match v {
                Value::Number(n) => FieldValue::Number(n.as_f64()?),
                Value::String(s) => FieldValue::Text(s.clone()),
                Value::Null => return None,
                _ => FieldValue::Other,
            };
            Some((k.clone(), value))
        })
        .collect();
    add_metric(
        p,
        Metric {
            name,
            tags,
            fields,
            time: epoch_seconds(ts),
        },
        line,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};
    use crate::rates::SeriesKind;

    #[test]
    fn lines_and_batches_read_the_same() {
        let lines = r#"{"fields":{"ifHCInOctets":1000,"ifName":"eth0"},"name":"interface","tags":{"agent_host":"10.0.0.1","host":"tg","ifIndex":"2"},"timestamp":1700000000}
{"fields":{"ifHCInOctets":4000,"ifName":"eth0"},"name":"interface","tags":{"agent_host":"10.0.0.1","host":"tg","ifIndex":"2"},"timestamp":1700000015}
"#;
        let a = read_export(lines.as_bytes(), "t.json", &ReadOptions::default()).unwrap();
        assert_eq!(a.format, Format::TelegrafJson);
        assert_eq!(a.table.values, vec![1.7e9, 1000.0, 1.7e9 + 15.0, 4000.0]);
        assert_eq!(a.table.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(a.table.row_numbers, vec![1, 2]);
        assert_eq!(a.kinds[1], SeriesKind::Counter);
        let batch = format!("{{\"metrics\":[{}]}}", lines.trim().replace('\n', ","));
        let b = read_export(batch.as_bytes(), "b.json", &ReadOptions::default()).unwrap();
        assert_eq!(b.table.values, a.table.values);
    }

    #[test]
    fn bad_metric_names_the_field() {
        let bad = "{\"fields\":{\"tcpInSegs\":1},\"name\":\"snmp\",\"tags\":{}}\n";
        let e = read_export(bad.as_bytes(), "t.json", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json, line 1, field \"metric.timestamp\" (Telegraf JSON): missing or not a number"
        );
        let e = read_export(
            b"{\"metrics\":[{\"fields\":",
            "t.json",
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ExportError::Malformed { .. }), "{e}");
    }
}
