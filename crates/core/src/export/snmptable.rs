//! net-snmp `snmptable -Cf ,` output (apps/snmptable.c): a `SNMP table:
//! IF-MIB::ifTable` line, a blank line, a header of column names, one row
//! per interface with `?` for a missing cell. `-Ci` adds an `index` column.
//! Several runs may be concatenated; a table seen again starts the next
//! poll (ifTable and ifXTable of one poll join on the index). The output has
//! no clock: rows are poll numbers, the interval must be given.

use super::names::{IfLabel, InterfaceNames, Known, resolve_name};
use super::series::{Clock, Parsed, PollCounter, PolledReading, number};
use super::{ExportError, Format};

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::SnmpTable, file, Clock::Polls);
    let mut cells: Vec<PolledReading> = Vec::new();
    let mut names = InterfaceNames::default();
    let mut polls = PollCounter::default();
    let mut poll = 0usize;
    let mut header: Option<(u8, Vec<String>)> = None;
    let mut row_in_table = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(table) = line.strip_prefix("SNMP table:") {
            poll = polls.poll_of(table.trim().to_string());
            header = None;
            row_in_table = 0;
            continue;
        }
        let Some((delim, cols)) = &header else {
            let d = crate::ingest::detect_delimiter(line.as_bytes());
            if !line.contains(d as char) && resolve_name(line.trim()).is_none() {
                return Err(p.malformed(
                    line_no,
                    line.trim(),
                    "the header has no separator: write the table with snmptable -Cf ,",
                ));
            }
            let cols = line
                .split(d as char)
                .map(|c| c.trim().to_string())
                .collect();
            header = Some((d, cols));
            continue;
        };
        let values: Vec<&str> = line.split(*delim as char).map(str::trim).collect();
        if values.len() != cols.len() {
            return Err(p.malformed(
                line_no,
                "",
                format!("{} cells for {} columns", values.len(), cols.len()),
            ));
        }
        let index = cols
            .iter()
            .position(|c| c.eq_ignore_ascii_case("index") || c == "ifIndex")
            .map_or_else(|| (row_in_table + 1).to_string(), |j| values[j].to_string());
        row_in_table += 1;
        for (col, v) in cols.iter().zip(&values) {
            match resolve_name(col) {
                Some(Known::Label(l)) if l != IfLabel::Index => {
                    if *v != "?" {
                        names.offer(&index, l, v);
                    }
                }
                Some(Known::Label(_)) => {}
                Some(Known::Input(source)) => match number(v) {
                    _ if *v == "?" || v.is_empty() => p.skipped += 1,
                    Ok(Some(value)) => cells.push(PolledReading {
                        poll,
                        instance: index.clone(),
                        source,
                        value,
                        line: line_no,
                        label: col.clone(),
                    }),
                    Ok(None) => p.skipped += 1,
                    Err(()) => {
                        return Err(p.malformed(line_no, col, format!("\"{v}\" is not a number")));
                    }
                },
                None => {
                    if poll == 0 && row_in_table == 1 && !col.eq_ignore_ascii_case("index") {
                        p.skip_unknown(col);
                    }
                }
            }
        }
    }
    p.push_polled(cells, &names)?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    const RUN: &str = "SNMP table: IF-MIB::ifTable

ifIndex,ifDescr,ifInOctets,ifInNUcastPkts,ifOutOctets
1,lo,100,?,100
2,eth0,5000,?,7000

SNMP table: IF-MIB::ifXTable

ifName,ifInMulticastPkts,ifInBroadcastPkts,ifHCInOctets
lo,0,0,100
eth0,2,3,5000
";

    #[test]
    fn tables_join_on_the_index_and_runs_are_polls() {
        let second = RUN
            .replace(",5000", ",9000")
            .replace("eth0,2,3", "eth0,4,3");
        let text = format!("{RUN}\n{second}");
        let opts = ReadOptions {
            interval: Some(10.0),
            ..ReadOptions::default()
        };
        let e = read_export(text.as_bytes(), "t.csv", &opts).unwrap();
        assert_eq!(e.format, Format::SnmpTable);
        assert_eq!(
            e.table.columns,
            vec!["ifInOctets11", "ifOutOctets11", "ifInNUcastPkts11"]
        );
        assert_eq!(
            e.table.values,
            vec![5000.0, 7000.0, 5.0, 9000.0, 7000.0, 7.0]
        );
        assert_eq!(e.table.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(e.interval, Some(10.0));
    }

    #[test]
    fn unaligned_output_is_refused_with_a_hint() {
        let text = "SNMP table: IF-MIB::ifTable\n\n ifIndex ifDescr ifInOctets\n       1      lo        100\n";
        let e = read_export(text.as_bytes(), "t.txt", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("snmptable -Cf ,"), "{e}");
        assert!(e.to_string().contains("line 3"), "{e}");
    }
}
