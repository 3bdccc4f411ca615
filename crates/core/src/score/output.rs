//! The scored file: the scored rows' columns (text columns first, then the
//! numbers and the label) followed by `predicted_class`, `p_anomalous`,
//! `unfamiliar` and one `p_<class>` column per class. Byte for byte the same
//! from the page and the CLI.

use super::Scored;
use crate::ingest::{csv_cell, write_csv};
use crate::model::Model;

/// The scored file: the scored rows' columns (and label), then
/// `predicted_class`, `p_anomalous`, `unfamiliar` and `p_<class>` per class.
pub fn scored_csv(model: &Model, scored: &Scored, label: &str, escape_formulas: bool) -> String {
    use std::fmt::Write;
    let base = write_csv(&scored.table, label, escape_formulas);
    let mut lines = base.lines();
    let mut out = String::with_capacity(base.len() * 2);
    let header = lines.next().unwrap_or("");
    out.push_str(header);
    out.push_str(",predicted_class,p_anomalous,unfamiliar");
    for c in &model.classes {
        out.push(',');
        csv_cell(&mut out, &format!("p_{c}"), escape_formulas);
    }
    out.push('\n');
    for (line, r) in lines.zip(&scored.rows) {
        out.push_str(line);
        out.push(',');
        csv_cell(&mut out, &model.classes[r.class], escape_formulas);
        let _ = write!(out, ",{},{}", r.p_anomalous, r.unfamiliar);
        for p in &r.probabilities {
            let _ = write!(out, ",{p}");
        }
        out.push('\n');
    }
    out
}
