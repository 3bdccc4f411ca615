//! Scoring a whole table with a model: the rows captured as the model's
//! inputs (per-second rates per entity and capture session, by the same
//! [`crate::capture`] step training uses), inputs the file lacks refused or
//! filled, one prediction per row, and a summary. The CLI and the page use
//! this one function, so they give identical outputs for the same file; the
//! scored CSV is written by [`output`].

pub mod output;
pub mod ranges;
pub mod summary;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use output::scored_csv;
pub use summary::{LISTED_ROWS, ListedRow, ScoreSummary, TIMELINE_POINTS};

use crate::capture::{Capture, CaptureError, RateSummary};
use crate::ingest::Table;
use crate::metrics::Evaluation;
use crate::model::{MissingInputs, Model};

/// What to use for a model input the file does not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Fill {
    /// Refuse the file, naming the missing columns.
    Refuse,
    /// The input's training median.
    Median,
    Constant(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreOptions {
    /// How the file's rows were captured (counters or rates, time, sessions).
    pub capture: Capture,
    /// Prefix text cells a spreadsheet would run as formulas with `'`.
    pub escape_formulas: bool,
    pub fill: Fill,
    /// Threads the rows are scored on (native tools; the page scores on
    /// one per worker): the same output whatever the count.
    #[serde(default = "one")]
    pub threads: usize,
}

fn one() -> usize {
    1
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            capture: Capture::rates(),
            escape_formulas: true,
            fill: Fill::Refuse,
            threads: 1,
        }
    }
}

/// One scored row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredRow {
    /// The model's verdict: the baseline's alarm when it has a baseline,
    /// else the classifier's class is an attack.
    pub anomalous: bool,
    /// The classifier's class (none without a classifier).
    pub class: Option<usize>,
    /// The classifier's probability that the row is not normal (0 without).
    pub p_anomalous: f64,
    pub probabilities: Vec<f64>,
    pub unfamiliar: bool,
    /// What the baseline says, when the model has one.
    pub baseline: Option<BaselineCell>,
}

/// The baseline's judgement of one scored row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineCell {
    /// The anomaly score (log10 of the factor beyond the normal band).
    pub score: f64,
    /// This poll alone is outside the normal bands.
    pub alarm: bool,
    /// The poll is in an alarm event ("m of the last n polls" of its session).
    pub event: bool,
    /// The inputs outside their bands, e.g. "tcpCurrEstab above ×77".
    pub deviating: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The rows that were scored (after rate conversion, when asked).
    pub table: Table,
    pub rows: Vec<ScoredRow>,
    /// Rows per predicted class, in the model's class order.
    pub counts: Vec<usize>,
    /// Rows the model calls anomalous.
    pub anomalous: usize,
    pub unfamiliar: usize,
    /// Alarm events of the baseline's rule, over the capture sessions.
    pub alarm_events: usize,
    /// The capture sessions (and entities) as ranges of `rows`: an alarm
    /// event never spans two.
    pub sessions: Vec<std::ops::Range<usize>>,
    pub rates: Option<RateSummary>,
    /// The classifier against the file's own labels, when it has a label
    /// column whose values are all classes of the model.
    pub evaluation: Option<Evaluation>,
    /// The verdict against the file's labels (normal vs the rest), when it
    /// has labels and a row labelled normal.
    pub verdicts: Option<crate::metrics::BinaryMetrics>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScoreError {
    Missing(MissingInputs),
    Capture(CaptureError),
    NoClassifier,
    /// Scored row ranges that do not make up the file.
    Merge(ranges::MergeError),
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreError::Missing(e) => e.fmt(f),
            ScoreError::Capture(e) => e.fmt(f),
            ScoreError::Merge(e) => e.fmt(f),
            ScoreError::NoClassifier => {
                write!(f, "this model has no classifier to score rows with.")
            }
        }
    }
}

impl std::error::Error for ScoreError {}

/// Score every row of `table`.
pub fn score(model: &Model, table: Table, opts: &ScoreOptions) -> Result<Scored, ScoreError> {
    score_with_progress(model, table, opts, &mut |_, _| {})
}

/// Rows scored between two progress reports.
pub const PROGRESS_EVERY: usize = 20_000;

/// [`score`], calling `progress(done, total)` every [`PROGRESS_EVERY`] rows:
/// the file captured once, its rows scored as one range, merged.
pub fn score_with_progress(
    model: &Model,
    table: Table,
    opts: &ScoreOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Scored, ScoreError> {
    let p = ranges::prepare(model, table, opts)?;
    let rows = ranges::score_range(model, &p, 0..p.rows(), opts.threads, progress);
    ranges::merge(model, p, vec![rows])
}

/// Add the model inputs the table lacks, as `fill` says (no change for
/// [`Fill::Refuse`]: scoring then names the missing columns).
/// With [`Fill::Refuse`], inputs the model does not read are still filled
/// with their training median: they change no prediction.
pub(crate) fn fill_missing(model: &Model, table: Table, fill: &Fill) -> Table {
    let missing: Vec<usize> = (0..model.inputs.len())
        .filter(|&i| table.column_index(&model.inputs[i]).is_none())
        .filter(|&i| *fill != Fill::Refuse || !model.uses_input(i))
        .collect();
    if missing.is_empty() {
        return table;
    }
    let w = table.n_cols();
    let extra: Vec<f64> = missing
        .iter()
        .map(|&i| match fill {
            Fill::Constant(c) => *c,
            _ => model.input_stats[i].median,
        })
        .collect();
    let mut values = Vec::with_capacity(table.n_rows() * (w + extra.len()));
    for r in 0..table.n_rows() {
        values.extend_from_slice(table.row(r));
        values.extend_from_slice(&extra);
    }
    let mut columns = table.columns.clone();
    columns.extend(missing.iter().map(|&i| model.inputs[i].clone()));
    Table {
        columns,
        values,
        ..table
    }
}

/// The inputs `model` reads that `columns` lacks (matched like
/// [`Model::input_rows`]); inputs it does not read need not be there.
pub fn missing_inputs(model: &Model, columns: &[String]) -> Vec<String> {
    model
        .inputs
        .iter()
        .enumerate()
        .filter(|&(i, name)| {
            let canon = crate::schema::canonical_name(name);
            model.uses_input(i)
                && !columns
                    .iter()
                    .any(|c| crate::schema::canonical_name(c).eq_ignore_ascii_case(&canon))
        })
        .map(|(_, name)| name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::model::decode;
    use crate::score::output::scored_csv;

    fn default_model() -> Model {
        decode(include_bytes!("../../../../models/default.mwm")).unwrap()
    }

    fn public() -> Table {
        crate::testdata::public_table()
    }

    #[test]
    fn scores_a_block_of_raw_counters_and_evaluates_against_its_labels() {
        let m = default_model();
        let all = public();
        // The tcp-syn block (rows 1232..2192), as a raw counter export.
        let mut block = all.clone();
        let (a, b) = (1232, 2192);
        block.values = all.values[a * 34..b * 34].to_vec();
        block.labels = Some(all.labels.as_ref().unwrap()[a..b].to_vec());
        block.row_numbers = all.row_numbers[a..b].to_vec();
        let s = score(
            &m,
            block.clone(),
            &ScoreOptions {
                capture: Capture::counters_every(15.0),
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        let r = s.rates.as_ref().unwrap();
        assert_eq!(r.rows_in, 960);
        assert_eq!(s.rows.len() as u64, r.rows_out);
        assert_eq!(s.counts.iter().sum::<usize>(), s.rows.len());
        let syn = m.classes.iter().position(|c| c == "tcp-syn").unwrap();
        // The final model was trained on these rows: nearly all come back as tcp-syn.
        assert!(
            s.counts[syn] as f64 > 0.95 * s.rows.len() as f64,
            "{:?}",
            s.counts
        );
        let e = s.evaluation.as_ref().unwrap();
        assert_eq!(e.n_test, s.rows.len());
        assert!(e.accuracy > 0.95);
        assert_eq!(s.unfamiliar, 0);
    }

    #[test]
    fn scored_csv_has_the_promised_columns_and_escapes_formulas() {
        let m = default_model();
        let mut csv = m.inputs.join(",") + ",class\n";
        csv += &(m.examples[2]
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")
            + ",=cmd|' /C calc'!A0\n");
        let t = read_csv(
            csv.as_bytes(),
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled("x.csv")
            },
        )
        .unwrap();
        let s = score(&m, t.clone(), &ScoreOptions::default()).unwrap();
        assert!(s.evaluation.is_none(), "labels that are not model classes");
        let out = scored_csv(&m, &s, "class", true);
        let mut lines = out.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        // The default model has a forest and a baseline of normal traffic.
        assert_eq!(header.len(), 34 + 1 + 3 + m.classes.len() + 4);
        assert_eq!(
            &header[35..38],
            ["predicted_class", "p_anomalous", "unfamiliar"]
        );
        assert_eq!(header[38], "p_normal");
        assert_eq!(
            &header[46..],
            ["anomaly_score", "alarm", "alarm_event", "deviating"]
        );
        let row = lines.next().unwrap();
        assert!(row.contains(",'=cmd|' /C calc'!A0,"), "{row}");
        assert!(row.contains(&format!(",{},", m.classes[2])), "{row}");
        assert!(lines.next().is_none());
    }

    #[test]
    fn missing_inputs_are_refused_or_filled() {
        let m = default_model();
        let t = read_csv(
            b"ifInOctets11,ifOutOctets11\n1000,2000\n",
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled("few.csv")
            },
        )
        .unwrap();
        // The default model reads the 16 interface and IP inputs: 14 missing.
        assert_eq!(missing_inputs(&m, &t.columns).len(), 14);
        let e = score(&m, t.clone(), &ScoreOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("the model needs 14 column(s)"),
            "{e}"
        );
        let s = score(
            &m,
            t.clone(),
            &ScoreOptions {
                fill: Fill::Median,
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.table.n_cols(), 34);
        let j = s.table.column_index("ipInReceives").unwrap();
        assert_eq!(
            s.table.row(0)[j],
            m.input_stats[m.inputs.iter().position(|c| c == "ipInReceives").unwrap()].median
        );
        let s = score(
            &m,
            t.clone(),
            &ScoreOptions {
                fill: Fill::Constant(0.0),
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.table.row(0)[j], 0.0);
        let mut calls = Vec::new();
        score_with_progress(
            &m,
            t.clone(),
            &ScoreOptions {
                fill: Fill::Median,
                ..ScoreOptions::default()
            },
            &mut |d, n| calls.push((d, n)),
        )
        .unwrap();
        assert_eq!(calls, vec![(0, 1)]);
    }

    #[test]
    fn timestamps_give_rates_and_are_kept() {
        let m = default_model();
        let mut csv = String::from("time,") + &m.inputs.join(",") + "\n";
        for (k, t) in [0.0, 10.0, 30.0].iter().enumerate() {
            let mut row = vec![0.0; 34];
            // ifInOctets11, a Counter32, wraps between the first and second poll.
            row[0] = (4_294_967_000.0 + 300.0 * k as f64) % 4_294_967_296.0;
            csv += &format!(
                "{t},{}\n",
                row.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
        let t = read_csv(
            csv.as_bytes(),
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled("c.csv")
            },
        )
        .unwrap();
        let s = score(
            &m,
            t.clone(),
            &ScoreOptions {
                capture: Capture::counters_timed_by("time"),
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rates.as_ref().unwrap().wraps, 1);
        assert_eq!(s.table.columns[0], "time");
        assert_eq!(s.table.row(0)[..2], [10.0, 30.0]);
        assert_eq!(s.table.row(1)[..2], [30.0, 15.0]);
        let e = score(
            &m,
            t.clone(),
            &ScoreOptions {
                capture: Capture::counters_timed_by("when"),
                ..ScoreOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "c.csv: no numeric column \"when\".");
    }

    #[test]
    fn text_columns_pass_through_to_the_scored_file() {
        let m = default_model();
        let mut csv = String::from("host,time,") + &m.inputs.join(",") + ",note\n";
        for (k, host) in ["r1", "r1, core", "=cmd"].iter().enumerate() {
            let row: Vec<String> = (0..34)
                .map(|j| ((k + 1) * (j + 1) * 100).to_string())
                .collect();
            let host = if host.contains(',') {
                format!("\"{host}\"")
            } else {
                host.to_string()
            };
            csv += &format!("{host},{},{},n{k}\n", k * 15, row.join(","));
        }
        let opts = IngestOptions {
            require_label: false,
            keep_text: true,
            columns: Some(
                std::iter::once("time".to_string())
                    .chain(m.inputs.iter().cloned())
                    .collect(),
            ),
            ..IngestOptions::labelled("t.csv")
        };
        let t = read_csv(csv.as_bytes(), &opts).unwrap();
        assert_eq!(t.text.len(), 2);
        assert_eq!(t.text[0].values, vec!["r1", "r1, core", "=cmd"]);
        // Counters → rates drops the first poll; the text follows its rows.
        let s = score(
            &m,
            t,
            &ScoreOptions {
                capture: Capture::counters_timed_by("time"),
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.rows.len(), 2);
        let out = scored_csv(&m, &s, "class", true);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("host,note,time,ifInOctets11,"),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("\"r1, core\",n1,15,"), "{}", lines[1]);
        assert!(lines[2].starts_with("'=cmd,n2,30,"), "{}", lines[2]);
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn a_constant_fills_missing_inputs() {
        let m = default_model();
        let t = read_csv(
            b"ifInOctets11,other\n5,6\n7,8\n",
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled("f.csv")
            },
        )
        .unwrap();
        let s = score(
            &m,
            t,
            &ScoreOptions {
                fill: Fill::Constant(42.5),
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        let j = s.table.column_index("tcpInSegs").unwrap();
        assert_eq!(s.table.row(1)[j], 42.5);
        assert_eq!(
            s.table.row(1)[s.table.column_index("ifInOctets11").unwrap()],
            7.0
        );
        let direct = m.predict(&m.input_rows(&s.table).unwrap()[34..]);
        assert_eq!(s.rows[1].probabilities, direct.probabilities);
    }
}
