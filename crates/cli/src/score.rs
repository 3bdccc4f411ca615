//! `mibwatch score MODEL FILE`: the core's scoring of a whole file, written
//! as the scored CSV, with a summary on stderr.

use std::time::Instant;

use mibwatch_core::model;
use mibwatch_core::score::{self, Fill, ScoreOptions};

use crate::opts::{CAPTURE_OPTIONS, Opts, read};
use crate::print::pct;

pub fn score(args: &[String]) -> Result<(), String> {
    let (Some(mpath), Some(cpath)) = (args.first(), args.get(1)) else {
        return Err("score needs a model file and a CSV file".into());
    };
    let o = Opts { args: &args[2..] };
    let mut known = vec!["--out", "--label", "--no-escape", "--fill", "--threads"];
    known.extend(CAPTURE_OPTIONS);
    o.check_known(&known)?;
    let m = model::decode(&read(mpath)?).map_err(|e| format!("{mpath}: {e}"))?;
    let label = o
        .value("--label")?
        .unwrap_or(mibwatch_core::schema::LABEL_COLUMN);
    // One reader for plain CSV and monitoring exports; text columns (host
    // names, dates) pass through to the output.
    let export = o.read_export(cpath, false)?;
    eprintln!("{cpath}: {}", export.understanding);
    let capture = o.capture_of(&export, None)?;
    let t = export.table;
    let escape = !o.flag("--no-escape");
    let fill = match o.value("--fill")? {
        None => Fill::Refuse,
        Some("median") => Fill::Median,
        Some(v) => Fill::Constant(
            v.parse()
                .map_err(|_| format!("--fill: \"{v}\" is neither \"median\" nor a number"))?,
        ),
    };
    let options = ScoreOptions {
        capture,
        escape_formulas: escape,
        fill,
        threads: o.threads()?,
    };
    let start = Instant::now();
    let scored = score::score(&m, t, &options).map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let text = score::scored_csv(&m, &scored, label, escape);
    match o.value("--out")? {
        Some(out) => std::fs::write(out, &text).map_err(|e| format!("{out}: {e}"))?,
        None => print!("{text}"),
    }
    let n = scored.rows.len();
    eprintln!(
        "scored {n} rows in {:.3} s ({:.0} rows/s)",
        secs,
        n as f64 / secs.max(1e-9)
    );
    if let Some(r) = &scored.rates {
        eprintln!(
            "  counters → rates: {} rows → {} rates; {} wraps, {} resets",
            r.rows_in, r.rows_out, r.wraps, r.resets
        );
    }
    for (c, k) in m.classes.iter().zip(&scored.counts) {
        eprintln!("  {c:<12} {k}");
    }
    if let Some(e) = &scored.evaluation {
        eprintln!(
            "  against the file's labels: accuracy {}  macro-F1 {:.3}  balanced binary {}",
            pct(e.accuracy),
            e.macro_f1,
            pct(e.binary.balanced_accuracy)
        );
    }
    if scored.unfamiliar > 0 {
        eprintln!(
            "warning: {} of {n} rows ({:.1}%) are unlike anything the model was trained on (likely another kind of device or vantage point); its answers for them mean little. Retrain on your own labelled data.",
            scored.unfamiliar,
            100.0 * scored.unfamiliar as f64 / n.max(1) as f64
        );
    }
    Ok(())
}
