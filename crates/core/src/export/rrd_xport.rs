//! `rrdtool xport` XML (rrdtool src/rrd_xport.c, doc/rrdxport.pod):
//! `<xport><meta><start/><step/><end/><rows/><columns/><legend><entry>…
//! </entry></legend></meta><data><row><t>time</t><v>value</v>…</row>…`.
//! Values are per-second averages per step: rates. A legend entry names
//! its input with a data-source or MIB name (`INOCTETS`, `ifInOctets`);
//! words before it name the interface (one word) or host and interface.
//! Read by hand: the layout is fixed and tiny, no XML library needed.

use super::names::{Known, Source, resolve_name};
use super::series::{Clock, LineCounter, Parsed, Series, number};
use super::{ExportError, Format};
use crate::rates::SeriesKind;

/// Resolve a legend entry: its input, host and interface.
pub fn legend_series(legend: &str) -> Option<(Source, String, String)> {
    let words: Vec<&str> = legend
        .split(|c: char| c.is_whitespace() || c == ':' || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    let at = words
        .iter()
        .rposition(|w| matches!(resolve_name(w), Some(Known::Input(_))))?;
    let Some(Known::Input(source)) = resolve_name(words[at]) else {
        return None;
    };
    let rest: Vec<&str> = words[..at].to_vec();
    let (host, iface) = match rest.len() {
        0 => (String::new(), String::new()),
        1 if source.is_interface() => (String::new(), rest[0].to_string()),
        1 => (rest[0].to_string(), String::new()),
        _ => (rest[0].to_string(), rest[1..].join(" ")),
    };
    Some((source, host, iface))
}

/// The series of a legend entry: per-second averages (rates) of `source`
/// on `host` and `iface`, in bits when `bits`.
pub fn legend_rate_series(
    p: &mut Parsed,
    (source, host, iface): (Source, String, String),
    bits: bool,
    legend: &str,
    line: usize,
) -> Result<usize, ExportError> {
    p.series_id(
        Series {
            host,
            iface,
            iface_alt: Vec::new(),
            source,
            kind: SeriesKind::Rate,
            bits,
            label: legend.to_string(),
        },
        line,
    )
}

fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of every `<tag>…</tag>` in `s`, with its byte offset.
fn elements<'a>(s: &'a str, tag: &str) -> Vec<(usize, &'a str)> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(a) = s[from..].find(&open) {
        let start = from + a + open.len();
        let Some(b) = s[start..].find(&close) else {
            break;
        };
        out.push((start, &s[start..start + b]));
        from = start + b + close.len();
    }
    out
}

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::RrdXport, file, Clock::Timestamps);
    let mut lines = LineCounter::new(text);
    let meta = elements(text, "meta");
    let Some(&(meta_at, meta)) = meta.first() else {
        return Err(p.malformed(0, "meta", "the <meta> element is missing"));
    };
    let num = |tag: &str| -> Option<f64> {
        elements(meta, tag)
            .first()
            .and_then(|(_, t)| t.trim().parse::<f64>().ok())
    };
    let (start, step) = (num("start"), num("step"));
    p.step = step.filter(|s| *s > 0.0);
    let entries = elements(meta, "entry");
    if entries.is_empty() {
        return Err(p.malformed(lines.line_of(meta_at), "legend", "no <entry> in the legend"));
    }
    let mut ids = Vec::new();
    for (off, e) in &entries {
        let legend = unescape_xml(e.trim());
        let line = lines.line_of(meta_at + off);
        ids.push(match legend_series(&legend) {
            Some(found) => Some(legend_rate_series(
                &mut p,
                found,
                legend.to_ascii_lowercase().contains("bits"),
                &legend,
                line,
            )?),
            None => {
                p.skip_unknown(&legend);
                None
            }
        });
    }
    let Some(&(data_at, data)) = elements(text, "data").first() else {
        return Err(p.malformed(0, "data", "the <data> element is missing"));
    };
    for (k, (off, row)) in elements(data, "row").into_iter().enumerate() {
        let line = lines.line_of(data_at + off);
        let time = match elements(row, "t").first() {
            Some((_, t)) => t
                .trim()
                .parse::<f64>()
                .map_err(|_| p.malformed(line, "t", format!("\"{t}\" is not a unix time")))?,
            None => match (start, step) {
                (Some(s), Some(st)) => s + st * k as f64,
                _ => {
                    return Err(p.malformed(
                        line,
                        "t",
                        "a row has no time and <meta> no start/step",
                    ));
                }
            },
        };
        let values = elements(row, "v");
        if values.len() != ids.len() {
            return Err(p.malformed(
                line,
                "v",
                format!("{} values for {} legend entries", values.len(), ids.len()),
            ));
        }
        for (j, (_, v)) in values.iter().enumerate() {
            let Some(id) = ids[j] else { continue };
            p.push_number(id, time, number(v), v, line)?;
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    #[test]
    fn reads_rows_and_legends() {
        let xml = r#"<?xml version="1.0" encoding="ISO-8859-1"?>

<xport>
  <meta>
    <start>1700000010</start>
    <step>10</step>
    <end>1700000030</end>
    <rows>3</rows>
    <columns>2</columns>
    <legend>
      <entry>sw1 eth0 INOCTETS</entry>
      <entry>sw1 tcpInSegs</entry>
    </legend>
  </meta>
  <data>
    <row><t>1700000010</t><v>1.0000000000e+02</v><v>5.0000000000e+00</v></row>
    <row><t>1700000020</t><v>NaN</v><v>6.0000000000e+00</v></row>
    <row><t>1700000030</t><v>3.0000000000e+02</v><v>7.0000000000e+00</v></row>
  </data>
</xport>
"#;
        let e = read_export(xml.as_bytes(), "x.xml", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::RrdXport);
        assert_eq!(
            e.table.columns,
            vec!["timestamp", "ifInOctets11", "tcpInSegs"]
        );
        assert_eq!(
            e.table.values,
            vec![1.7e9 + 10.0, 100.0, 5.0, 1.7e9 + 30.0, 300.0, 7.0]
        );
        assert_eq!(e.table.text[0].values, vec!["sw1", "sw1"]);
        assert_eq!(e.table.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(e.table.row_numbers, vec![16, 18]);
        assert_eq!(e.interval, Some(10.0));
        let bad = xml.replace("<v>7.0000000000e+00</v>", "");
        let err = read_export(bad.as_bytes(), "x.xml", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.xml, line 18, field \"v\" (rrdtool xport XML): 1 values for 2 legend entries"
        );
    }
}
