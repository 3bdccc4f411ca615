//! An [`EvalReport`] as markdown: one table, a row per detector, false
//! alarms and alarm events per hour on held-out normal traffic beside the
//! detection of every attack class, then how each figure was obtained.

use super::evaluate::{EvalReport, NormalHoldout};

/// A share as a percentage: exact 0 and 100 as such, otherwise one decimal,
/// never rounded to 0% or 100% when it is not.
pub fn percent(rate: f64) -> String {
    if rate <= 0.0 {
        "0%".into()
    } else if rate >= 1.0 {
        "100%".into()
    } else if rate < 0.001 {
        "< 0.1%".into()
    } else if rate > 0.999 {
        format!("{:.2}%", (rate * 100.0).min(99.99))
    } else {
        format!("{:.1}%", rate * 100.0)
    }
}

/// The report as markdown.
pub fn markdown(r: &EvalReport) -> String {
    let mut out = String::new();
    let held = match &r.holdout {
        NormalHoldout::Sessions { folds, sessions } => format!(
            "whole normal sessions held out: {folds}-fold over {sessions} normal sessions; each fold's detectors fitted on the other normal sessions only"
        ),
        NormalHoldout::LastPart { fraction } => format!(
            "one normal session: its last {:.0}% by time held out; detectors fitted on the first {:.0}% only",
            fraction * 100.0,
            (1.0 - fraction) * 100.0
        ),
    };
    out += &format!(
        "Detectors on {}: {} rate rows, {} inputs, {} normal rows; {held}. No attack row is seen by the baselines.\n\n",
        r.file, r.rows, r.inputs, r.normal_rows
    );
    out +=
        "| detector | false alarms (held-out normal rows) | alarm events/h (every alarm poll) | ";
    out += &format!("alarm events/h ({}) |", r.rule.describe());
    for c in &r.attack_classes {
        out += &format!(" {c} |");
    }
    out += "\n|---|---|---|---|";
    out += &"---|".repeat(r.attack_classes.len());
    out += "\n";
    for d in &r.detectors {
        out += &format!(
            "| {} | {} ({} of {}) | {:.1} | {:.1} |",
            d.name,
            percent(d.false_alarm_rate()),
            d.false_alarms,
            d.normal_rows,
            d.events_per_hour(false),
            d.events_per_hour(true)
        );
        for c in &r.attack_classes {
            match d.detection(c) {
                Some(x) if x.rows > 0 => out += &format!(" {} |", percent(x.rate())),
                _ => out += " — |",
            }
        }
        out += "\n";
    }
    out += "\n";
    out += &format!(
        "Alarm thresholds: at most {} false alarms on normal rows held out from each detector's own fitting rows (inside each fold; never the rows above).",
        percent(r.false_alarm_rate)
    );
    let (rows, alarms) = r.calibrations.iter().fold((0, 0), |(a, b), c| {
        (a + c.heldout_rows, b + c.heldout_alarms)
    });
    if rows > 0 {
        out += &format!(
            " Range baseline, inside the folds: {alarms} of {rows} calibration rows ({}) over the threshold.",
            percent(alarms as f64 / rows as f64)
        );
    }
    out += " Detection: attack rows called anomalous, single polls";
    if matches!(r.holdout, NormalHoldout::Sessions { .. }) {
        out += ", pooled over the folds (every attack row is judged by each fold's detector)";
    }
    out += ".";
    if let Some(d) = r.detectors.first() {
        out += &format!(
            " Held-out normal traffic: {:.2} h.",
            d.normal_seconds / 3600.0
        );
    }
    out += "\n";
    for d in &r.detectors {
        if let Some(how) = &d.how {
            out += &format!(
                "\n{}: {how}; an alarm is any attack class predicted.\n",
                d.name
            );
        }
    }
    if !r.examples.is_empty() {
        out += "\nThe range baseline's reasons (first fold; a typical alarm row of each attack class, then held-out normal rows that raised a false alarm):\n\n";
        for x in &r.examples {
            out += &format!(
                "- {} (row {}, score {:.2}): {}\n",
                x.class,
                x.row_number,
                x.score,
                x.reasons.join("; ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_never_round_to_the_ends() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0004), "< 0.1%");
        assert_eq!(percent(0.9996), "99.96%");
        assert_eq!(percent(0.9999999), "99.99%");
        assert_eq!(percent(0.123), "12.3%");
    }
}
