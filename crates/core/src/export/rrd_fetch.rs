//! `rrdtool fetch FILE.rrd AVERAGE` output (rrdtool src/rrd_tool.c): a line
//! of data-source names, a blank line, then `unix_time: v1 v2 …` rows with
//! `nan`/`-nan` for unknown values. RRD stores consolidated per-second
//! averages of each step, so every series is a rate. One RRD is one entity
//! (the file names no host or interface). LibreNMS port files name their
//! data sources INOCTETS, OUTOCTETS…; netstats files use the MIB names.

use super::names::{Known, resolve_name};
use super::series::{Clock, Parsed, Series, number};
use super::{ExportError, Format};
use crate::rates::SeriesKind;

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::RrdFetch, file, Clock::Timestamps);
    let mut ids: Option<Vec<Option<usize>>> = None;
    let mut last_time: Option<f64> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        let Some(cols) = &ids else {
            let mut v = Vec::new();
            for name in line.split_whitespace() {
                v.push(match resolve_name(name) {
                    Some(Known::Input(source)) => Some(p.series_id(
                        Series {
                            host: String::new(),
                            iface: String::new(),
                            iface_alt: Vec::new(),
                            source,
                            kind: SeriesKind::Rate,
                            bits: false,
                            label: name.to_string(),
                        },
                        line_no,
                    )?),
                    _ => {
                        p.skip_unknown(name);
                        None
                    }
                });
            }
            ids = Some(v);
            continue;
        };
        let Some((t, rest)) = line.split_once(':') else {
            return Err(p.malformed(line_no, "time", "a row is not \"time: values\""));
        };
        let time = t
            .trim()
            .parse::<f64>()
            .map_err(|_| p.malformed(line_no, "time", format!("\"{t}\" is not a unix time")))?;
        let values: Vec<&str> = rest.split_whitespace().collect();
        if values.len() != cols.len() {
            return Err(p.malformed(
                line_no,
                "",
                format!("{} values for {} data sources", values.len(), cols.len()),
            ));
        }
        if let Some(prev) = last_time
            && time > prev
            && p.step.is_none()
        {
            p.step = Some(time - prev);
        }
        last_time = Some(time);
        let cols = cols.clone();
        for (j, v) in values.iter().enumerate() {
            let Some(id) = cols[j] else { continue };
            // Some locales print a decimal comma.
            let fixed = if v.contains(',') && !v.contains('.') {
                v.replace(',', ".")
            } else {
                v.to_string()
            };
            p.push_number(id, time, number(&fixed), v, line_no)?;
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    #[test]
    fn librenms_port_data_sources_are_rates() {
        let text = "                 INOCTETS          OUTOCTETS          INERRORS\n\n1700000010: 1.2500000000e+03 2.0000000000e+02 0.0000000000e+00\n1700000020: -nan -nan -nan\n1700000030: 1.5000000000e+03 2,5000000000e+02 0.0000000000e+00\n";
        let e = read_export(text.as_bytes(), "port-2.txt", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::RrdFetch);
        assert_eq!(
            e.table.columns,
            vec!["timestamp", "ifInOctets11", "ifOutOctets11"]
        );
        assert_eq!(
            e.kinds,
            vec![SeriesKind::Gauge, SeriesKind::Rate, SeriesKind::Rate]
        );
        assert_eq!(
            e.table.values,
            vec![
                1_700_000_010.0,
                1250.0,
                200.0,
                1_700_000_030.0,
                1500.0,
                250.0
            ]
        );
        assert_eq!(e.understanding.skipped_values, 2);
        assert_eq!(e.understanding.unknown, 1);
        assert_eq!(e.table.row_numbers, vec![3, 5]);
        let bad = "INOCTETS\n\n1700000010: 1.0 2.0\n";
        let err = read_export(bad.as_bytes(), "b.txt", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "b.txt, line 3, field \"\" (rrdtool fetch output): 2 values for 1 data sources"
        );
    }
}
