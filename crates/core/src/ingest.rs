//! CSV bytes → a typed table of named numeric columns plus an optional label.
//!
//! Accepts a header row, `,` `;` or tab delimiters (detected from the header),
//! quoted fields, CRLF line ends and a UTF-8 byte-order mark. Every bad cell is
//! reported with the file name, the 1-based row as a spreadsheet shows it (the
//! header is row 1), the column name and the offending value. Never panics.

use std::fmt;

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

/// A column kept as text: one value per table row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextColumn {
    pub name: String,
    pub values: Vec<String>,
}

/// A parsed file: numeric feature columns (row-major) and an optional label per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub file_name: String,
    pub delimiter: u8,
    /// Column names, canonicalised through the schema's aliases (`tcp?ActiveOpens` →
    /// `tcpActiveOpens`); other names are kept as written, trimmed.
    pub columns: Vec<String>,
    /// Row-major values, `n_rows() * columns.len()` long; all finite.
    pub values: Vec<f64>,
    /// Label of each row, when the file has the label column.
    pub labels: Option<Vec<String>>,
    /// Spreadsheet row number (header = 1) of each data row, for messages.
    pub row_numbers: Vec<usize>,
    /// Text columns kept as they are ([`IngestOptions::keep_text`]).
    pub text: Vec<TextColumn>,
}

impl Table {
    pub fn n_rows(&self) -> usize {
        self.row_numbers.len()
    }

    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    pub fn row(&self, i: usize) -> &[f64] {
        let w = self.columns.len();
        &self.values[i * w..(i + 1) * w]
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name.trim()))
    }

    /// Remove a column (matched case-insensitively) and return its values.
    pub fn take_column(&mut self, name: &str) -> Option<Vec<f64>> {
        let j = self.column_index(name)?;
        let w = self.n_cols();
        let col: Vec<f64> = (0..self.n_rows()).map(|i| self.values[i * w + j]).collect();
        let mut k = 0;
        self.values.retain(|_| {
            let keep = k % w != j;
            k += 1;
            keep
        });
        self.columns.remove(j);
        Some(col)
    }

    /// Distinct labels in order of first appearance.
    pub fn classes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Some(labels) = &self.labels {
            for l in labels {
                if !out.contains(l) {
                    out.push(l.clone());
                }
            }
        }
        out
    }
}

/// Why a file could not be read. `Display` is the sentence the user reads.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestError {
    Empty {
        file: String,
    },
    Utf16 {
        file: String,
    },
    NotUtf8 {
        file: String,
        row: usize,
        column: String,
    },
    HeaderOnly {
        file: String,
    },
    DuplicateColumn {
        file: String,
        column: String,
    },
    MissingLabel {
        file: String,
        wanted: String,
        found: Vec<String>,
    },
    NoFeatureColumns {
        file: String,
    },
    Ragged {
        file: String,
        row: usize,
        expected: usize,
        found: usize,
    },
    EmptyCell {
        file: String,
        row: usize,
        column: String,
    },
    NotANumber {
        file: String,
        row: usize,
        column: String,
        value: String,
    },
    NotFinite {
        file: String,
        row: usize,
        column: String,
        value: String,
    },
    EmptyLabel {
        file: String,
        row: usize,
        column: String,
    },
    SingleClass {
        file: String,
        column: String,
        class: String,
    },
    Csv {
        file: String,
        row: usize,
        message: String,
    },
    TooLarge {
        file: String,
        bytes: usize,
    },
    TooManyColumns {
        file: String,
        columns: usize,
    },
    TooManyRows {
        file: String,
    },
    TooManyValues {
        file: String,
        rows: usize,
    },
    TooManyClasses {
        file: String,
        classes: usize,
    },
}

fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use IngestError::*;
        match self {
            Empty { file } => write!(f, "{file}: the file is empty."),
            Utf16 { file } => write!(
                f,
                "{file}: the file is UTF-16 text; save it as UTF-8 CSV and try again."
            ),
            NotUtf8 { file, row, column } => write!(
                f,
                "{file}, row {row}, column \"{column}\": the bytes are not UTF-8 text (is this a CSV file?)."
            ),
            HeaderOnly { file } => write!(f, "{file}: the file has a header row but no data rows."),
            DuplicateColumn { file, column } => write!(
                f,
                "{file}: the column \"{column}\" appears more than once in the header."
            ),
            MissingLabel {
                file,
                wanted,
                found,
            } => {
                let shown: Vec<String> = found.iter().take(8).map(|c| shorten(c)).collect();
                write!(
                    f,
                    "{file}: no label column \"{wanted}\" in the header (columns: {}{}).",
                    shown.join(", "),
                    if found.len() > 8 { ", …" } else { "" }
                )
            }
            NoFeatureColumns { file } => {
                write!(f, "{file}: the file has no numeric feature column.")
            }
            Ragged {
                file,
                row,
                expected,
                found,
            } => write!(
                f,
                "{file}, row {row}: expected {expected} cells like the header, found {found}."
            ),
            EmptyCell { file, row, column } => {
                write!(
                    f,
                    "{file}, row {row}, column \"{column}\": the cell is empty."
                )
            }
            NotANumber {
                file,
                row,
                column,
                value,
            } => write!(
                f,
                "{file}, row {row}, column \"{column}\": \"{}\" is not a number.",
                shorten(value)
            ),
            NotFinite {
                file,
                row,
                column,
                value,
            } => write!(
                f,
                "{file}, row {row}, column \"{column}\": \"{}\" is not a finite number.",
                shorten(value)
            ),
            EmptyLabel { file, row, column } => write!(
                f,
                "{file}, row {row}, column \"{column}\": the label is empty."
            ),
            SingleClass {
                file,
                column,
                class,
            } => write!(
                f,
                "{file}: the label column \"{column}\" has only one class (\"{}\"); training needs at least two.",
                shorten(class)
            ),
            Csv { file, row, message } => write!(f, "{file}, row {row}: {message}"),
            TooLarge { file, bytes } => write!(
                f,
                "{file}: the file is {:.0} MB; mibwatch reads files up to {} MB in the browser.",
                *bytes as f64 / 1e6,
                limits::MAX_FILE_BYTES / 1_000_000
            ),
            TooManyColumns { file, columns } => write!(
                f,
                "{file}: the header has {columns} columns; mibwatch reads at most {}.",
                limits::MAX_COLUMNS
            ),
            TooManyRows { file } => write!(
                f,
                "{file}: the file has more than {} data rows, the most mibwatch reads at once; split it.",
                limits::MAX_ROWS
            ),
            TooManyValues { file, rows } => write!(
                f,
                "{file}: {rows} rows of this many columns exceed the {} values mibwatch holds at once; drop columns or split the file.",
                limits::MAX_VALUES
            ),
            TooManyClasses { file, classes } => write!(
                f,
                "{file}: the label column has {classes} distinct values; mibwatch trains on at most {} classes (is it really the label?).",
                limits::MAX_CLASSES
            ),
        }
    }
}

impl std::error::Error for IngestError {}

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
fn open<'a>(bytes: &'a [u8], file: &str) -> Result<Opened<'a>, IngestError> {
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

/// Read CSV bytes into a [`Table`].
pub fn read_csv(bytes: &[u8], opts: &IngestOptions) -> Result<Table, IngestError> {
    let file = opts.file_name.clone();
    let (bytes, delimiter, mut reader) = open(bytes, &file)?;

    let header = reader.byte_headers().map_err(|e| IngestError::Csv {
        file: file.clone(),
        row: 1,
        message: e.to_string(),
    })?;
    let mut names = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        match std::str::from_utf8(h) {
            Ok(s) => names.push(s.trim().to_string()),
            Err(_) => {
                return Err(IngestError::NotUtf8 {
                    file,
                    row: 1,
                    column: format!("column {}", i + 1),
                });
            }
        }
    }
    let n_cells = names.len();
    if n_cells > limits::MAX_COLUMNS {
        return Err(IngestError::TooManyColumns {
            file,
            columns: n_cells,
        });
    }

    let label_idx = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(opts.label_column.trim()));
    if label_idx.is_none() && opts.require_label {
        return Err(IngestError::MissingLabel {
            file,
            wanted: opts.label_column.clone(),
            found: names,
        });
    }

    // Feature columns: every named column but the label. Columns with an empty
    // header (a trailing delimiter) are skipped.
    let mut feat_idx = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let wanted = |n: &str| {
        opts.columns
            .as_ref()
            .is_none_or(|cols| cols.iter().any(|c| c.trim().eq_ignore_ascii_case(n)))
    };
    for (i, n) in names.iter().enumerate() {
        if Some(i) == label_idx || n.is_empty() || !wanted(n) {
            continue;
        }
        let canon = schema::canonical_name(n);
        if columns.iter().any(|c| c.eq_ignore_ascii_case(&canon)) {
            return Err(IngestError::DuplicateColumn {
                file,
                column: canon,
            });
        }
        columns.push(canon);
        feat_idx.push(i);
    }
    if columns.is_empty() {
        return Err(IngestError::NoFeatureColumns { file });
    }
    let text_idx: Vec<usize> = if opts.keep_text {
        (0..n_cells)
            .filter(|&i| Some(i) != label_idx && !names[i].is_empty() && !feat_idx.contains(&i))
            .collect()
    } else {
        Vec::new()
    };
    let mut text: Vec<TextColumn> = text_idx
        .iter()
        .map(|&i| TextColumn {
            name: names[i].clone(),
            values: Vec::new(),
        })
        .collect();

    let mut values = Vec::new();
    let mut labels = label_idx.map(|_| Vec::new());
    let mut row_numbers = Vec::new();
    let mut record = csv::ByteRecord::new();
    // Row numbers are line numbers (1-based) counted from the record's byte
    // offset: the csv crate's own line counter is off by one on CRLF files.
    let (mut seen_offset, mut seen_lines) = (0usize, 0usize);
    let mut line_of = |offset: usize| {
        // On CRLF files the offset can point at the previous line's '\n'.
        let mut end = offset.min(bytes.len());
        while end < bytes.len() && (bytes[end] == b'\r' || bytes[end] == b'\n') {
            end += 1;
        }
        if end > seen_offset {
            seen_lines += bytes[seen_offset..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            seen_offset = end;
        }
        seen_lines + 1
    };
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| IngestError::Csv {
                file: file.clone(),
                row: e
                    .position()
                    .map(|p| line_of(p.byte() as usize))
                    .unwrap_or(0),
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let row = record
            .position()
            .map(|p| line_of(p.byte() as usize))
            .unwrap_or(0);
        // A line of only spaces/delimiters-free whitespace is not data.
        if record.len() == 1 && record[0].iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if row_numbers.len() >= limits::MAX_ROWS {
            return Err(IngestError::TooManyRows { file });
        }
        if values.len() + feat_idx.len() > limits::MAX_VALUES {
            return Err(IngestError::TooManyValues {
                file,
                rows: row_numbers.len(),
            });
        }
        if record.len() != n_cells {
            return Err(IngestError::Ragged {
                file,
                row,
                expected: n_cells,
                found: record.len(),
            });
        }
        for (col, &i) in feat_idx.iter().enumerate() {
            let raw = std::str::from_utf8(&record[i]).map_err(|_| IngestError::NotUtf8 {
                file: file.clone(),
                row,
                column: columns[col].clone(),
            })?;
            match parse_cell(raw) {
                Ok(v) => values.push(v),
                Err(e) => {
                    let (file, column, value) = (file.clone(), names[i].clone(), raw.to_string());
                    return Err(match e {
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
                    });
                }
            }
        }
        if let (Some(li), Some(labels)) = (label_idx, labels.as_mut()) {
            let raw = std::str::from_utf8(&record[li]).map_err(|_| IngestError::NotUtf8 {
                file: file.clone(),
                row,
                column: names[li].clone(),
            })?;
            let label = raw.trim();
            if label.is_empty() {
                return Err(IngestError::EmptyLabel {
                    file,
                    row,
                    column: names[li].clone(),
                });
            }
            labels.push(label.to_string());
        }
        for (t, &i) in text.iter_mut().zip(&text_idx) {
            let raw = std::str::from_utf8(&record[i]).map_err(|_| IngestError::NotUtf8 {
                file: file.clone(),
                row,
                column: names[i].clone(),
            })?;
            t.values.push(raw.to_string());
        }
        row_numbers.push(row);
    }
    if row_numbers.is_empty() {
        return Err(IngestError::HeaderOnly { file });
    }
    let table = Table {
        file_name: file,
        delimiter,
        columns,
        values,
        labels,
        row_numbers,
        text,
    };
    if table.labels.is_some() {
        let classes = table.classes();
        if classes.len() > limits::MAX_CLASSES {
            return Err(IngestError::TooManyClasses {
                file: table.file_name,
                classes: classes.len(),
            });
        }
    }
    if opts.require_label {
        let classes = table.classes();
        if classes.len() < 2 {
            return Err(IngestError::SingleClass {
                file: table.file_name,
                column: names[label_idx.unwrap_or(0)].clone(),
                class: classes.into_iter().next().unwrap_or_default(),
            });
        }
    }
    Ok(table)
}

#[cfg(test)]
mod properties {
    use super::*;
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
    fn written_csv_reads_back_and_escapes_formulas() {
        let t = read(b"a,\"b c\",class\n1.5,-2,\"x,y\"\n1e300,0,=cmd|' /C calc'!A0\n").unwrap();
        let text = write_csv(&t, "class", false);
        assert_eq!(read(text.as_bytes()).unwrap(), t);
        let safe = write_csv(&t, "class", true);
        assert!(safe.contains(",'=cmd|' /C calc'!A0\n"), "{safe}");
        assert!(safe.contains("1.5,-2,"), "numbers are not escaped: {safe}");
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
    fn take_column_removes_it() {
        let mut t = read(b"a,b,c,class\n1,2,3,x\n4,5,6,y\n").unwrap();
        assert_eq!(t.take_column("B"), Some(vec![2.0, 5.0]));
        assert_eq!(t.columns, vec!["a", "c"]);
        assert_eq!(t.values, vec![1.0, 3.0, 4.0, 6.0]);
        assert_eq!(t.take_column("nope"), None);
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
        let bytes = include_bytes!("../../../data/snmp-mib/all_data.csv");
        let t = read_csv(bytes, &IngestOptions::labelled("all_data.csv")).unwrap();
        assert_eq!(t.n_rows(), 4998);
        assert_eq!(t.n_cols(), 34);
        let names: Vec<&str> = schema::MIB_VARS.iter().map(|v| v.name).collect();
        assert_eq!(t.columns, names);
        assert_eq!(t.classes(), schema::DATASET_CLASSES);
    }
}
