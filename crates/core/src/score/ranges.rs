//! Scoring a file in row ranges: the file is captured once (rates computed
//! for the whole file, per entity and session), any range of its rows is
//! scored on its own (one worker's share), and the ranges are merged into
//! the one [`Scored`]. Alarm events are marked after the merge, over the
//! capture sessions, so an event that spans a range border is one event:
//! the merged output is the same, byte for byte, whatever the split.

use std::ops::Range;

use super::{BaselineCell, PROGRESS_EVERY, ScoreError, ScoreOptions, Scored, ScoredRow};
use crate::capture::{self, RateSummary};
use crate::ingest::Table;
use crate::metrics;
use crate::model::Model;

/// A file captured for scoring: the rows as the model's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The rows that are scored (after rate conversion and filling).
    pub table: Table,
    /// The model's inputs, row-major.
    inputs: Vec<f64>,
    /// Capture sessions (and entities) as ranges of rows.
    pub sessions: Vec<Range<usize>>,
    pub rates: Option<RateSummary>,
}

impl Prepared {
    /// Rows to score.
    pub fn rows(&self) -> usize {
        self.table.n_rows()
    }

    /// The rows split into `w` contiguous ranges of nearly equal size (none
    /// empty unless there are fewer rows than ranges).
    pub fn shares(&self, w: usize) -> Vec<Range<usize>> {
        let (n, w) = (self.rows(), w.max(1));
        (0..w).map(|i| i * n / w..(i + 1) * n / w).collect()
    }
}

/// Capture the file's rows as the model's inputs (rates for the whole file).
pub fn prepare(model: &Model, table: Table, opts: &ScoreOptions) -> Result<Prepared, ScoreError> {
    if model.classifier.is_none() && model.baseline.is_none() {
        return Err(ScoreError::NoClassifier);
    }
    let captured = capture::capture(&table, &opts.capture).map_err(ScoreError::Capture)?;
    drop(table);
    let mut table = captured.table;
    // Keep the timestamp (first) and the session id (last) of each scored
    // row for the scored file.
    if let (Some(name), Some(times)) = (&opts.capture.time_column, captured.times) {
        table.insert_column(0, name, &times);
    }
    if let (Some(name), Some(ids)) = (&opts.capture.session_column, captured.session_ids) {
        table.insert_column(table.n_cols(), name, &ids);
    }
    let table = super::fill_missing(model, table, &opts.fill);
    let inputs = model.input_rows(&table).map_err(ScoreError::Missing)?;
    Ok(Prepared {
        table,
        inputs,
        sessions: captured.sessions,
        rates: captured.rates,
    })
}

/// Score rows `range` of a prepared file (events not yet marked), calling
/// `progress(done, total)` every [`PROGRESS_EVERY`] rows, counted from the
/// range's start over the whole file.
pub fn score_range(
    model: &Model,
    p: &Prepared,
    range: Range<usize>,
    threads: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<ScoredRow> {
    let n_in = model.inputs.len().max(1);
    let total = p.inputs.len() / n_in;
    let range = range.start.min(total)..range.end.min(total);
    let inputs = &p.inputs[range.start * n_in..range.end * n_in];
    let k = model.classes.len();
    let plan = model.plan();
    let nf = plan.n_features();
    let mut rows = Vec::with_capacity(range.len());
    // Chunk by chunk: features, then the classifier's batch prediction (the
    // same values as predicting row by row, computed tree by tree).
    let mut features = Vec::with_capacity(PROGRESS_EVERY * nf);
    let mut probs = vec![0.0; PROGRESS_EVERY * k];
    let batch = model.classifier.as_ref().map(|c| c.batch());
    for (c, chunk) in inputs.chunks(PROGRESS_EVERY * n_in).enumerate() {
        progress(range.start + c * PROGRESS_EVERY, total);
        features.clear();
        for row in chunk.chunks_exact(n_in) {
            plan.derive_into(row, &mut features);
        }
        let m = chunk.len() / n_in;
        if let Some(b) = &batch {
            b.predict_proba_threads(&features, &mut probs[..m * k], threads);
        }
        for (i, (input, f)) in chunk
            .chunks_exact(n_in)
            .zip(features.chunks_exact(nf))
            .enumerate()
        {
            let pr = &probs[(i * k).min(probs.len())..((i + 1) * k).min(probs.len())];
            let class = batch.is_some().then(|| crate::stats::argmax(pr));
            // The guard speaks for the classifier's training data only.
            let unf = batch.is_some() && model.guard.is_unfamiliar(f);
            let cell = model.baseline.as_ref().map(|b| {
                let s = b.score(input);
                BaselineCell {
                    score: s.score,
                    alarm: s.alarm,
                    event: false,
                    deviating: b.deviating_cell(&s, 3),
                }
            });
            rows.push(ScoredRow {
                anomalous: match (&cell, class) {
                    (Some(b), _) => b.alarm,
                    (None, Some(c)) => model.classes[c] != crate::schema::NORMAL_CLASS,
                    (None, None) => false,
                },
                class,
                p_anomalous: if class.is_some() {
                    model.p_anomalous(pr)
                } else {
                    0.0
                },
                probabilities: pr.to_vec(),
                unfamiliar: unf,
                baseline: cell,
            });
        }
    }
    rows
}

/// Why scored ranges cannot be merged.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeError {
    /// The parts do not hold the file's rows.
    Rows { expected: usize, got: usize },
    /// A part's bytes (from another worker) do not decode.
    Unreadable(String),
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::Rows { expected, got } => write!(
                f,
                "the scored parts hold {got} rows; the file has {expected}."
            ),
            MergeError::Unreadable(e) => {
                write!(f, "a worker's scored rows are unreadable: {e}.")
            }
        }
    }
}

/// A scored range as bytes, to send from one worker to another.
pub fn encode_part(rows: &[ScoredRow]) -> Vec<u8> {
    postcard::to_allocvec(rows).unwrap_or_default()
}

/// A scored range from its bytes; [`merge`] checks the row count.
pub fn decode_part(bytes: &[u8]) -> Result<Vec<ScoredRow>, ScoreError> {
    postcard::from_bytes(bytes)
        .map_err(|e| ScoreError::Merge(MergeError::Unreadable(e.to_string())))
}

/// Merge the scored ranges of a prepared file, in row order (together the
/// whole file): alarm events over the capture sessions, counts, and the
/// evaluation and verdicts against the file's labels.
pub fn merge(model: &Model, p: Prepared, parts: Vec<Vec<ScoredRow>>) -> Result<Scored, ScoreError> {
    let got: usize = parts.iter().map(Vec::len).sum();
    if got != p.rows() {
        return Err(ScoreError::Merge(MergeError::Rows {
            expected: p.rows(),
            got,
        }));
    }
    let mut rows: Vec<ScoredRow> = parts.into_iter().flatten().collect();
    let mut counts = vec![0; model.classes.len()];
    for c in rows.iter().filter_map(|r| r.class) {
        counts[c] += 1;
    }
    let unfamiliar = rows.iter().filter(|r| r.unfamiliar).count();
    let alarm_events = mark_events(model, &mut rows, &p.sessions);
    let table = p.table;
    let has_classifier = model.classifier.is_some();
    let evaluation = table.labels.as_ref().and_then(|labels| {
        let truth: Option<Vec<u32>> = labels
            .iter()
            .map(|l| model.classes.iter().position(|c| c == l).map(|i| i as u32))
            .collect();
        truth.filter(|_| has_classifier).map(|t| {
            let pred: Vec<u32> = rows.iter().map(|r| r.class.unwrap_or(0) as u32).collect();
            metrics::evaluate(&t, &pred, &model.classes)
        })
    });
    let verdicts = table.labels.as_ref().and_then(|labels| {
        let normal = |l: &String| l.eq_ignore_ascii_case(crate::schema::NORMAL_CLASS);
        labels.iter().any(normal).then(|| {
            let truth: Vec<bool> = labels.iter().map(|l| !normal(l)).collect();
            let said: Vec<bool> = rows.iter().map(|r| r.anomalous).collect();
            metrics::binary(&truth, &said)
        })
    });
    Ok(Scored {
        sessions: p.sessions,
        table,
        anomalous: rows.iter().filter(|r| r.anomalous).count(),
        rows,
        counts,
        unfamiliar,
        alarm_events,
        rates: p.rates,
        evaluation,
        verdicts,
    })
}

/// Mark the polls that are in an alarm event (the baseline's rule, within
/// each capture session); the number of events.
fn mark_events(model: &Model, rows: &mut [ScoredRow], sessions: &[Range<usize>]) -> usize {
    let Some(b) = &model.baseline else {
        return 0;
    };
    let alarms: Vec<bool> = rows
        .iter()
        .map(|r| r.baseline.as_ref().is_some_and(|c| c.alarm))
        .collect();
    let mut events = 0;
    for s in sessions {
        let s = s.start.min(rows.len())..s.end.min(rows.len());
        let on = b.rule.in_alarm(&alarms[s.clone()]);
        for (i, &in_event) in on.iter().enumerate() {
            if let Some(c) = rows[s.start + i].baseline.as_mut() {
                c.event = in_event;
            }
            events += (in_event && (i == 0 || !on[i - 1])) as usize;
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::scored_csv;

    #[test]
    fn any_split_merges_to_the_same_scored_file() {
        let (m, e, opts) = crate::testdata::default_model_and_lab();
        let whole = crate::score::score(&m, e.table.clone(), &opts).unwrap();
        let one = scored_csv(&m, &whole, "class", true);
        let p = prepare(&m, e.table, &opts).unwrap();
        // Borders inside alarm events: the lab file is one event per session.
        assert!(whole.alarm_events > 1);
        for w in [2, 3, 7] {
            let parts: Vec<Vec<ScoredRow>> = p
                .shares(w)
                .into_iter()
                .map(|r| score_range(&m, &p, r, 1, &mut |_, _| {}))
                // As a worker sends them: bytes.
                .map(|rows| decode_part(&encode_part(&rows)).unwrap())
                .collect();
            let merged = merge(&m, p.clone(), parts).unwrap();
            assert_eq!(merged.alarm_events, whole.alarm_events, "w = {w}");
            assert_eq!(merged, whole, "w = {w}");
            assert_eq!(scored_csv(&m, &merged, "class", true), one, "w = {w}");
        }
        let shares = p.shares(3);
        assert_eq!(shares.first().unwrap().start, 0);
        assert_eq!(shares.last().unwrap().end, p.rows());
        assert!(shares.windows(2).all(|s| s[0].end == s[1].start));
        let short = vec![score_range(&m, &p, 0..10, 1, &mut |_, _| {})];
        let err = merge(&m, p.clone(), short).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("the scored parts hold 10 rows; the file has {}.", p.rows())
        );
        let err = decode_part(&[0xFF; 3]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("a worker's scored rows are unreadable")
        );
    }
}
