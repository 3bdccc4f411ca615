//! The scored file: the scored rows' columns (text columns first, then the
//! numbers and the label) followed, when the model has a classifier, by
//! `predicted_class`, `p_anomalous`, `unfamiliar` and one `p_<class>` column
//! per class, and, when it has a baseline of normal traffic, by
//! `anomaly_score`, `alarm` (this poll), `alarm_event` (in an alarm event by
//! the baseline's rule) and `deviating` (the inputs outside their normal
//! bands). Byte for byte the same from the page and the CLI.

use super::Scored;
use crate::ingest::{csv_cell, write_csv};
use crate::model::Model;

/// The scored file (see the module docs for its columns).
pub fn scored_csv(model: &Model, scored: &Scored, label: &str, escape_formulas: bool) -> String {
    use std::fmt::Write;
    let base = write_csv(&scored.table, label, escape_formulas);
    let mut lines = base.lines();
    let mut out = String::with_capacity(base.len() * 2);
    let header = lines.next().unwrap_or("");
    out.push_str(header);
    let classifier = model.classifier.is_some();
    if classifier {
        out.push_str(",predicted_class,p_anomalous,unfamiliar");
        for c in &model.classes {
            out.push(',');
            csv_cell(&mut out, &format!("p_{c}"), escape_formulas);
        }
    }
    if model.baseline.is_some() {
        out.push_str(",anomaly_score,alarm,alarm_event,deviating");
    }
    out.push('\n');
    for (line, r) in lines.zip(&scored.rows) {
        out.push_str(line);
        if let (true, Some(c)) = (classifier, r.class) {
            out.push(',');
            csv_cell(&mut out, &model.classes[c], escape_formulas);
            let _ = write!(out, ",{},{}", r.p_anomalous, r.unfamiliar);
            for p in &r.probabilities {
                let _ = write!(out, ",{p}");
            }
        }
        if let Some(b) = &r.baseline {
            let _ = write!(out, ",{},{},{},", b.score, b.alarm, b.event);
            csv_cell(&mut out, &b.deviating, escape_formulas);
        }
        out.push('\n');
    }
    out
}
