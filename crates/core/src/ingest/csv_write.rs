//! Tables back to CSV text: numbers in their shortest exact form, text cells
//! quoted when needed and, on request, escaped so that a spreadsheet does not
//! run them as formulas.

use super::Table;

/// Write a table as CSV (`,`-delimited, LF line ends, text columns first,
/// then the numeric columns, label column `label` last when the table has
/// labels). Numbers use the shortest form that reads
/// back exactly. With `escape_formulas`, a text cell that a spreadsheet would
/// run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is prefixed
/// with `'`.
pub fn write_csv(table: &Table, label: &str, escape_formulas: bool) -> String {
    use std::fmt::Write;
    let cell = csv_cell;
    let mut out = String::with_capacity(table.values.len() * 8);
    let mut header: Vec<&str> = table.text.iter().map(|t| t.name.as_str()).collect();
    header.extend(table.columns.iter().map(String::as_str));
    if table.labels.is_some() {
        header.push(label);
    }
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(&mut out, h, escape_formulas);
    }
    out.push('\n');
    for r in 0..table.n_rows() {
        let mut first = true;
        for t in &table.text {
            if !first {
                out.push(',');
            }
            first = false;
            cell(&mut out, &t.values[r], escape_formulas);
        }
        for v in table.row(r) {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(out, "{v}");
        }
        if let Some(labels) = &table.labels {
            out.push(',');
            cell(&mut out, &labels[r], escape_formulas);
        }
        out.push('\n');
    }
    out
}

/// Append one text cell to a CSV line: quoted when needed, and with
/// `escape_formulas`, prefixed with `'` when a spreadsheet would run it as a
/// formula (it starts with `=`, `+`, `-`, `@`, tab or CR).
pub fn csv_cell(out: &mut String, text: &str, escape_formulas: bool) {
    let risky = escape_formulas
        && text
            .chars()
            .next()
            .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    let text = if risky {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};

    fn read(s: &[u8]) -> Table {
        read_csv(s, &IngestOptions::labelled("t.csv")).unwrap()
    }

    #[test]
    fn written_csv_reads_back_and_escapes_formulas() {
        let t = read(b"a,\"b c\",class\n1.5,-2,\"x,y\"\n1e300,0,=cmd|' /C calc'!A0\n");
        let text = write_csv(&t, "class", false);
        assert_eq!(read(text.as_bytes()), t);
        let safe = write_csv(&t, "class", true);
        assert!(safe.contains(",'=cmd|' /C calc'!A0\n"), "{safe}");
        assert!(safe.contains("1.5,-2,"), "numbers are not escaped: {safe}");
    }
}
