//! Formatting what the core returns: held-out figures, confusion matrices,
//! a model's report.

use mibwatch_core::metrics::Evaluation;
use mibwatch_core::model::Model;

pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

pub fn eval(name: &str, e: &Evaluation) {
    println!("{name} ({} held-out rows)", e.n_test);
    println!(
        "  multi-class: accuracy {}  macro-F1 {:.3}  (always-majority baseline {})",
        pct(e.accuracy),
        e.macro_f1,
        pct(e.majority_accuracy)
    );
    let b = &e.binary;
    println!(
        "  binary normal vs attack: accuracy {}  balanced accuracy {}  detection {}  false alarms {}  (always-attack baseline {})",
        pct(b.accuracy),
        pct(b.balanced_accuracy),
        pct(b.detection_rate),
        pct(b.false_alarm_rate),
        pct(b.always_attack_accuracy)
    );
}

/// The confusion matrix (rows: true class), leaving out classes with no
/// rows when `skip_empty`.
pub fn confusion(classes: &[String], e: &Evaluation, skip_empty: bool) {
    let w = classes.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
    let w0 = w.max(16);
    print!("  {:>w0$} |", "true \\ predicted");
    for c in classes {
        print!(" {c:>w$}");
    }
    println!(" | recall");
    for (i, row) in e.confusion.iter().enumerate() {
        if skip_empty && row.iter().all(|&v| v == 0) {
            continue;
        }
        print!("  {:>w0$} |", classes[i]);
        for v in row {
            print!(" {v:>w$}");
        }
        println!(" | {}", pct(e.per_class[i].recall));
    }
}

pub fn report(m: &Model) {
    println!("model: {}", m.source);
    println!(
        "  {} inputs → {} features ({}), {} classes; classifier: {}",
        m.inputs.len(),
        m.features.len(),
        m.feature_set.name(),
        m.classes.len(),
        m.classifier
            .as_ref()
            .map_or_else(|| "none".to_string(), |c| c.describe()),
    );
    let Some(r) = &m.report else {
        println!("  no held-out evaluation: the classifier was not trained by mibwatch");
        return;
    };
    println!(
        "  trained on {} rows (seed {})",
        r.rows,
        m.params().map_or(0, |p| p.seed)
    );
    if let Some(s) = &r.rates {
        println!(
            "  counters → per-second rates: {} rows in {} sessions → {} rates; {} wraps, {} resets",
            s.rows_in, s.sessions, s.rows_out, s.wraps, s.resets
        );
    }
    println!();
    eval(
        "Stratified random 70/30 split (leaks the capture session: not a fair figure)",
        &r.random,
    );
    eval(
        "Time-ordered 70/30 split (last 30% of each capture session held out)",
        &r.time_ordered,
    );
    match (&r.by_session, r.session_caveat()) {
        (Some(e), _) => eval(
            &format!(
                "Whole capture sessions held out ({} sessions, grouped k-fold)",
                r.sessions
            ),
            e,
        ),
        (None, Some(note)) => println!("By session: not possible. {note}"),
        _ => {}
    }
    println!(
        "Unfamiliar-traffic guard: flags {} of the time-ordered held-out rows (ranges fitted on the training side).",
        pct(r.guard_heldout_share)
    );
    println!("\nTime-ordered confusion matrix:");
    confusion(&m.classes, &r.time_ordered, false);
    let mut imp: Vec<(f64, &String)> = r.importance.iter().copied().zip(&m.features).collect();
    imp.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("\nTop permutation importances (time-ordered held-out accuracy drop):");
    for (v, f) in imp.iter().take(8) {
        println!("  {f:<20} {:+.1} points", v * 100.0);
    }
}
