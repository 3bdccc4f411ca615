//! The table every reader produces: named numeric columns (row-major, all
//! finite), an optional label per row, each row's number in the file, and
//! text columns passed through as they are.

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

    /// Insert a numeric column at position `at` (one value per row).
    pub fn insert_column(&mut self, at: usize, name: &str, col: &[f64]) {
        let w = self.n_cols();
        let at = at.min(w);
        let mut values = Vec::with_capacity(self.values.len() + col.len());
        for (i, &v) in col.iter().enumerate().take(self.n_rows()) {
            let row = &self.values[i * w..(i + 1) * w];
            values.extend_from_slice(&row[..at]);
            values.push(v);
            values.extend_from_slice(&row[at..]);
        }
        self.values = values;
        self.columns.insert(at, name.to_string());
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

#[cfg(test)]
mod tests {
    use crate::ingest::{IngestOptions, read_csv};

    #[test]
    fn take_column_removes_it() {
        let mut t = read(b"a,b,c,class\n1,2,3,x\n4,5,6,y\n").unwrap();
        assert_eq!(t.take_column("B"), Some(vec![2.0, 5.0]));
        assert_eq!(t.columns, vec!["a", "c"]);
        assert_eq!(t.values, vec![1.0, 3.0, 4.0, 6.0]);
        assert_eq!(t.take_column("nope"), None);
    }

    #[test]
    fn insert_column_puts_it_in_every_row() {
        let mut t = read(b"a,b,class\n1,2,x\n4,5,y\n").unwrap();
        t.insert_column(1, "t", &[10.0, 20.0]);
        assert_eq!(t.columns, vec!["a", "t", "b"]);
        assert_eq!(t.values, vec![1.0, 10.0, 2.0, 4.0, 20.0, 5.0]);
        t.insert_column(9, "end", &[7.0, 8.0]);
        assert_eq!(t.row(1), &[4.0, 20.0, 5.0, 8.0]);
    }

    fn read(s: &[u8]) -> Result<crate::ingest::Table, crate::ingest::IngestError> {
        read_csv(s, &IngestOptions::labelled("t.csv"))
    }
}
