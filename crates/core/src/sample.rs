//! One sample (a row of model inputs) to and from text: the URL fragment that
//! makes a shareable link, and a CSV row pasted by the user (with or without
//! its header). Decoding never panics; every error says what to fix.

use std::fmt;

use crate::ingest::detect_delimiter;
use crate::schema;

/// Longest fragment or pasted text accepted (a 34-value sample is ~700 bytes).
pub const MAX_TEXT: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum SampleError {
    TooLong {
        len: usize,
    },
    Empty,
    BadPair {
        part: String,
    },
    BadEscape {
        part: String,
    },
    UnknownFeature {
        name: String,
    },
    Duplicate {
        name: String,
    },
    BadValue {
        name: String,
        value: String,
        why: &'static str,
    },
    CellCount {
        expected: usize,
        found: usize,
    },
    NoKnownColumn,
    NoDataRow,
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SampleError::TooLong { len } => {
                write!(f, "the text is too long ({len} bytes; at most {MAX_TEXT}).")
            }
            SampleError::Empty => write!(f, "there is nothing to read."),
            SampleError::BadPair { part } => {
                write!(f, "\"{}\" is not of the form name=value.", short(part))
            }
            SampleError::BadEscape { part } => {
                write!(f, "\"{}\" has a broken %-escape.", short(part))
            }
            SampleError::UnknownFeature { name } => {
                write!(
                    f,
                    "\"{}\" is not an input of the active model.",
                    short(name)
                )
            }
            SampleError::Duplicate { name } => write!(f, "\"{}\" is given twice.", short(name)),
            SampleError::BadValue { name, value, why } => {
                write!(f, "{}: \"{}\" {why}.", short(name), short(value))
            }
            SampleError::CellCount { expected, found } => write!(
                f,
                "the row has {found} cells; without a header it needs exactly {expected} (one per input, in the model's order), optionally followed by a label."
            ),
            SampleError::NoDataRow => write!(
                f,
                "the text has a non-numeric cell but no row of values under it: paste a row of numbers, or a header line with the row below it."
            ),
            SampleError::NoKnownColumn => write!(
                f,
                "none of the header's columns is an input of the active model."
            ),
        }
    }
}

impl std::error::Error for SampleError {}

impl SampleError {
    /// The message shown next to the field it is about (without the field's name).
    pub fn at_field(&self) -> String {
        match self {
            SampleError::BadValue { value, why, .. } => format!("\"{}\" {why}.", short(value)),
            other => other.to_string(),
        }
    }
}

/// A model input value: a finite number ≥ 0.
pub fn parse_value(name: &str, raw: &str) -> Result<f64, SampleError> {
    let bad = |why| SampleError::BadValue {
        name: name.to_string(),
        value: raw.trim().to_string(),
        why,
    };
    let s = raw.trim();
    if s.is_empty() {
        return Err(bad("is empty"));
    }
    match s.parse::<f64>() {
        Ok(v) if !v.is_finite() => Err(bad("is not a finite number")),
        Ok(v) if v < 0.0 => Err(bad("is negative; rates and gauges cannot be")),
        Ok(v) => Ok(v),
        Err(_) => Err(bad("is not a number")),
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Sample → URL fragment (without `#`): `name=value&…`, values in shortest
/// round-trip form so a link reproduces the exact inputs.
pub fn encode_fragment(features: &[String], values: &[f64]) -> String {
    features
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{}={v}", percent_encode(n)))
        .collect::<Vec<_>>()
        .join("&")
}

fn feature_index(features: &[String], name: &str) -> Option<usize> {
    let canon = schema::canonical_name(name);
    features.iter().position(|f| f.eq_ignore_ascii_case(&canon))
}

/// URL fragment (with or without `#`) → a value for each feature it names
/// (`None` where it names none). Names match case-insensitively and through
/// the schema's aliases.
pub fn decode_fragment(
    fragment: &str,
    features: &[String],
) -> Result<Vec<Option<f64>>, SampleError> {
    let s = fragment.strip_prefix('#').unwrap_or(fragment);
    if s.len() > MAX_TEXT {
        return Err(SampleError::TooLong { len: s.len() });
    }
    if s.trim().is_empty() {
        return Err(SampleError::Empty);
    }
    let mut out = vec![None; features.len()];
    for part in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| SampleError::BadPair {
            part: part.to_string(),
        })?;
        let bad_escape = || SampleError::BadEscape {
            part: part.to_string(),
        };
        let name = percent_decode(k).ok_or_else(bad_escape)?;
        let value = percent_decode(v).ok_or_else(bad_escape)?;
        let j = feature_index(features, &name)
            .ok_or_else(|| SampleError::UnknownFeature { name: name.clone() })?;
        if out[j].is_some() {
            return Err(SampleError::Duplicate { name });
        }
        out[j] = Some(parse_value(&features[j], &value)?);
    }
    Ok(out)
}

/// What a pasted CSV row gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Pasted {
    /// A value for each feature the text supplied.
    pub values: Vec<Option<f64>>,
    /// Header columns that are not model inputs (e.g. `class`), ignored.
    pub ignored: Vec<String>,
}

fn split_cells(line: &str, delimiter: u8) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|c| c.trim().to_string()).collect(),
        _ => line
            .split(delimiter as char)
            .map(|c| c.trim().to_string())
            .collect(),
    }
}

/// A pasted CSV row, with or without its header line. Without a header the
/// cells are the model's inputs in order, optionally followed by a label.
pub fn parse_pasted(text: &str, features: &[String]) -> Result<Pasted, SampleError> {
    if text.len() > MAX_TEXT {
        return Err(SampleError::TooLong { len: text.len() });
    }
    let text = text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let Some(first) = lines.first() else {
        return Err(SampleError::Empty);
    };
    let delimiter = detect_delimiter(first.as_bytes());
    let first_cells = split_cells(first, delimiter);
    // A header has a non-numeric cell; a lone row of values may end in a label.
    let text_cells = |cells: &[String]| cells.iter().any(|c| c.parse::<f64>().is_err());
    let is_header = if lines.len() >= 2 {
        text_cells(&first_cells)
    } else {
        text_cells(&first_cells[..first_cells.len().saturating_sub(1)])
    };
    let mut values = vec![None; features.len()];
    if is_header && lines.len() >= 2 {
        let cells = split_cells(lines[1], delimiter);
        let mut ignored = Vec::new();
        let mut any = false;
        for (k, name) in first_cells.iter().enumerate() {
            match feature_index(features, name) {
                Some(j) => {
                    if values[j].is_some() {
                        return Err(SampleError::Duplicate { name: name.clone() });
                    }
                    let raw = cells.get(k).map(String::as_str).unwrap_or("");
                    values[j] = Some(parse_value(&features[j], raw)?);
                    any = true;
                }
                None => ignored.push(name.clone()),
            }
        }
        if !any {
            return Err(SampleError::NoKnownColumn);
        }
        return Ok(Pasted { values, ignored });
    }
    // No header: the last line holds the values.
    if is_header {
        return Err(SampleError::NoDataRow);
    }
    let cells = split_cells(lines[lines.len() - 1], delimiter);
    let n = features.len();
    let label_tail = cells.len() == n + 1 && cells[n].parse::<f64>().is_err();
    if cells.len() != n && !label_tail {
        return Err(SampleError::CellCount {
            expected: n,
            found: cells.len(),
        });
    }
    for j in 0..n {
        values[j] = Some(parse_value(&features[j], &cells[j])?);
    }
    Ok(Pasted {
        values,
        ignored: Vec::new(),
    })
}

/// Log-scale slider for rates spanning 0 to ~10^7 per second: positions
/// 0..=SLIDER_STEPS map to 0 ..= 10^SLIDER_DECADES − 1.
pub const SLIDER_STEPS: f64 = 1000.0;
pub const SLIDER_DECADES: f64 = 7.0;

/// Slider position → value, rounded to three significant digits (the slider
/// is for exploring; the number field takes exact values).
pub fn slider_to_value(pos: f64) -> f64 {
    let v = 10f64.powf(pos.clamp(0.0, SLIDER_STEPS) / SLIDER_STEPS * SLIDER_DECADES) - 1.0;
    if v < 1.0 {
        (v * 100.0).round() / 100.0
    } else {
        let mag = 10f64.powi(v.log10().floor() as i32 - 2);
        (v / mag).round() * mag
    }
}

/// Value → slider position (clamped to the slider's range).
pub fn value_to_slider(v: f64) -> f64 {
    ((v.max(0.0) + 1.0).log10() / SLIDER_DECADES * SLIDER_STEPS).clamp(0.0, SLIDER_STEPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slider_scale_is_logarithmic_and_invertible() {
        assert_eq!(slider_to_value(0.0), 0.0);
        assert!((slider_to_value(SLIDER_STEPS) - 1e7).abs() / 1e7 < 0.01);
        // Each decade takes the same share of the slider.
        let d = value_to_slider(99.0) - value_to_slider(9.0);
        assert!((d - SLIDER_STEPS / SLIDER_DECADES).abs() < 1e-9);
        for v in [0.0, 3.0, 150.0, 12_345.0, 9_000_000.0] {
            let back = slider_to_value(value_to_slider(v));
            assert!((back - v).abs() <= 0.01 * v.max(1.0), "{v} -> {back}");
        }
        assert_eq!(value_to_slider(1e12), SLIDER_STEPS);
    }

    fn feats() -> Vec<String> {
        vec![
            "ifInOctets11".into(),
            "tcpActiveOpens".into(),
            "my col".into(),
        ]
    }

    #[test]
    fn fragment_round_trips_exact_values() {
        let f = feats();
        let v = [5990421.466666667, 0.0, 1e-7];
        let s = encode_fragment(&f, &v);
        assert_eq!(
            s,
            "ifInOctets11=5990421.466666667&tcpActiveOpens=0&my%20col=0.0000001"
        );
        let back = decode_fragment(&format!("#{s}"), &f).unwrap();
        assert_eq!(back, v.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    }

    #[test]
    fn fragment_partial_aliases_and_errors() {
        let f = feats();
        assert_eq!(
            decode_fragment("TCP%3FACTIVEOPENS=4", &f).unwrap(),
            vec![None, Some(4.0), None]
        );
        assert_eq!(decode_fragment("#", &f), Err(SampleError::Empty));
        assert!(matches!(
            decode_fragment("ifInOctets11", &f),
            Err(SampleError::BadPair { .. })
        ));
        assert!(matches!(
            decode_fragment("nope=1", &f),
            Err(SampleError::UnknownFeature { .. })
        ));
        assert!(matches!(
            decode_fragment("ifInOctets11=1&ifinoctets11=2", &f),
            Err(SampleError::Duplicate { .. })
        ));
        let e = decode_fragment("ifInOctets11=-1", &f).unwrap_err();
        assert_eq!(
            e.at_field(),
            "\"-1\" is negative; rates and gauges cannot be."
        );
        assert_eq!(
            e.to_string(),
            "ifInOctets11: \"-1\" is negative; rates and gauges cannot be."
        );
        assert!(matches!(
            decode_fragment("ifInOctets11=abc", &f),
            Err(SampleError::BadValue { .. })
        ));
        assert!(matches!(
            decode_fragment("ifInOctets11=NaN", &f),
            Err(SampleError::BadValue { .. })
        ));
        assert!(matches!(
            decode_fragment("ifInOctets11=%G1", &f),
            Err(SampleError::BadEscape { .. })
        ));
        assert!(matches!(
            decode_fragment("ifInOctets11=%E2%82", &f),
            Err(SampleError::BadEscape { .. })
        ));
        assert!(matches!(
            decode_fragment(&"a".repeat(MAX_TEXT + 1), &f),
            Err(SampleError::TooLong { .. })
        ));
    }

    #[test]
    fn pasted_rows_with_and_without_header() {
        let f = feats();
        let p = parse_pasted("1,2,3\n", &f).unwrap();
        assert_eq!(p.values, vec![Some(1.0), Some(2.0), Some(3.0)]);
        let p = parse_pasted("1;2;3;tcp-syn", &f).unwrap();
        assert_eq!(p.values, vec![Some(1.0), Some(2.0), Some(3.0)]);
        let p = parse_pasted(
            "\u{feff}class,\"my col\",tcp?ActiveOpens,ifInOctets11\r\nnormal,7,8,9\r\n",
            &f,
        )
        .unwrap();
        assert_eq!(p.values, vec![Some(9.0), Some(8.0), Some(7.0)]);
        assert_eq!(p.ignored, vec!["class"]);
        let p = parse_pasted("tcpActiveOpens\t x\n5\t y", &f).unwrap();
        assert_eq!(p.values, vec![None, Some(5.0), None]);
        assert_eq!(
            parse_pasted("1,2", &f),
            Err(SampleError::CellCount {
                expected: 3,
                found: 2
            })
        );
        assert_eq!(parse_pasted("1,abc,3", &f), Err(SampleError::NoDataRow));
        assert!(matches!(
            parse_pasted("a,b\n1,2", &f),
            Err(SampleError::NoKnownColumn)
        ));
        assert!(matches!(
            parse_pasted("ifInOctets11\n-4", &f),
            Err(SampleError::BadValue { .. })
        ));
        assert_eq!(parse_pasted(" \n \n", &f), Err(SampleError::Empty));
        assert_eq!(
            parse_pasted("ifInOctets11,x", &f),
            Err(SampleError::NoDataRow)
        );
    }
}
