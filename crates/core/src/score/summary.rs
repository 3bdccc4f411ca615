//! The page's view of a scored file: counts, a timeline of the anomaly
//! probability, and a list of rows with their top reasons.

use serde::{Deserialize, Serialize};

use super::Scored;
use crate::model::Model;

/// Points in a scored file's timeline (the most anomalous row of each bucket).
pub const TIMELINE_POINTS: usize = 800;
/// Rows listed in the results table: the first ones of the file, the first
/// ones of each predicted class and the first anomalous ones (so that
/// filtering shows rows even when they come late in the file).
pub const LISTED_ROWS: usize = 200;

/// One listed row of a scored file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedRow {
    /// Spreadsheet row of the (later) poll in the file.
    pub row: usize,
    /// The model's verdict.
    pub anomalous: bool,
    /// The classifier's class (none without a classifier).
    pub class: Option<usize>,
    pub p_anomalous: f64,
    pub unfamiliar: bool,
    /// Top features behind the classifier's prediction: name and Δ probability.
    pub reasons: Vec<(String, f64)>,
    /// The baseline's anomaly score and its reasons in words.
    pub anomaly_score: Option<f64>,
    pub deviating: Vec<String>,
}

/// The page's view of a scored file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreSummary {
    pub rows: usize,
    pub classes: Vec<String>,
    pub counts: Vec<usize>,
    pub unfamiliar: usize,
    pub wraps: Option<usize>,
    pub resets: Option<usize>,
    pub evaluation: Option<crate::metrics::Evaluation>,
    /// Reading the CSV (decode, parse).
    pub read_ms: f64,
    /// Scoring: rates, features, forest, guard.
    pub score_ms: f64,
    /// (first row index of the bucket, highest p_anomalous in it).
    pub timeline: Vec<(usize, f64)>,
    pub listed: Vec<ListedRow>,
    /// Rows the model calls anomalous.
    pub anomalous: usize,
    /// Whether the model has a baseline of normal traffic.
    pub baseline: bool,
    /// (first row index of the bucket, highest anomaly score in it).
    pub score_timeline: Vec<(usize, f64)>,
    /// Alarm events as row ranges (start, end), in row order.
    pub events: Vec<(usize, usize)>,
    /// The verdicts against the file's labels (normal vs the rest).
    pub verdicts: Option<crate::metrics::BinaryMetrics>,
}

impl ScoreSummary {
    pub fn of(model: &Model, scored: &Scored, read_ms: f64, score_ms: f64) -> Self {
        let n = scored.rows.len();
        let bucket = n.div_ceil(TIMELINE_POINTS).max(1);
        let timeline = scored
            .rows
            .chunks(bucket)
            .enumerate()
            .map(|(b, c)| {
                let max = c.iter().map(|r| r.p_anomalous).fold(0.0, f64::max);
                (b * bucket, max)
            })
            .collect();
        let score_timeline = scored
            .rows
            .chunks(bucket)
            .enumerate()
            .map(|(b, c)| {
                let max = c
                    .iter()
                    .filter_map(|r| r.baseline.as_ref().map(|b| b.score))
                    .fold(0.0, f64::max);
                (b * bucket, max)
            })
            .collect();
        let mut events = Vec::new();
        let mut start = None;
        for (i, r) in scored.rows.iter().enumerate() {
            let on = r.baseline.as_ref().is_some_and(|b| b.event);
            match (on, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    events.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            events.push((s, n));
        }
        // The first rows, the first rows of each class, and the first
        // anomalous ones.
        let mut per_class = vec![0usize; model.classes.len() + 1];
        let mut anomalous = 0;
        let picked: Vec<usize> = (0..n)
            .filter(|&i| {
                let r = &scored.rows[i];
                let c = r.class.unwrap_or(model.classes.len());
                let alarm = r.anomalous && anomalous < LISTED_ROWS;
                let take = i < LISTED_ROWS || per_class[c] < LISTED_ROWS || alarm;
                per_class[c] += take as usize;
                anomalous += (take && r.anomalous) as usize;
                take
            })
            .collect();
        let cols: Option<Vec<usize>> = model
            .inputs
            .iter()
            .map(|name| scored.table.column_index(name))
            .collect();
        let listed = picked
            .into_iter()
            .map(|i| {
                let r = &scored.rows[i];
                let reasons = cols
                    .as_ref()
                    .map(|cols| {
                        let row = scored.table.row(i);
                        let inputs: Vec<f64> = cols.iter().map(|&j| row[j]).collect();
                        crate::explain::contributions(model, &model.derive(&inputs))
                            .into_iter()
                            .take(3)
                            .map(|c| (model.features[c.feature].clone(), c.delta))
                            .collect()
                    })
                    .unwrap_or_default();
                let deviating = match (&model.baseline, &cols) {
                    (Some(b), Some(cols)) if r.baseline.as_ref().is_some_and(|c| c.alarm) => {
                        let row = scored.table.row(i);
                        let inputs: Vec<f64> = cols.iter().map(|&j| row[j]).collect();
                        b.reasons(&b.score(&inputs), 3)
                    }
                    _ => Vec::new(),
                };
                ListedRow {
                    row: scored.table.row_numbers.get(i).copied().unwrap_or(0),
                    anomalous: r.anomalous,
                    class: r.class,
                    p_anomalous: r.p_anomalous,
                    unfamiliar: r.unfamiliar,
                    reasons,
                    anomaly_score: r.baseline.as_ref().map(|b| b.score),
                    deviating,
                }
            })
            .collect();
        ScoreSummary {
            rows: n,
            classes: model.classes.clone(),
            counts: scored.counts.clone(),
            unfamiliar: scored.unfamiliar,
            wraps: scored.rates.as_ref().map(|r| r.wraps as usize),
            resets: scored.rates.as_ref().map(|r| r.resets as usize),
            evaluation: scored.evaluation.clone(),
            read_ms,
            score_ms,
            timeline,
            listed,
            anomalous: scored.anomalous,
            baseline: model.baseline.is_some(),
            score_timeline,
            events,
            verdicts: scored.verdicts.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::score::ScoreOptions;

    #[test]
    fn summary_buckets_the_timeline_and_lists_rows_with_reasons() {
        let m = crate::model::decode(include_bytes!("../../../../models/default.mwm")).unwrap();
        let t = read_csv(
            include_bytes!("../../../../data/snmp-mib/all_data.csv"),
            &IngestOptions::labelled("all_data.csv"),
        )
        .unwrap();
        let opts = ScoreOptions {
            capture: crate::capture::Capture::counters_every(15.0),
            ..ScoreOptions::default()
        };
        let scored = crate::score::score(&m, t.clone(), &opts).unwrap();
        let s = ScoreSummary::of(&m, &scored, 1.0, 2.0);
        assert_eq!(s.rows, scored.rows.len());
        assert!(s.timeline.len() <= TIMELINE_POINTS && s.timeline.len() > TIMELINE_POINTS / 2);
        // The first rows, plus the first rows of every predicted class.
        assert!(
            s.listed[..LISTED_ROWS]
                .iter()
                .enumerate()
                .all(|(i, r)| r.row == scored.table.row_numbers[i])
        );
        for (c, &count) in s.counts.iter().enumerate() {
            let listed = s.listed.iter().filter(|r| r.class == Some(c)).count();
            assert!(
                listed >= count.min(LISTED_ROWS),
                "class {c}: {listed} of {count}"
            );
        }
        assert!(s.listed.windows(2).all(|w| w[0].row < w[1].row));
        assert!(s.listed.iter().all(|r| r.reasons.len() <= 3));
        assert!(s.listed.iter().any(|r| !r.reasons.is_empty()));
        assert_eq!(s.counts.iter().sum::<usize>(), s.rows);
        assert!(s.evaluation.is_some());
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ScoreSummary>(&json).unwrap(), s);
    }
}
