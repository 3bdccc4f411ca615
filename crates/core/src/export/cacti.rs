//! Cacti's graph CSV export (cacti graph_xport.php): a UTF-8 BOM, a block
//! of `"Title","…"`, `"Vertical Label","…"`, `"Start Date"`, `"End Date"`,
//! `"Step"`, `"Total Rows"`, `"Graph ID"`, `"Host ID"` lines (and
//! `"Nth Percentile"`/`"Summation"` lines), a `""` line, then `"Date",
//! "legend"…` and one quoted row per step with the date as the server's
//! local time (read as UTC). Values are per-second averages (rates). The
//! "Interface - Traffic" template's legends `Inbound`/`Outbound` are
//! ifIn/OutOctets; a vertical label in bits (`bits per second`) turns them
//! back into octets. The title `host - Traffic - interface` names both.

use super::clock::parse_date;
use super::names::{Source, resolve_input};
use super::rrd_xport::{legend_rate_series, legend_series};
use super::series::{Clock, LineCounter, Parsed, next_csv_record, number};
use super::{ExportError, Format};
use crate::schema::MIB_VARS;

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::CactiCsv, file, Clock::Timestamps);
    let body = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let (mut title, mut vlabel) = (String::new(), String::new());
    let mut header: Option<Vec<Option<usize>>> = None;
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter::new(body);
    while let Some(line) = next_csv_record(&p, &mut reader, &mut record, &mut lines, 1)? {
        let key = record.get(0).unwrap_or("").trim();
        let Some(ids) = &header else {
            match key {
                "Title" => title = record.get(1).unwrap_or("").to_string(),
                "Vertical Label" => vlabel = record.get(1).unwrap_or("").to_string(),
                "Step" => p.step = record.get(1).and_then(|s| s.trim().parse().ok()),
                "Date" => header = Some(columns(&mut p, &record, &title, &vlabel, line)?),
                _ => {}
            }
            continue;
        };
        if key.is_empty() && record.len() <= 1 {
            continue;
        }
        let time = parse_date(key)
            .ok_or_else(|| p.malformed(line, "Date", format!("\"{key}\" is not a date")))?;
        let ids = ids.clone();
        for (j, id) in ids.iter().enumerate() {
            let Some(id) = *id else { continue };
            let cell = record.get(j + 1).unwrap_or("").trim();
            if cell.is_empty() {
                p.skipped += 1;
            } else {
                p.push_number(id, time, number(cell), cell, line)?;
            }
        }
    }
    if header.is_none() {
        return Err(p.malformed(0, "Date", "no \"Date\" header line after the preamble"));
    }
    Ok(p)
}

/// The series of the `"Date",…` header.
fn columns(
    p: &mut Parsed,
    record: &csv::StringRecord,
    title: &str,
    vlabel: &str,
    line: usize,
) -> Result<Vec<Option<usize>>, ExportError> {
    let bits = vlabel.to_ascii_lowercase().contains("bit");
    let parts: Vec<&str> = title.split(" - ").map(str::trim).collect();
    let traffic = title.to_ascii_lowercase().contains("traffic");
    let (title_host, title_iface) = match parts.len() {
        n if n >= 3 => (parts[0].to_string(), parts[n - 1].to_string()),
        2 => (parts[0].to_string(), String::new()),
        _ => (String::new(), String::new()),
    };
    let mut ids = Vec::new();
    for legend in record.iter().skip(1) {
        let legend = legend.trim();
        let lower = legend.to_ascii_lowercase();
        let found = if traffic && lower.starts_with("inbound") {
            resolve_input("ifInOctets").map(|s| (s, String::new(), String::new()))
        } else if traffic && lower.starts_with("outbound") {
            resolve_input("ifOutOctets").map(|s| (s, String::new(), String::new()))
        } else {
            legend_series(legend)
        };
        let Some((source, host, iface)) = found else {
            p.skip_unknown(legend);
            ids.push(None);
            continue;
        };
        let octets = matches!(source, Source::Var { index, .. }
            if MIB_VARS[index].name.contains("Octets"));
        let host = if host.is_empty() {
            title_host.clone()
        } else {
            host
        };
        let iface = if iface.is_empty() {
            title_iface.clone()
        } else {
            iface
        };
        ids.push(Some(legend_rate_series(
            p,
            (source, host, iface),
            bits && octets,
            legend,
            line,
        )?));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};
    use crate::rates::SeriesKind;

    const GRAPH: &str = "\u{feff}\"Title\",\"router1 - Traffic - eth0\"
\"Vertical Label\",\"bits per second\"
\"Start Date\",\"2023-11-14 22:13:20\"
\"End Date\",\"2023-11-14 22:23:20\"
\"Step\",\"300\"
\"Total Rows\",\"3\"
\"Graph ID\",\"5\"
\"Host ID\",\"2\"
\"Nth Percentile\",\"1234\",\"95th Percentile\"
\"\"
\"Date\",\"Inbound\",\"Outbound\"
\"2023-11-14 22:13:20\",\"800\",\"1600\"
\"2023-11-14 22:18:20\",\"NaN\",\"8\"
\"2023-11-14 22:23:20\",\"2.4e+03\",\"16\"
";

    #[test]
    fn traffic_graph_in_bits_becomes_octet_rates() {
        let e = read_export(GRAPH.as_bytes(), "graph.csv", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::CactiCsv);
        assert_eq!(
            e.table.columns,
            vec!["timestamp", "ifInOctets11", "ifOutOctets11"]
        );
        assert_eq!(e.kinds[1], SeriesKind::Rate);
        assert_eq!(
            e.table.values,
            vec![1.7e9, 100.0, 200.0, 1.7e9 + 600.0, 300.0, 2.0]
        );
        assert_eq!(e.table.text[0].values, vec!["router1", "router1"]);
        assert_eq!(e.table.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(e.table.row_numbers, vec![12, 14]);
        assert_eq!(e.interval, Some(300.0));
        let bad = GRAPH.replace("\"2.4e+03\"", "\"lots\"");
        let err = read_export(bad.as_bytes(), "graph.csv", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "graph.csv, line 14, field \"Inbound\" (Cacti graph CSV): \"lots\" is not a number"
        );
    }
}
