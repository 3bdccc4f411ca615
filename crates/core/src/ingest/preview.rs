//! A first look at a file before choosing what to read: delimiter, row and
//! column counts, each column's type, missing cells and distinct values,
//! and the first rows as text.

use super::IngestError;
use super::csv_read::open;
use crate::limits;

/// One column as seen by [`preview`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// Every non-empty cell parses as a finite number.
    pub numeric: bool,
    /// Empty cells.
    pub missing: usize,
    /// Distinct non-empty values, in order of appearance, up to
    /// [`MAX_DISTINCT`]; candidates for the label column's classes.
    pub distinct: Vec<String>,
}

/// Distinct values [`preview`] keeps per column.
pub const MAX_DISTINCT: usize = 100;

/// A first look at a file, before choosing what to read: delimiter, counts,
/// per-column type and missing cells, and the first rows as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub delimiter: u8,
    pub rows: usize,
    pub columns: Vec<ColumnInfo>,
    pub head: Vec<Vec<String>>,
    /// Rows whose cell count differs from the header's.
    pub ragged_rows: usize,
}

/// Scan a whole file leniently. Fails only when it cannot be a CSV at all
/// (empty, UTF-16, too large, too many columns, not UTF-8 in the header).
pub fn preview(bytes: &[u8], file_name: &str, head_rows: usize) -> Result<Preview, IngestError> {
    let file = file_name.to_string();
    let (_, delimiter, mut reader) = open(bytes, &file)?;
    let header = reader.byte_headers().map_err(|e| IngestError::Csv {
        file: file.clone(),
        row: 1,
        message: e.to_string(),
    })?;
    if header.len() > limits::MAX_COLUMNS {
        return Err(IngestError::TooManyColumns {
            file,
            columns: header.len(),
        });
    }
    let mut columns: Vec<ColumnInfo> = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let name = std::str::from_utf8(h).map_err(|_| IngestError::NotUtf8 {
            file: file.clone(),
            row: 1,
            column: format!("column {}", i + 1),
        })?;
        columns.push(ColumnInfo {
            name: name.trim().to_string(),
            numeric: true,
            missing: 0,
            distinct: Vec::new(),
        });
    }
    let (mut rows, mut ragged_rows, mut head) = (0usize, 0usize, Vec::new());
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        rows += 1;
        if record.len() != columns.len() {
            ragged_rows += 1;
        }
        for (c, info) in columns.iter_mut().enumerate() {
            let cell = record.get(c).unwrap_or(b"");
            let text = String::from_utf8_lossy(cell);
            let t = text.trim();
            if t.is_empty() {
                info.missing += 1;
                continue;
            }
            if info.numeric && !t.parse::<f64>().is_ok_and(f64::is_finite) {
                info.numeric = false;
            }
            if info.distinct.len() < MAX_DISTINCT && !info.distinct.iter().any(|d| d == t) {
                info.distinct.push(t.to_string());
            }
        }
        if head.len() < head_rows {
            head.push(
                record
                    .iter()
                    .map(|c| String::from_utf8_lossy(c).trim().to_string())
                    .collect(),
            );
        }
    }
    Ok(Preview {
        delimiter,
        rows,
        columns,
        head,
        ragged_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_reports_types_missing_cells_and_head() {
        let p = preview(
            b"time;host;tcpInSegs;class\r\n2026-01-01;a;5;x\r\n2026-01-02;b;;y\r\n2026-01-03;c;7;x;extra\r\n",
            "p.csv",
            2,
        )
        .unwrap();
        assert_eq!(p.delimiter, b';');
        assert_eq!(p.rows, 3);
        assert_eq!(p.ragged_rows, 1);
        let kinds: Vec<(&str, bool, usize)> = p
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.numeric, c.missing))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("time", false, 0),
                ("host", false, 0),
                ("tcpInSegs", true, 1),
                ("class", false, 0)
            ]
        );
        assert_eq!(p.columns[3].distinct, vec!["x", "y"]);
        assert_eq!(p.head.len(), 2);
        assert_eq!(p.head[1], vec!["2026-01-02", "b", "", "y"]);
        assert!(matches!(
            preview(b"", "e.csv", 5),
            Err(IngestError::Empty { .. })
        ));
    }
}
