//! A labelled table made ready to evaluate: its rows captured as per-second
//! inputs ([`crate::capture`]), its labels as class indices (after the task:
//! the normal label renamed, every attack merged in the binary task), its
//! capture sessions, and the features of every row.

use std::ops::Range;

use super::options::{TrainError, TrainOptions};
use crate::capture::{self, RateSummary};
use crate::features::FeaturePlan;
use crate::ingest::Table;
use crate::schema;
use crate::split::{self, Split};

/// A labelled table of model inputs (per-second rates and gauges), ready to
/// evaluate: class indices, capture sessions and the features of every row.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub table: Table,
    pub classes: Vec<String>,
    pub y: Vec<u32>,
    pub sessions: Vec<Range<usize>>,
    pub plan: FeaturePlan,
    /// Feature rows (row-major), `plan.n_features()` per row.
    pub x: Vec<f64>,
    pub rates: Option<RateSummary>,
    /// Each row's timestamp, when the file had a time column.
    pub times: Option<Vec<f64>>,
}

/// The chosen normal label becomes `normal`; in the binary task every other
/// label becomes `attack`.
pub fn relabel(labels: &mut [String], normal: Option<&str>, binary: bool) {
    for l in labels.iter_mut() {
        let is_normal = match normal {
            Some(n) => l == n,
            None => l.eq_ignore_ascii_case(schema::NORMAL_CLASS),
        };
        if is_normal {
            *l = schema::NORMAL_CLASS.to_string();
        } else if binary {
            *l = "attack".to_string();
        }
    }
}

/// Capture the rows (sessions found from the file's own labels), apply the
/// task, check every class has rows to hold out, and compute the features.
pub fn prepare(table: &Table, opts: &TrainOptions) -> Result<Prepared, TrainError> {
    if table.labels.is_none() {
        return Err(TrainError::NoLabels {
            file: table.file_name.clone(),
        });
    }
    let captured = capture::capture(table, &opts.capture).map_err(TrainError::Capture)?;
    let mut table = captured.table;
    let labels = table.labels.as_mut().ok_or_else(|| TrainError::NoLabels {
        file: table.file_name.clone(),
    })?;
    relabel(labels, opts.normal_label.as_deref(), opts.binary);
    let classes = table.classes();
    let labels = table.labels.as_deref().unwrap_or_default();
    let y: Vec<u32> = labels
        .iter()
        .map(|l| classes.iter().position(|c| c == l).unwrap_or(0) as u32)
        .collect();
    for (c, name) in classes.iter().enumerate() {
        let rows = y.iter().filter(|&&v| v == c as u32).count();
        if rows < 4 {
            return Err(TrainError::TooFewRows {
                class: name.clone(),
                rows,
            });
        }
    }
    let plan = opts
        .feature_set
        .plan(&table.columns)
        .map_err(TrainError::Features)?;
    let x = plan.derive_all(&table.values);
    Ok(Prepared {
        table,
        classes,
        y,
        sessions: captured.sessions,
        plan,
        x,
        rates: captured.rates,
        times: captured.times,
    })
}

impl Prepared {
    pub fn n_features(&self) -> usize {
        self.plan.n_features()
    }

    pub fn truth(&self, idx: &[usize]) -> Vec<u32> {
        idx.iter().map(|&i| self.y[i]).collect()
    }

    /// The feature rows `idx`, row-major.
    pub fn rows(&self, idx: &[usize]) -> Vec<f64> {
        split::take_rows(&self.x, self.n_features(), idx)
    }

    pub fn random_split(&self, test_fraction: f64, seed: u64) -> Split {
        split::stratified_split(&self.y, test_fraction, seed)
    }

    pub fn time_ordered_split(&self, test_fraction: f64) -> Split {
        split::time_ordered_split(&self.sessions, test_fraction)
    }

    pub fn sessions_per_class(&self) -> Vec<usize> {
        split::sessions_per_class(&self.sessions, &self.y, self.classes.len())
    }

    /// Grouped k-fold by session (k = fewest sessions of any class, 2..=5),
    /// or `None` when some class has a single session.
    pub fn session_folds(&self) -> Option<Vec<Split>> {
        let min = self.sessions_per_class().into_iter().min().unwrap_or(0);
        (min >= 2).then(|| split::session_folds(&self.sessions, &self.y, min.min(5)))
    }

    /// The model inputs of every row, row-major, in `names`' order (matched
    /// by name, as the model's inputs are), for another file's feature
    /// function; `None` names the first input this table lacks.
    pub fn inputs_as(&self, names: &[String]) -> Result<Vec<f64>, String> {
        let idx: Vec<usize> = names
            .iter()
            .map(|c| self.table.column_index(c).ok_or_else(|| c.clone()))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(self.table.n_rows() * idx.len());
        for r in 0..self.table.n_rows() {
            let row = self.table.row(r);
            out.extend(idx.iter().map(|&j| row[j]));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Capture;
    use crate::features::FeatureSet;
    use crate::ingest::{IngestOptions, read_csv};
    use crate::testdata::sessions_csv;

    #[test]
    fn sessions_rates_and_features_from_a_session_or_time_column() {
        for with_session_column in [true, false] {
            let bytes = sessions_csv(with_session_column);
            let t = read_csv(&bytes, &IngestOptions::labelled("s.csv")).unwrap();
            let opts = TrainOptions {
                feature_set: FeatureSet::Rates,
                capture: Capture {
                    session_column: with_session_column.then(|| "session".to_string()),
                    ..Capture::counters_timed_by("time")
                },
                ..TrainOptions::default()
            };
            let p = prepare(&t, &opts).unwrap();
            assert_eq!(p.sessions.len(), 6, "session column: {with_session_column}");
            assert_eq!(p.sessions_per_class(), vec![2, 2, 2]);
            // The session and time columns are not features.
            assert_eq!(p.plan.names, vec!["tcpInSegs", "udpInDatagrams"]);
            // Rates come from the timestamps: 24 per session of 25 polls.
            assert_eq!(p.y.len(), 6 * 24);
            let tcp = p.x[0];
            assert!((10.0..110.0).contains(&tcp), "{tcp}");
            assert_eq!(p.session_folds().unwrap().len(), 2);
        }
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let e = prepare(
            &t,
            &TrainOptions {
                capture: Capture {
                    session_column: Some("nope".into()),
                    ..Capture::rates()
                },
                ..TrainOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "s.csv: no numeric column \"nope\".");
    }

    #[test]
    fn binary_task_keeps_the_capture_sessions() {
        let mut labels: Vec<String> = ["benign", "syn", "udp"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        relabel(&mut labels, Some("benign"), true);
        assert_eq!(labels, vec!["normal", "attack", "attack"]);
        let t = crate::testdata::public_table();
        let p = prepare(
            &t,
            &TrainOptions {
                capture: Capture::counters_every(15.0),
                binary: true,
                ..TrainOptions::default()
            },
        )
        .unwrap();
        assert_eq!(p.classes, vec!["normal", "attack"]);
        // Rates and sessions come from the eight captures, not two merged blocks.
        assert_eq!(p.sessions.len(), 8);
        assert_eq!(p.y.len(), 4976);
    }

    #[test]
    fn too_few_rows_for_a_class() {
        let t = read_csv(
            b"a,class\n1,x\n2,x\n3,x\n4,x\n5,y\n",
            &IngestOptions::labelled("f.csv"),
        )
        .unwrap();
        let e = prepare(&t, &TrainOptions::default()).unwrap_err();
        assert_eq!(
            e,
            TrainError::TooFewRows {
                class: "y".into(),
                rows: 1
            }
        );
    }
}
