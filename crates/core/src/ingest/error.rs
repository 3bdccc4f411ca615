//! Why a file could not be read: one variant per failure, each naming the
//! file and, where there is one, the row, the column and the value.

use std::fmt;

use crate::limits;

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
