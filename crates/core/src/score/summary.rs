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

/// Alarm events listed in a scored file's summary (the first ones).
pub const LISTED_EVENTS: usize = 100;
/// Deviating inputs listed as the file's top reasons.
pub const TOP_REASONS: usize = 5;

/// An input outside its normal band in the file's alarm polls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopReason {
    pub input: String,
    /// "above" or "below" its normal band.
    pub side: String,
    /// Alarm polls in which it is outside its band on that side.
    pub polls: usize,
    /// Its largest deviation in words ("ipInReceives is 60× above your
    /// normal (5,000/s vs normal 12–80/s)").
    pub worst: String,
    /// Spreadsheet row of that poll.
    pub worst_row: usize,
}

/// One alarm event of the baseline's rule, for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSpan {
    /// Scored rows `start..end` (indices, as in the timeline).
    pub start: usize,
    pub end: usize,
    /// Spreadsheet rows of its first and last poll.
    pub first_row: usize,
    pub last_row: usize,
    /// The highest anomaly score in it.
    pub peak: f64,
    /// The deviating inputs of its peak poll.
    pub deviating: String,
    /// The most frequent label of its rows, when the file has labels.
    pub label: Option<String>,
}

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
    /// The first [`LISTED_EVENTS`] alarm events.
    #[serde(default)]
    pub event_spans: Vec<EventSpan>,
    /// The inputs most often outside their bands in alarm polls, at most
    /// [`TOP_REASONS`].
    #[serde(default)]
    pub top_reasons: Vec<TopReason>,
    /// Rows labelled normal and the others, when the file has labels.
    #[serde(default)]
    pub labelled: Option<(usize, usize)>,
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
        // Runs of polls in an event, within each capture session (as the
        // scored file's alarm_event column and the CLI count them).
        let mut events = Vec::new();
        for range in &scored.sessions {
            let mut start = None;
            let end = range.end.min(n);
            for i in range.start.min(end)..end {
                let on = scored.rows[i].baseline.as_ref().is_some_and(|b| b.event);
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
                events.push((s, end));
            }
        }
        events.sort_unstable();
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
        let event_spans = events
            .iter()
            .take(LISTED_EVENTS)
            .map(|&(a, b)| event_span(scored, a, b))
            .collect();
        let labelled = scored.table.labels.as_ref().map(|l| {
            let normal = l
                .iter()
                .filter(|l| l.eq_ignore_ascii_case(crate::schema::NORMAL_CLASS))
                .count();
            (normal, l.len() - normal)
        });
        ScoreSummary {
            event_spans,
            top_reasons: top_reasons(model, scored, cols.as_deref()),
            labelled,
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

/// Rows `a..b` of `scored` as an event.
fn event_span(scored: &Scored, a: usize, b: usize) -> EventSpan {
    let row = |i: usize| scored.table.row_numbers.get(i).copied().unwrap_or(0);
    let (mut peak, mut at) = (0.0f64, a);
    for i in a..b {
        let s = scored.rows[i].baseline.as_ref().map_or(0.0, |c| c.score);
        if s > peak {
            (peak, at) = (s, i);
        }
    }
    let label = scored.table.labels.as_ref().and_then(|l| {
        let mut counts: Vec<(&String, usize)> = Vec::new();
        for x in &l[a..b] {
            match counts.iter_mut().find(|(y, _)| *y == x) {
                Some(c) => c.1 += 1,
                None => counts.push((x, 1)),
            }
        }
        // The most frequent; the first seen on a tie.
        counts
            .iter()
            .rev()
            .max_by_key(|(_, n)| *n)
            .map(|(l, _)| (*l).clone())
    });
    EventSpan {
        start: a,
        end: b,
        first_row: row(a),
        last_row: row(b.saturating_sub(1).max(a)),
        peak,
        deviating: scored.rows[at]
            .baseline
            .as_ref()
            .map(|c| c.deviating.clone())
            .unwrap_or_default(),
        label,
    }
}

/// The inputs most often outside their bands over the file's alarm polls
/// (ties: the larger deviation first), with the largest deviation of each.
fn top_reasons(model: &Model, scored: &Scored, cols: Option<&[usize]>) -> Vec<TopReason> {
    let (Some(b), Some(cols)) = (&model.baseline, cols) else {
        return Vec::new();
    };
    use crate::baseline::score::Direction;
    /// (feature, above), alarm polls, worst excess, its row index, its words.
    type Found = ((usize, bool), usize, f64, usize, String);
    let mut found: Vec<Found> = Vec::new();
    for (i, r) in scored.rows.iter().enumerate() {
        if !r.baseline.as_ref().is_some_and(|c| c.alarm) {
            continue;
        }
        let row = scored.table.row(i);
        let inputs: Vec<f64> = cols.iter().map(|&j| row[j]).collect();
        let s = b.score(&inputs);
        for d in &s.deviations {
            let key = (d.feature, d.direction == Direction::Above);
            match found.iter_mut().find(|f| f.0 == key) {
                Some(f) => {
                    f.1 += 1;
                    if d.excess > f.2 {
                        (f.2, f.3, f.4) = (d.excess, i, b.describe(d));
                    }
                }
                None => found.push((key, 1, d.excess, i, b.describe(d))),
            }
        }
    }
    found.sort_by(|x, y| y.1.cmp(&x.1).then(y.2.total_cmp(&x.2)).then(x.0.cmp(&y.0)));
    found
        .into_iter()
        .take(TOP_REASONS)
        .map(|((f, above), polls, _, i, worst)| TopReason {
            input: b.features[f].name.clone(),
            side: if above { "above" } else { "below" }.to_string(),
            polls,
            worst,
            worst_row: scored.table.row_numbers.get(i).copied().unwrap_or(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::ScoreOptions;

    #[test]
    fn summary_buckets_the_timeline_and_lists_rows_with_reasons() {
        let m = crate::model::decode(include_bytes!("../../../../models/default.mwm")).unwrap();
        let t = crate::testdata::public_table();
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

    #[test]
    fn a_baseline_gives_events_top_reasons_and_labelled_counts() {
        let (m, e, opts) = crate::testdata::default_model_and_lab();
        let scored = crate::score::score(&m, e.table, &opts).unwrap();
        let s = ScoreSummary::of(&m, &scored, 0.0, 0.0);
        assert!(s.baseline);
        assert_eq!(s.events.len(), scored.alarm_events);
        assert!(s.events.len() > 1, "one event per session at least");
        assert!(s.events.windows(2).all(|w| w[0].1 <= w[1].0));
        assert_eq!(s.event_spans.len(), s.events.len().min(LISTED_EVENTS));
        for (span, &(a, b)) in s.event_spans.iter().zip(&s.events) {
            assert_eq!((span.start, span.end), (a, b));
            assert_eq!(span.first_row, scored.table.row_numbers[a]);
            assert_eq!(span.last_row, scored.table.row_numbers[b - 1]);
            let peak = (a..b)
                .map(|i| scored.rows[i].baseline.as_ref().unwrap().score)
                .fold(0.0, f64::max);
            assert_eq!(span.peak, peak);
            assert!(span.label.is_some(), "the lab file is labelled");
        }
        assert!(!s.top_reasons.is_empty() && s.top_reasons.len() <= TOP_REASONS);
        assert!(s.top_reasons.windows(2).all(|w| w[0].polls >= w[1].polls));
        let alarms = scored
            .rows
            .iter()
            .filter(|r| r.baseline.as_ref().is_some_and(|c| c.alarm))
            .count();
        assert!(s.top_reasons.iter().all(|r| r.polls <= alarms));
        let first = &s.top_reasons[0];
        assert!(first.worst.starts_with(&first.input), "{}", first.worst);
        let labels = scored.table.labels.as_ref().unwrap();
        let normal = labels.iter().filter(|l| *l == "normal").count();
        assert_eq!(s.labelled, Some((normal, labels.len() - normal)));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ScoreSummary>(&json).unwrap(), s);
    }
}
