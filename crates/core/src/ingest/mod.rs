//! Reading CSV files: bytes → a typed [`Table`] of named numeric columns, an
//! optional label and pass-through text columns; a lenient [`preview`] of a
//! file before choosing what to read; and tables written back as CSV.
//!
//! Accepts a header row, `,` `;` or tab delimiters (detected from the header),
//! quoted fields, CRLF line ends and a UTF-8 byte-order mark. Every bad cell is
//! reported with the file name, the 1-based row as a spreadsheet shows it (the
//! header is row 1), the column name and the offending value. Never panics.

mod csv_read;
mod csv_write;
mod error;
mod preview;
mod table;

pub use csv_read::{IngestOptions, detect_delimiter, read_csv};
pub use csv_write::{csv_cell, write_csv};
pub use error::IngestError;
pub use preview::{ColumnInfo, MAX_DISTINCT, Preview, preview};
pub use table::{Table, TextColumn};
