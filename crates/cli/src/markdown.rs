//! The README's tables, as commands print them with `--markdown`: a model's
//! held-out figures and time-ordered confusion matrix, and a transfer's row
//! and confusion matrix. `crates/cli/tests/figures.rs` checks that the README
//! holds exactly what these print.

use mibwatch_core::metrics::Evaluation;
use mibwatch_core::model::Model;
use mibwatch_core::schema;

use crate::print::pct;

/// 1234 → "1,234".
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A confusion matrix (rows: true class, columns: predicted), with each
/// row's recall when `recall`; rows with no test rows are left out when
/// `skip_empty`.
pub fn confusion(classes: &[String], e: &Evaluation, recall: bool, skip_empty: bool) -> String {
    // The schema's class order (the public file's), then any other class.
    let rank = |c: &String| {
        schema::DATASET_CLASSES
            .iter()
            .position(|k| k == c)
            .unwrap_or(usize::MAX)
    };
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by_key(|&i| rank(&classes[i]));
    let mut out = String::from("| true \\ predicted |");
    for &i in &order {
        out += &format!(" {} |", classes[i]);
    }
    if recall {
        out += " recall |";
    }
    out += "\n|---|";
    out += &"---|".repeat(classes.len() + recall as usize);
    out.push('\n');
    for &i in &order {
        let row = &e.confusion[i];
        if skip_empty && row.iter().all(|&v| v == 0) {
            continue;
        }
        out += &format!("| {} |", classes[i]);
        for &j in &order {
            out += &format!(" {} |", row[j]);
        }
        if recall {
            out += &format!(" {} |", pct(e.per_class[i].recall));
        }
        out.push('\n');
    }
    out
}

/// A split's row of the held-out table: test rows, accuracy, macro-F1,
/// normal vs attack accuracy, balanced binary accuracy, false alarms; the
/// split the README leads with has its accuracies and F1 in bold.
fn split_row(label: &str, e: &Evaluation, bold: bool) -> String {
    let b = |cell: String| if bold { format!("**{cell}**") } else { cell };
    format!(
        "| {label} | {} | {} | {} | {} | {} | {} |\n",
        thousands(e.n_test),
        b(pct(e.accuracy)),
        b(format!("{:.3}", e.macro_f1)),
        pct(e.binary.accuracy),
        b(pct(e.binary.balanced_accuracy)),
        pct(e.binary.false_alarm_rate)
    )
}

/// A model's held-out table and its time-ordered confusion matrix.
pub fn model(m: &Model) -> Result<String, String> {
    let r = m
        .report
        .as_ref()
        .ok_or("this model carries no held-out evaluation (it was imported)")?;
    let (t, rnd) = (&r.time_ordered, &r.random);
    let mut out = format!(
        "Held-out figures (`mibwatch train`, seed {}, {}/{} splits):\n\n",
        m.params().map_or(0, |p| p.seed),
        ((1.0 - r.test_fraction) * 100.0).round(),
        (r.test_fraction * 100.0).round()
    );
    out += "| held-out split | rows | accuracy | macro-F1 | normal vs attack accuracy | balanced binary accuracy | false alarms |\n";
    out += "|---|---|---|---|---|---|---|\n";
    out += &split_row(
        &format!(
            "**time-ordered** (last {}% of each capture held out)",
            (r.test_fraction * 100.0).round()
        ),
        t,
        true,
    );
    out += &format!(
        "| trivial baseline (always the majority class / always \"attack\") | {} | {} | – | {} | 50.0% | 100.0% |\n",
        thousands(t.n_test),
        pct(t.majority_accuracy),
        pct(t.binary.always_attack_accuracy)
    );
    out += &split_row("stratified random (leaks the session)", rnd, false);
    match &r.by_session {
        Some(s) => {
            out += &split_row(
                &format!("whole sessions held out ({} sessions)", r.sessions),
                s,
                false,
            )
        }
        None => {
            out += "| whole sessions held out | – | not possible: every class is a single capture session | | | | |\n"
        }
    }
    out += "\nTime-ordered confusion matrix (rows: true class, columns: predicted):\n\n";
    out += &confusion(&m.classes, t, true, false);
    Ok(out)
}
