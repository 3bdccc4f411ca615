//! Which format a file is, from its first bytes and lines (never its name),
//! and its bytes as text: UTF-8 with or without a byte-order mark, or
//! UTF-16 (Grafana's Excel mode writes UTF-16LE with a BOM).

use std::borrow::Cow;

use super::{ExportError, Format};
use crate::schema;

/// How much of the file detection looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// The file as text. Invalid UTF-8 is replaced (plain CSV reports it itself
/// with row and column); the line of the first bad byte is returned too.
pub fn decode<'a>(
    bytes: &'a [u8],
    file: &str,
) -> Result<(Cow<'a, str>, Option<usize>), ExportError> {
    let utf16 = |le: bool| -> Result<String, ExportError> {
        let body = &bytes[2..];
        let units = body
            .chunks(2)
            .map(|c| match c {
                [a, b] if le => Ok(u16::from_le_bytes([*a, *b])),
                [a, b] => Ok(u16::from_be_bytes([*a, *b])),
                _ => Err(()),
            })
            .collect::<Result<Vec<u16>, ()>>()
            .map_err(|_| ExportError::Encoding {
                file: file.to_string(),
                line: 0,
                message: "the file is UTF-16 text but ends in the middle of a character.".into(),
            })?;
        let mut out = String::with_capacity(units.len());
        let mut line = 1;
        for ch in char::decode_utf16(units) {
            match ch {
                Ok(c) => {
                    if c == '\n' {
                        line += 1;
                    }
                    out.push(c);
                }
                Err(_) => {
                    return Err(ExportError::Encoding {
                        file: file.to_string(),
                        line,
                        message: "the UTF-16 text has a broken character (unpaired surrogate)."
                            .into(),
                    });
                }
            }
        }
        Ok(out)
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Ok((Cow::Owned(utf16(true)?), None));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Ok((Cow::Owned(utf16(false)?), None));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok((Cow::Borrowed(s), None)),
        Err(e) => {
            let line = 1 + body[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            Ok((String::from_utf8_lossy(body), Some(line)))
        }
    }
}

fn head(text: &str) -> &str {
    let mut end = text.len().min(SNIFF_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The first non-empty line, shortened, for the "not a format" message.
pub fn start_of(text: &str) -> String {
    let line = head(text)
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let short: String = line
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if line.chars().count() > 40 {
        format!("{short}…")
    } else {
        short
    }
}

fn is_metric_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

/// An snmpwalk/snmpget line: `OID = TYPE: value` (or `= "text"`, `= ""`,
/// `= No Such Object…`).
pub fn is_walk_line(line: &str) -> bool {
    let Some((lhs, _)) = line.split_once(" = ") else {
        return false;
    };
    let lhs = lhs.trim();
    !lhs.is_empty()
        && !lhs.contains(' ')
        && (lhs.contains("::")
            || lhs.starts_with("iso.")
            || lhs.starts_with('.')
            || lhs.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || lhs.contains('.') && is_metric_name(&lhs.replace('.', "_")))
}

fn is_fetch_row(line: &str) -> bool {
    line.trim_start()
        .split_once(": ")
        .is_some_and(|(t, _)| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

/// The header cells of a CSV line (quotes removed).
fn cells(line: &str) -> Vec<String> {
    let d = match crate::ingest::detect_delimiter(line.as_bytes()) {
        b';' => ';',
        b'\t' => '\t',
        _ => ',',
    };
    line.split(d)
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect()
}

/// Recognise the format from the text's first lines.
pub fn detect_format(text: &str) -> Option<Format> {
    let h = head(text).trim_start_matches('\u{feff}').trim_start();
    if h.is_empty() {
        return None;
    }
    let first = h.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.starts_with("sep=") {
        return Some(Format::GrafanaCsv);
    }
    if h.starts_with('{') || h.starts_with('[') {
        if h.contains("\"resultType\"")
            || h.contains("\"status\"") && (h.contains("\"data\"") || h.contains("\"errorType\""))
        {
            return Some(Format::PrometheusJson);
        }
        if h.contains("\"fields\"") || h.contains("\"metrics\"") {
            return Some(Format::TelegrafJson);
        }
        return None;
    }
    if h.starts_with("<?xml") || h.starts_with("<xport") {
        return h.contains("<xport").then_some(Format::RrdXport);
    }
    if first.starts_with("\"Title\",") {
        return Some(Format::CactiCsv);
    }
    if first.starts_with("SNMP table:") {
        return Some(Format::SnmpTable);
    }
    if is_walk_line(first) {
        return Some(Format::SnmpWalk);
    }
    if first.starts_with("# HELP ") || first.starts_with("# TYPE ") || first.starts_with("# EOF") {
        return Some(Format::PrometheusText);
    }
    // rrdtool fetch: a line of data-source names, a blank line, "time: values".
    let mut lines = h.lines().map(|l| l.trim_end_matches('\r'));
    let names_line = lines.next().unwrap_or("");
    if names_line.split_whitespace().all(|t| {
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }) && lines.take(3).any(is_fetch_row)
    {
        return Some(Format::RrdFetch);
    }
    // Grafana's header, or a CSV header naming inputs.
    if first.starts_with("\"Time\"") || first.eq_ignore_ascii_case("Series;Time;Value") {
        return Some(Format::GrafanaCsv);
    }
    let header = cells(first);
    if header.iter().any(|c| schema::lookup(c).is_some()) {
        return Some(Format::PlainCsv);
    }
    // Prometheus sample or influx line protocol: the first non-comment line.
    let data = h
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let (name_part, rest) = split_series(data);
    if let Some(rest) = rest {
        let name = name_part.split(['{', ',']).next().unwrap_or("");
        let value = rest.split_whitespace().next().unwrap_or("");
        if name_part.contains(',') && value.contains('=') || value.contains('=') {
            return Some(Format::TelegrafLine);
        }
        if is_metric_name(name) && super::series::number(value).is_ok() {
            return Some(Format::PrometheusText);
        }
    }
    // CSV.
    if header.iter().any(|c| c.contains('{') && c.contains("=\"")) {
        return Some(Format::GrafanaCsv);
    }
    if header.len() > 1 {
        return Some(Format::PlainCsv);
    }
    None
}

/// Split a Prometheus/influx line at the first space outside `{…}` and
/// quotes (and not escaped): the series part and the rest.
pub fn split_series(line: &str) -> (&str, Option<&str>) {
    let b = line.as_bytes();
    let (mut depth, mut quoted, mut i) = (0i32, false, 0);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' if depth > 0 => quoted = !quoted,
            b'{' if !quoted => depth += 1,
            b'}' if !quoted => depth -= 1,
            b' ' if depth <= 0 && !quoted => return (&line[..i], Some(line[i + 1..].trim_start())),
            _ => {}
        }
        i += 1;
    }
    (line, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> Option<Format> {
        detect_format(s)
    }

    #[test]
    fn recognises_each_format_from_content() {
        use Format::*;
        assert_eq!(
            fmt("# HELP ifHCInOctets x\n# TYPE ifHCInOctets counter\n"),
            Some(PrometheusText)
        );
        assert_eq!(
            fmt("ifHCInOctets{ifIndex=\"2\"} 1.31e+07\n"),
            Some(PrometheusText)
        );
        assert_eq!(fmt("ifHCInOctets 5 1700000000000\n"), Some(PrometheusText));
        assert_eq!(
            fmt("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"),
            Some(PrometheusJson)
        );
        assert_eq!(
            fmt(
                "interface,agent_host=10.0.0.1,ifName=eth0 ifHCInOctets=3852386380i 1575509815000000000\n"
            ),
            Some(TelegrafLine)
        );
        assert_eq!(
            fmt("snmp sysUpTime=5i 1575509815000000000\n"),
            Some(TelegrafLine)
        );
        assert_eq!(
            fmt("{\"fields\":{\"a\":1},\"name\":\"interface\"}\n"),
            Some(TelegrafJson)
        );
        assert_eq!(fmt("{\"metrics\":[]}"), Some(TelegrafJson));
        assert_eq!(
            fmt("IF-MIB::ifInOctets.2 = Counter32: 78650\n"),
            Some(SnmpWalk)
        );
        assert_eq!(
            fmt("iso.3.6.1.2.1.2.2.1.10.2 = Counter32: 1\n"),
            Some(SnmpWalk)
        );
        assert_eq!(
            fmt(".1.3.6.1.2.1.1.3.0 = Timeticks: (4183) 0:00:41.83\n"),
            Some(SnmpWalk)
        );
        assert_eq!(
            fmt("SNMP table: IF-MIB::ifTable\n\nifIndex,ifDescr\n"),
            Some(SnmpTable)
        );
        assert_eq!(
            fmt("                          ds0          ds1\n\n1020611700: 3.4e+00 5.4e+00\n"),
            Some(RrdFetch)
        );
        assert_eq!(fmt("<?xml version=\"1.0\"?>\n<xport>\n"), Some(RrdXport));
        assert_eq!(fmt("\"Title\",\"eth0 - Traffic\"\n"), Some(CactiCsv));
        assert_eq!(fmt("sep=,\r\n\"Time\",\"x\"\r\n"), Some(GrafanaCsv));
        assert_eq!(
            fmt("\"Time\",\"ifHCInOctets{ifIndex=\"\"2\"\"}\"\r\n"),
            Some(GrafanaCsv)
        );
        assert_eq!(
            fmt("ifInOctets11,ifOutOctets11,class\n1,2,x\n"),
            Some(PlainCsv)
        );
        assert_eq!(fmt("a,b,class\n1,2,x\n"), Some(PlainCsv));
        assert_eq!(fmt("hello world\n"), None);
        assert_eq!(fmt("<html><body>"), None);
        assert_eq!(fmt("{\"a\": 1}"), None);
        assert_eq!(fmt(""), None);
    }

    #[test]
    fn decodes_utf16_and_bom() {
        let mut le = vec![0xFF, 0xFE];
        for u in "\u{feff}\"Time\"\t\"a\"\r\n".encode_utf16().skip(1) {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let (t, bad) = decode(&le, "f").unwrap();
        assert_eq!(t, "\"Time\"\t\"a\"\r\n");
        assert_eq!(bad, None);
        assert!(matches!(
            decode(&[0xFF, 0xFE, 0x41], "f"),
            Err(ExportError::Encoding { .. })
        ));
        let e = decode(&[0xFF, 0xFE, 0x0A, 0, 0x00, 0xD8, 0x41, 0], "f").unwrap_err();
        assert!(e.to_string().contains("f, line 2: the UTF-16"), "{e}");
        let (t, bad) = decode(b"\xEF\xBB\xBFa\n\xFF", "f").unwrap();
        assert_eq!(bad, Some(2));
        assert!(t.starts_with("a\n"));
        assert_eq!(start_of("\n\n  hello\tworld\n"), "hello?world");
    }
}
