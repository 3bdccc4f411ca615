//! Why the model said what it said about one row: which inputs drive the
//! prediction, and which inputs lie outside anything seen in training.

use crate::model::Model;

/// How much one feature's value supports the predicted class.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub feature: usize,
    /// P(predicted class | row) − P(predicted class | row with this feature
    /// set to its training median). Positive: the value pushes towards the
    /// prediction; negative: it pulls away from it.
    pub delta: f64,
}

/// Per-feature contributions to the predicted class's probability, computed
/// by replacing each feature (an input rate or a derived mix feature) with its
/// training median and re-predicting. `row` is a feature row
/// ([`Model::derive`]). Sorted by |delta|, largest first; features whose
/// replacement changes nothing are left out.
pub fn contributions(model: &Model, row: &[f64]) -> Vec<Contribution> {
    let Some(classifier) = &model.classifier else {
        return Vec::new();
    };
    let base = classifier.predict_proba(row);
    let class = crate::stats::argmax(&base);
    let mut probe = row.to_vec();
    let mut out = Vec::new();
    for (j, stats) in model.feature_stats.iter().enumerate() {
        if row[j] == stats.median {
            continue;
        }
        probe[j] = stats.median;
        let p = classifier.predict_proba(&probe)[class];
        probe[j] = row[j];
        let delta = base[class] - p;
        if delta != 0.0 {
            out.push(Contribution { feature: j, delta });
        }
    }
    out.sort_by(|a, b| b.delta.abs().total_cmp(&a.delta.abs()));
    out
}

/// Direction of an out-of-range input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Above,
    Below,
}

/// An input outside the training range [min, max] of its feature.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeFlag {
    pub feature: usize,
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub side: Side,
}

impl RangeFlag {
    /// The sentence shown to the user.
    pub fn message(&self, name: &str) -> String {
        let tail = "the prediction is an extrapolation";
        match self.side {
            Side::Above if self.max > 0.0 => format!(
                "{name} is {} above anything seen in training (max {}); {tail}.",
                factor(self.value / self.max),
                format_number(self.max)
            ),
            Side::Above => format!(
                "{name} is {}, but it was always {} in training; {tail}.",
                format_number(self.value),
                format_number(self.max)
            ),
            Side::Below if self.value > 0.0 => format!(
                "{name} is {} below anything seen in training (min {}); {tail}.",
                factor(self.min / self.value),
                format_number(self.min)
            ),
            Side::Below => format!(
                "{name} is {}, below anything seen in training (min {}); {tail}.",
                format_number(self.value),
                format_number(self.min)
            ),
        }
    }
}

fn factor(f: f64) -> String {
    if f >= 10.0 {
        format!("{f:.0}×")
    } else {
        format!("{f:.1}×")
    }
}

/// A number for people, as the page shows every input: four significant
/// digits, the whole part whole ([`crate::display::significant`]).
pub fn format_number(v: f64) -> String {
    crate::display::significant(v, crate::display::DIGITS)
}

/// Inputs outside the min–max range seen in training (`row`: model inputs).
pub fn range_flags(model: &Model, row: &[f64]) -> Vec<RangeFlag> {
    model
        .input_stats
        .iter()
        .enumerate()
        .filter_map(|(j, s)| {
            let v = row[j];
            let side = if v > s.max {
                Side::Above
            } else if v < s.min {
                Side::Below
            } else {
                return None;
            };
            Some(RangeFlag {
                feature: j,
                value: v,
                min: s.min,
                max: s.max,
                side,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FEATURE_VERSION, FeatureSet};
    use crate::forest::{Forest, stump};
    use crate::guard::Guard;
    use crate::metrics::{BinaryMetrics, Evaluation};
    use crate::model::{Classifier, FeatureStats, TrainingReport};
    use crate::schema::VarKind;

    /// Two features, four stumps: three split on feature 0 at 10, one on feature 1 at 5.
    fn model() -> Model {
        let eval = Evaluation {
            n_test: 0,
            accuracy: 0.0,
            macro_f1: 0.0,
            majority_accuracy: 0.0,
            per_class: vec![],
            confusion: vec![],
            binary: BinaryMetrics {
                accuracy: 0.0,
                balanced_accuracy: 0.0,
                detection_rate: 0.0,
                false_alarm_rate: 0.0,
                always_attack_accuracy: 0.0,
            },
        };
        let stats = vec![
            FeatureStats {
                min: 1.0,
                max: 100.0,
                median: 3.0,
            },
            FeatureStats {
                min: 0.0,
                max: 0.0,
                median: 0.0,
            },
        ];
        let mut m = Model {
            source: "test".into(),
            inputs: vec!["a".into(), "b".into()],
            input_kinds: vec![VarKind::Counter; 2],
            input_stats: stats.clone(),
            feature_set: FeatureSet::Rates,
            feature_version: FEATURE_VERSION,
            features: vec!["a".into(), "b".into()],
            feature_stats: stats,
            guard: Guard::fit(&[1.0, 0.0, 100.0, 0.0], 2),
            classes: vec!["normal".into(), "attack".into()],
            classifier: Some(Classifier::Forest {
                params: Default::default(),
                forest: Forest {
                    n_features: 2,
                    n_classes: 2,
                    trees: vec![
                        stump(0, 10.0),
                        stump(0, 10.0),
                        stump(0, 10.0),
                        stump(1, 5.0),
                    ],
                },
            }),
            baseline: None,
            examples: vec![vec![3.0, 0.0], vec![50.0, 0.0]],
            report: Some(TrainingReport {
                rows: 0,
                test_fraction: 0.3,
                random: eval.clone(),
                time_ordered: eval,
                by_session: None,
                sessions: 2,
                min_sessions_per_class: 1,
                guard_heldout_share: 0.0,
                importance: vec![0.0; 2],
                rates: None,
            }),
            data_hash: String::new(),
            plan: None,
        };
        crate::model::format::check_consistent(&mut m).unwrap();
        m
    }

    #[test]
    fn contributions_by_hand() {
        let m = model();
        // a = 50 (> 10): three trees vote attack; b = 7 (> 5): the fourth too.
        let c = contributions(&m, &[50.0, 7.0]);
        // Predicted class: attack with 4/4. a → median 3: 1/4 → delta 0.75.
        // b → median 0: 3/4 → delta 0.25.
        assert_eq!(
            c,
            vec![
                Contribution {
                    feature: 0,
                    delta: 0.75
                },
                Contribution {
                    feature: 1,
                    delta: 0.25
                }
            ]
        );
        // At the medians there is nothing to explain.
        assert!(contributions(&m, &[3.0, 0.0]).is_empty());
        // A feature that pulls away from the prediction has a negative delta:
        // predicted attack (3/4 via a); b = 1 keeps the fourth tree on normal,
        // its median 0 does too, so b contributes nothing.
        let c = contributions(&m, &[50.0, 1.0]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].feature, 0);
    }

    #[test]
    fn range_flags_and_messages() {
        let m = model();
        assert!(range_flags(&m, &[50.0, 0.0]).is_empty());
        let f = range_flags(&m, &[4000.0, 2.0]);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].side, Side::Above);
        assert_eq!(
            f[0].message("ipInReceives"),
            "ipInReceives is 40× above anything seen in training (max 100); the prediction is an extrapolation."
        );
        assert_eq!(
            f[1].message("b"),
            "b is 2, but it was always 0 in training; the prediction is an extrapolation."
        );
        let f = range_flags(&m, &[0.5, 0.0]);
        assert_eq!(f[0].side, Side::Below);
        assert_eq!(
            f[0].message("a"),
            "a is 2.0× below anything seen in training (min 1); the prediction is an extrapolation."
        );
        assert_eq!(format_number(37179.73), "37180");
        assert_eq!(format_number(0.33333), "0.3333");
        let f = range_flags(&m, &[0.0, 0.0]);
        assert_eq!(
            f[0].message("a"),
            "a is 0, below anything seen in training (min 1); the prediction is an extrapolation."
        );
    }
}
