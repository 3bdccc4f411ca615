//! CSV bytes → a [`Table`]: header resolution (label, numeric and text
//! columns, schema aliases), then the rows, each bad cell reported with the
//! file, the row as a spreadsheet shows it, the column and the value.

use super::{IngestError, Table, TextColumn};
use crate::limits;
use crate::schema;

/// What to read from a CSV file.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Shown in every error message.
    pub file_name: String,
    /// Name of the label column, matched ASCII case-insensitively.
    pub label_column: String,
    /// Fail when the label column is missing or has fewer than two classes.
    pub require_label: bool,
    /// Read only these columns as numbers (matched ASCII case-insensitively);
    /// `None` reads every column but the label.
    pub columns: Option<Vec<String>>,
    /// Keep the other named columns as text ([`Table::text`]), e.g. host
    /// names a scored file passes through.
    pub keep_text: bool,
}

impl IngestOptions {
    /// A labelled training file with the default `class` column.
    pub fn labelled(file_name: &str) -> Self {
        IngestOptions {
            file_name: file_name.to_string(),
            label_column: schema::LABEL_COLUMN.to_string(),
            require_label: true,
            columns: None,
            keep_text: false,
        }
    }
}

/// Guess the delimiter from the first line: the most frequent of `,` `;` tab
/// outside quotes; `,` when none occurs.
pub fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in bytes {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    cands[best]
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes)
}

/// Parse a numeric cell. Accepts surrounding spaces; rejects empty, text, NaN and infinities.
fn parse_cell(raw: &str) -> Result<f64, CellError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CellError::Empty);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(CellError::NotFinite),
        Err(_) => Err(CellError::NotANumber),
    }
}

enum CellError {
    Empty,
    NotANumber,
    NotFinite,
}

/// The bytes without their BOM, the detected delimiter, and a reader.
type Opened<'a> = (&'a [u8], u8, csv::Reader<&'a [u8]>);

/// The checks every CSV read starts with (encoding, size, emptiness), then a
/// reader with the detected delimiter over the bytes without their BOM.
pub(super) fn open<'a>(bytes: &'a [u8], file: &str) -> Result<Opened<'a>, IngestError> {
    let file = file.to_string();
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(IngestError::Utf16 { file });
    }
    if bytes.len() > limits::MAX_FILE_BYTES {
        return Err(IngestError::TooLarge {
            file,
            bytes: bytes.len(),
        });
    }
    let bytes = strip_bom(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IngestError::Empty { file });
    }
    let delimiter = detect_delimiter(bytes);
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    Ok((bytes, delimiter, reader))
}

/// The header resolved: which column is the label, which are read as
/// numbers (under their canonical names) and which pass through as text.
struct Header {
    names: Vec<String>,
    label: Option<usize>,
    numeric: Vec<usize>,
    columns: Vec<String>,
    text: Vec<usize>,
}

fn header(reader: &mut csv::Reader<&[u8]>, opts: &IngestOptions) -> Result<Header, IngestError> {
    let file = || opts.file_name.clone();
    let raw = reader.byte_headers().map_err(|e| IngestError::Csv {
        file: file(),
        row: 1,
        message: e.to_string(),
    })?;
    let names = raw
        .iter()
        .enumerate()
        .map(|(i, h)| {
            std::str::from_utf8(h)
                .map(|s| s.trim().to_string())
                .map_err(|_| IngestError::NotUtf8 {
                    file: file(),
                    row: 1,
                    column: format!("column {}", i + 1),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if names.len() > limits::MAX_COLUMNS {
        return Err(IngestError::TooManyColumns {
            file: file(),
            columns: names.len(),
        });
    }
    let label = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(opts.label_column.trim()));
    if label.is_none() && opts.require_label {
        return Err(IngestError::MissingLabel {
            file: file(),
            wanted: opts.label_column.clone(),
            found: names,
        });
    }
    // Numeric columns: every named column but the label (or those asked
    // for). Columns with an empty header (a trailing delimiter) are skipped.
    let wanted = |n: &str| {
        opts.columns
            .as_ref()
            .is_none_or(|cols| cols.iter().any(|c| c.trim().eq_ignore_ascii_case(n)))
    };
    let (mut numeric, mut columns) = (Vec::new(), Vec::<String>::new());
    for (i, n) in names.iter().enumerate() {
        if Some(i) == label || n.is_empty() || !wanted(n) {
            continue;
        }
        let canon = schema::canonical_name(n);
        if columns.iter().any(|c| c.eq_ignore_ascii_case(&canon)) {
            return Err(IngestError::DuplicateColumn {
                file: file(),
                column: canon,
            });
        }
        columns.push(canon);
        numeric.push(i);
    }
    if columns.is_empty() {
        return Err(IngestError::NoFeatureColumns { file: file() });
    }
    let text = if opts.keep_text {
        (0..names.len())
            .filter(|&i| Some(i) != label && !names[i].is_empty() && !numeric.contains(&i))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Header {
        names,
        label,
        numeric,
        columns,
        text,
    })
}

/// Line numbers (1-based) from byte offsets: the csv crate's own line
/// counter is off by one on CRLF files.
struct Lines<'a> {
    bytes: &'a [u8],
    offset: usize,
    lines: usize,
}

impl Lines<'_> {
    fn of(&mut self, offset: usize) -> usize {
        // On CRLF files the offset can point at the previous line's '\n'.
        let mut end = offset.min(self.bytes.len());
        while end < self.bytes.len() && (self.bytes[end] == b'\r' || self.bytes[end] == b'\n') {
            end += 1;
        }
        if end > self.offset {
            self.lines += self.bytes[self.offset..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.offset = end;
        }
        self.lines + 1
    }
}

/// One cell as UTF-8 text, or the error naming its row and column.
fn utf8<'r>(cell: &'r [u8], file: &str, row: usize, column: &str) -> Result<&'r str, IngestError> {
    std::str::from_utf8(cell).map_err(|_| IngestError::NotUtf8 {
        file: file.to_string(),
        row,
        column: column.to_string(),
    })
}

/// One numeric cell, or the error naming its row, column and value.
fn number(raw: &str, file: &str, row: usize, column: &str) -> Result<f64, IngestError> {
    let (file, column, value) = (file.to_string(), column.to_string(), raw.to_string());
    parse_cell(raw).map_err(|e| match e {
        CellError::Empty => IngestError::EmptyCell { file, row, column },
        CellError::NotANumber => IngestError::NotANumber {
            file,
            row,
            column,
            value,
        },
        CellError::NotFinite => IngestError::NotFinite {
            file,
            row,
            column,
            value,
        },
    })
}

/// Read CSV bytes into a [`Table`].
pub fn read_csv(bytes: &[u8], opts: &IngestOptions) -> Result<Table, IngestError> {
    let file = opts.file_name.clone();
    let (bytes, delimiter, mut reader) = open(bytes, &file)?;
    let h = header(&mut reader, opts)?;
    let mut table = Table {
        file_name: file.clone(),
        delimiter,
        columns: h.columns.clone(),
        values: Vec::new(),
        labels: h.label.map(|_| Vec::new()),
        row_numbers: Vec::new(),
        text: h
            .text
            .iter()
            .map(|&i| TextColumn {
                name: h.names[i].clone(),
                values: Vec::new(),
            })
            .collect(),
    };
    let mut lines = Lines {
        bytes,
        offset: 0,
        lines: 0,
    };
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| IngestError::Csv {
                file: file.clone(),
                row: e
                    .position()
                    .map(|p| lines.of(p.byte() as usize))
                    .unwrap_or(0),
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let row = record
            .position()
            .map(|p| lines.of(p.byte() as usize))
            .unwrap_or(0);
        // A line of only whitespace is not data.
        if record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        add_row(&mut table, &h, &record, row)?;
    }
    if table.row_numbers.is_empty() {
        return Err(IngestError::HeaderOnly { file });
    }
    check_classes(&table, &h, opts)?;
    Ok(table)
}

/// Append one record to the table, checking the limits and every cell.
fn add_row(
    t: &mut Table,
    h: &Header,
    record: &csv::ByteRecord,
    row: usize,
) -> Result<(), IngestError> {
    let file = &t.file_name;
    if t.row_numbers.len() >= limits::MAX_ROWS {
        return Err(IngestError::TooManyRows { file: file.clone() });
    }
    if t.values.len() + h.numeric.len() > limits::MAX_VALUES {
        return Err(IngestError::TooManyValues {
            file: file.clone(),
            rows: t.row_numbers.len(),
        });
    }
    if record.len() != h.names.len() {
        return Err(IngestError::Ragged {
            file: file.clone(),
            row,
            expected: h.names.len(),
            found: record.len(),
        });
    }
    for (col, &i) in h.numeric.iter().enumerate() {
        let raw = utf8(&record[i], file, row, &h.columns[col])?;
        let v = number(raw, file, row, &h.names[i])?;
        t.values.push(v);
    }
    if let (Some(li), Some(labels)) = (h.label, t.labels.as_mut()) {
        let label = utf8(&record[li], file, row, &h.names[li])?.trim();
        if label.is_empty() {
            return Err(IngestError::EmptyLabel {
                file: file.clone(),
                row,
                column: h.names[li].clone(),
            });
        }
        labels.push(label.to_string());
    }
    for (col, &i) in t.text.iter_mut().zip(&h.text) {
        col.values
            .push(utf8(&record[i], file, row, &h.names[i])?.to_string());
    }
    t.row_numbers.push(row);
    Ok(())
}

/// At most [`limits::MAX_CLASSES`] labels; at least two when they are required.
fn check_classes(t: &Table, h: &Header, opts: &IngestOptions) -> Result<(), IngestError> {
    if t.labels.is_none() {
        return Ok(());
    }
    let classes = t.classes();
    if classes.len() > limits::MAX_CLASSES {
        return Err(IngestError::TooManyClasses {
            file: t.file_name.clone(),
            classes: classes.len(),
        });
    }
    if opts.require_label && classes.len() < 2 {
        return Err(IngestError::SingleClass {
            file: t.file_name.clone(),
            column: h.names[h.label.unwrap_or(0)].clone(),
            class: classes.into_iter().next().unwrap_or_default(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::ingest::write_csv;
    use proptest::prelude::*;

    fn tables() -> impl Strategy<Value = Table> {
        (1usize..6, 1usize..30).prop_flat_map(|(cols, rows)| {
            (
                proptest::collection::vec(
                    proptest::num::f64::NORMAL
                        | proptest::num::f64::ZERO
                        | proptest::num::f64::SUBNORMAL,
                    cols * rows,
                ),
                proptest::collection::vec("[a-z][a-z0-9 ,\"-]{0,8}", rows),
                Just(cols),
                Just(rows),
            )
                .prop_map(|(values, mut labels, cols, rows)| {
                    // Two classes at least; labels are trimmed on reading.
                    labels[0] = "first".into();
                    if rows > 1 {
                        labels[rows - 1] = "last".into();
                    }
                    let labels = labels.into_iter().map(|l| l.trim().to_string()).collect();
                    Table {
                        file_name: "p.csv".into(),
                        delimiter: b',',
                        columns: (0..cols).map(|c| format!("col{c}")).collect(),
                        values,
                        labels: Some(labels),
                        row_numbers: (2..rows + 2).collect(),
                        text: Vec::new(),
                    }
                })
        })
    }

    proptest! {
        #[test]
        fn any_table_round_trips_through_csv(t in tables()) {
            prop_assume!(t.classes().len() >= 2);
            let text = write_csv(&t, "class", false);
            let back = read_csv(text.as_bytes(), &IngestOptions::labelled("p.csv")).unwrap();
            prop_assert_eq!(back, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &[u8]) -> Result<Table, IngestError> {
        read_csv(s, &IngestOptions::labelled("t.csv"))
    }

    #[test]
    fn reads_header_quotes_crlf_bom_and_aliases() {
        let data = b"\xEF\xBB\xBFtcp?ActiveOpens,\"ifoutDiscards11\",Class\r\n1,2,normal\r\n3,\"4.5\",\"tcp-syn\"\r\n";
        let t = read(data).unwrap();
        assert_eq!(t.columns, vec!["tcpActiveOpens", "ifOutDiscards11"]);
        assert_eq!(t.values, vec![1.0, 2.0, 3.0, 4.5]);
        assert_eq!(
            t.labels.as_deref().unwrap(),
            &["normal".to_string(), "tcp-syn".to_string()]
        );
        assert_eq!(t.row_numbers, vec![2, 3]);
        assert_eq!(t.delimiter, b',');
        assert_eq!(t.classes(), vec!["normal", "tcp-syn"]);
    }

    #[test]
    fn limits_give_messages() {
        let mut wide = (0..limits::MAX_COLUMNS + 1)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",");
        wide += ",class\n";
        let e = read(wide.as_bytes()).unwrap_err();
        assert!(
            matches!(e, IngestError::TooManyColumns { columns: 1002, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("reads at most 1000"));
        let mut many = String::from("a,class\n");
        for i in 0..=limits::MAX_CLASSES {
            many += &format!("1,k{i}\n");
        }
        let e = read(many.as_bytes()).unwrap_err();
        assert!(
            matches!(e, IngestError::TooManyClasses { classes: 101, .. }),
            "{e}"
        );
        let mut rows = String::with_capacity(8 * limits::MAX_ROWS + 16);
        rows += "a,class\n";
        for i in 0..=limits::MAX_ROWS {
            rows += if i % 2 == 0 { "1,x\n" } else { "2,y\n" };
        }
        let e = read(rows.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            IngestError::TooManyRows {
                file: "t.csv".into()
            }
        );
        // Exactly the limit is accepted.
        let at_limit = &rows[..rows.len() - 4];
        assert_eq!(
            read(at_limit.as_bytes()).unwrap().n_rows(),
            limits::MAX_ROWS
        );
        let huge = vec![b'1'; limits::MAX_FILE_BYTES + 1];
        assert!(matches!(read(&huge), Err(IngestError::TooLarge { .. })));
    }

    #[test]
    fn chosen_columns_skip_text_columns() {
        let opts = IngestOptions {
            columns: Some(vec!["TCPINSEGS".into()]),
            ..IngestOptions::labelled("c.csv")
        };
        let t = read_csv(b"host,tcpInSegs,class\na,1,x\nb,2,y\n", &opts).unwrap();
        assert_eq!(t.columns, vec!["tcpInSegs"]);
        assert_eq!(t.values, vec![1.0, 2.0]);
    }

    #[test]
    fn semicolon_and_tab_delimiters() {
        let t = read(b"a;b;class\n1;2;x\n3;4;y\n").unwrap();
        assert_eq!(t.delimiter, b';');
        assert_eq!(t.values, vec![1.0, 2.0, 3.0, 4.0]);
        let t = read(b"a\tb\tclass\n1\t2\tx\n3\t4\ty\n").unwrap();
        assert_eq!(t.delimiter, b'\t');
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.row(1), &[3.0, 4.0]);
    }

    #[test]
    fn bad_cell_names_row_column_and_value() {
        let e = read(b"a,b,class\n1,2,x\n3,abc,y\n").unwrap_err();
        assert_eq!(
            e,
            IngestError::NotANumber {
                file: "t.csv".into(),
                row: 3,
                column: "b".into(),
                value: "abc".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "t.csv, row 3, column \"b\": \"abc\" is not a number."
        );
    }

    #[test]
    fn each_failure_has_its_own_message() {
        assert!(matches!(read(b""), Err(IngestError::Empty { .. })));
        assert!(matches!(read(b"  \r\n"), Err(IngestError::Empty { .. })));
        assert!(matches!(
            read(b"a,class\n"),
            Err(IngestError::HeaderOnly { .. })
        ));
        let e = read(b"a,b\n1,2\n").unwrap_err();
        assert!(matches!(e, IngestError::MissingLabel { .. }));
        assert!(e.to_string().contains("no label column \"class\""));
        let e = read(b"a,class\n1,x\n2,x\n").unwrap_err();
        assert!(matches!(e, IngestError::SingleClass { .. }));
        assert!(e.to_string().contains("only one class"));
        assert_eq!(
            read(b"a,class\n1,x\nNaN,y\n").unwrap_err(),
            IngestError::NotFinite {
                file: "t.csv".into(),
                row: 3,
                column: "a".into(),
                value: "NaN".into()
            }
        );
        assert!(matches!(
            read(b"a,class\n1,x\ninf,y\n"),
            Err(IngestError::NotFinite { row: 3, .. })
        ));
        assert_eq!(
            read(b"a,b,class\n1,2,x\n1,y\n").unwrap_err(),
            IngestError::Ragged {
                file: "t.csv".into(),
                row: 3,
                expected: 3,
                found: 2
            }
        );
        assert_eq!(
            read(b"a,b,class\n1,,x\n").unwrap_err(),
            IngestError::EmptyCell {
                file: "t.csv".into(),
                row: 2,
                column: "b".into()
            }
        );
        assert!(matches!(
            read(b"a,class\r\n\r\n1,\r\n2,y\r\n"),
            Err(IngestError::EmptyLabel { row: 3, .. })
        ));
        assert!(matches!(
            read(b"a,A,class\n1,2,x\n"),
            Err(IngestError::DuplicateColumn { .. })
        ));
        assert!(matches!(
            read(b"class\nx\ny\n"),
            Err(IngestError::NoFeatureColumns { .. })
        ));
        assert!(matches!(
            read(b"\xFF\xFEa\x00"),
            Err(IngestError::Utf16 { .. })
        ));
        assert!(matches!(
            read(b"a,class\n\xC3\x28,x\n"),
            Err(IngestError::NotUtf8 { row: 2, .. })
        ));
    }

    #[test]
    fn unlabelled_files_are_allowed_when_label_is_optional() {
        let opts = IngestOptions {
            require_label: false,
            ..IngestOptions::labelled("u.csv")
        };
        let t = read_csv(b"a,b\n1,2\n", &opts).unwrap();
        assert!(t.labels.is_none());
        assert_eq!(t.values, vec![1.0, 2.0]);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // A deterministic byte soup built from CSV-significant bytes.
        let alphabet = b",;\t\"\r\n0123456789.-eEabc\xFF\xC3class";
        let mut state: u64 = 0x9E3779B97F4A7C15;
        for len in 0..400 {
            let mut buf = Vec::with_capacity(len);
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                buf.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let _ = read(&buf);
            let mut with_header = b"a,b,class\n".to_vec();
            with_header.extend_from_slice(&buf);
            let _ = read(&with_header);
        }
    }

    #[test]
    fn reads_the_public_dataset() {
        let bytes = include_bytes!("../../../../data/snmp-mib/all_data.csv");
        let t = read_csv(bytes, &IngestOptions::labelled("all_data.csv")).unwrap();
        assert_eq!(t.n_rows(), 4998);
        assert_eq!(t.n_cols(), 34);
        let names: Vec<&str> = schema::MIB_VARS.iter().map(|v| v.name).collect();
        assert_eq!(t.columns, names);
        assert_eq!(t.classes(), schema::DATASET_CLASSES);
    }
}
