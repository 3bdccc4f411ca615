//! Prometheus HTTP API JSON (`/api/v1/query_range`, `resultType` matrix;
//! also an instant `vector`): `{"metric":{labels},"values":[[unix_s,
//! "value"],…]}` per series. Raw series keep `__name__` and are counters;
//! rate() and other functions drop `__name__`, so a nameless series is a
//! per-second rate, named by a label that holds an input's name (set with
//! `label_replace`) or by [`super::ReadOptions::variable`].

use serde_json::Value;

use super::names::{Source, resolve_input, resolve_metric};
use super::series::{Clock, Parsed, number, source_from_labels};
use super::{ExportError, Format, ReadOptions};
use crate::limits;
use crate::rates::SeriesKind;

pub fn parse(text: &str, file: &str, opts: &ReadOptions) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::PrometheusJson, file, Clock::Timestamps);
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        p.malformed(
            e.line(),
            &format!("column {}", e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    if doc.get("status").and_then(Value::as_str) == Some("error") {
        let msg = doc.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(p.malformed(0, "status", format!("the query failed: {msg}")));
    }
    let data = doc.get("data").unwrap_or(&doc);
    let kind = data.get("resultType").and_then(Value::as_str).unwrap_or("");
    if kind != "matrix" && kind != "vector" {
        return Err(p.malformed(
            0,
            "data.resultType",
            format!("\"{kind}\": mibwatch reads a matrix (query_range) or a vector"),
        ));
    }
    let Some(result) = data.get("result").and_then(Value::as_array) else {
        return Err(p.malformed(0, "data.result", "missing or not a list"));
    };
    let fallback = opts.variable.as_deref().and_then(resolve_input);
    for (si, series) in result.iter().enumerate() {
        let field = format!("data.result[{si}]");
        let Some(metric) = series.get("metric").and_then(Value::as_object) else {
            return Err(p.malformed(0, &format!("{field}.metric"), "missing or not an object"));
        };
        if metric.len() > limits::MAX_SERIES_LABELS {
            return Err(ExportError::TooManyLabels {
                file: file.to_string(),
                format: p.format,
                line: 0,
                count: metric.len(),
            });
        }
        let mut labels = Vec::with_capacity(metric.len());
        let mut bytes = 0;
        for (k, v) in metric {
            let v = v.as_str().unwrap_or("").to_string();
            bytes += k.len() + v.len();
            labels.push((k.clone(), v));
        }
        if bytes > limits::MAX_LABEL_BYTES {
            return Err(ExportError::LabelsTooLong {
                file: file.to_string(),
                format: p.format,
                line: 0,
                bytes,
            });
        }
        let label_text = format!(
            "{{{}}}",
            labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let named = metric.get("__name__").and_then(Value::as_str);
        let (source, kind): (Source, SeriesKind) = match named {
            Some(n) => match resolve_metric(n) {
                Some((s, rate)) => (
                    s,
                    if rate {
                        SeriesKind::Rate
                    } else {
                        SeriesKind::Counter
                    },
                ),
                None => {
                    p.skip_unknown(n);
                    continue;
                }
            },
            None => match source_from_labels(&labels).or(fallback) {
                Some(s) => (s, SeriesKind::Rate),
                None => {
                    return Err(p.malformed(
                        0,
                        &format!("{field}.metric"),
                        "the series has no metric name (rate() and other functions drop __name__): keep the name with label_replace(rate(ifHCInOctets[1m]), \"metric\", \"ifHCInOctets\", \"\", \"\"), or name the input when reading",
                    ));
                }
            },
        };
        let mut value = |v: &Value, at: &str| -> Result<Option<(f64, f64)>, ExportError> {
            let pair = v.as_array().filter(|a| a.len() == 2);
            let Some(pair) = pair else {
                return Err(p.malformed(0, at, "expected [time, \"value\"]"));
            };
            let t = pair[0]
                .as_f64()
                .filter(|t| t.is_finite())
                .ok_or_else(|| p.malformed(0, at, "the time is not a number"))?;
            let text = match &pair[1] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(p.malformed(0, at, "the value is not a string")),
            };
            match number(&text) {
                Ok(Some(v)) => Ok(Some((t, v))),
                Ok(None) => {
                    p.skipped += 1;
                    Ok(None)
                }
                Err(()) => Err(p.malformed(0, at, format!("\"{text}\" is not a number"))),
            }
        };
        let mut points = Vec::new();
        if let Some(values) = series.get("values").and_then(Value::as_array) {
            for (vi, v) in values.iter().enumerate() {
                if let Some(tv) = value(v, &format!("{field}.values[{vi}]"))? {
                    points.push(tv);
                }
            }
        } else if let Some(v) = series.get("value") {
            if let Some(tv) = value(v, &format!("{field}.value"))? {
                points.push(tv);
            }
        } else {
            return Err(p.malformed(0, &field, "the series has no values"));
        }
        let id = p.labelled_series(&labels, source, kind, label_text, 0)?;
        for (t, mut v) in points {
            if source == Source::SysUpTime {
                v /= 100.0;
            }
            p.push(id, t, v, 0)?;
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::read_export;

    fn doc(result: &str) -> String {
        format!(
            "{{\"status\":\"success\",\"data\":{{\"resultType\":\"matrix\",\"result\":[{result}]}}}}"
        )
    }

    #[test]
    fn raw_series_are_counters_and_nameless_ones_rates() {
        let raw = doc(
            r#"{"metric":{"__name__":"ifHCOutOctets","ifName":"eth0","instance":"a"},"values":[[1700000000,"10"],[1700000015,"40"]]},
               {"metric":{"__name__":"ifHCOutOctets","ifName":"eth0","instance":"b"},"values":[[1700000000,"7"],[1700000015,"8"]]}"#,
        );
        let e = read_export(raw.as_bytes(), "q.json", &ReadOptions::default()).unwrap();
        assert_eq!(e.table.columns, vec!["timestamp", "ifOutOctets11"]);
        assert_eq!(e.kinds[1], SeriesKind::Counter);
        assert_eq!(e.table.text[0].values, vec!["a", "a", "b", "b"]);
        assert_eq!(e.table.values[1], 10.0);
        assert_eq!(e.table.values[7], 8.0);
        assert_eq!(e.understanding.hosts, 2);

        let rated = doc(
            r#"{"metric":{"ifName":"eth0","instance":"a","metric":"ifHCOutOctets"},"values":[[1700000000,"2.5"],[1700000015,"3"]]}"#,
        );
        let e = read_export(rated.as_bytes(), "r.json", &ReadOptions::default()).unwrap();
        assert_eq!(e.kinds[1], SeriesKind::Rate);
        assert_eq!(e.table.values, vec![1.7e9, 2.5, 1.7e9 + 15.0, 3.0]);

        let nameless = doc(r#"{"metric":{"instance":"a"},"values":[[1700000000,"2.5"]]}"#);
        let err = read_export(nameless.as_bytes(), "n.json", &ReadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("field \"data.result[0].metric\""),
            "{err}"
        );
        let opts = ReadOptions {
            variable: Some("tcpInSegs".into()),
            ..ReadOptions::default()
        };
        let e = read_export(nameless.as_bytes(), "n.json", &opts).unwrap();
        assert_eq!(e.table.columns, vec!["timestamp", "tcpInSegs"]);
    }

    #[test]
    fn bad_documents() {
        let e = read_export(
            b"{\"status\":\"success\",\n\"data\":",
            "t.json",
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ExportError::Malformed { line: 2, .. }), "{e}");
        let bad = doc(r#"{"metric":{"__name__":"tcpInSegs"},"values":[[1700000000,"x"]]}"#);
        let e = read_export(bad.as_bytes(), "t.json", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("data.result[0].values[0]"), "{e}");
        let dup = doc(
            r#"{"metric":{"__name__":"tcpInSegs"},"values":[[1700000000,"1"]]},{"metric":{"__name__":"tcpInSegs"},"values":[[1700000000,"1"]]}"#,
        );
        let e = read_export(dup.as_bytes(), "t.json", &ReadOptions::default()).unwrap_err();
        assert!(matches!(e, ExportError::DuplicateSeries { .. }), "{e}");
        let err = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        let e = read_export(err.as_bytes(), "t.json", &ReadOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("the query failed: parse error"),
            "{e}"
        );
    }
}
