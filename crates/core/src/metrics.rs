//! Held-out metrics: accuracy, per-class precision/recall/F1, macro F1, confusion matrix, the
//! binary (normal vs anomalous) view beside its trivial baseline, and
//! permutation feature importance.

use serde::{Deserialize, Serialize};

use crate::batch::BatchForest;
use crate::forest::Forest;
use crate::schema::Verdict;
use crate::split::Rng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub class: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Normal vs anomalous, beside the trivial baseline of calling everything an attack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    pub accuracy: f64,
    /// Mean of detection rate and (1 − false-alarm rate).
    pub balanced_accuracy: f64,
    /// Attacks called attacks.
    pub detection_rate: f64,
    /// Normal rows called attacks.
    pub false_alarm_rate: f64,
    /// Accuracy of always answering "attack": the share of attack rows.
    pub always_attack_accuracy: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub n_test: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Accuracy of always answering the most frequent test class.
    pub majority_accuracy: f64,
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<u32>>,
    pub binary: BinaryMetrics,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Score predictions against the truth. Classes are named so the binary view
/// can tell normal (class "normal", any case) from attacks.
pub fn evaluate(truth: &[u32], pred: &[u32], classes: &[String]) -> Evaluation {
    let k = classes.len();
    let mut confusion = vec![vec![0u32; k]; k];
    for (&t, &p) in truth.iter().zip(pred) {
        if (t as usize) < k && (p as usize) < k {
            confusion[t as usize][p as usize] += 1;
        }
    }
    let n = truth.len().min(pred.len());
    let correct: usize = (0..k).map(|c| confusion[c][c] as usize).sum();
    let mut per_class = Vec::with_capacity(k);
    let mut f1_sum = 0.0;
    let mut present = 0;
    let mut majority = 0;
    for c in 0..k {
        let tp = confusion[c][c] as usize;
        let support: usize = confusion[c].iter().map(|&v| v as usize).sum();
        let predicted: usize = (0..k).map(|r| confusion[r][c] as usize).sum();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        if support > 0 {
            f1_sum += f1;
            present += 1;
        }
        majority = majority.max(support);
        per_class.push(ClassMetrics {
            class: classes[c].clone(),
            precision,
            recall,
            f1,
            support,
        });
    }
    let is_attack: Vec<bool> = classes
        .iter()
        .map(|c| Verdict::of_class(c) == Verdict::Anomalous)
        .collect();
    let mut counts = BinaryCounts::default();
    for t in 0..k {
        for p in 0..k {
            counts.add(is_attack[t], is_attack[p], confusion[t][p] as usize);
        }
    }
    Evaluation {
        n_test: n,
        accuracy: ratio(correct, n),
        macro_f1: if present > 0 {
            f1_sum / present as f64
        } else {
            0.0
        },
        majority_accuracy: ratio(majority, n),
        per_class,
        confusion,
        binary: counts.metrics(n),
    }
}

/// Rows tallied as attacks or normal traffic, in truth and as said.
#[derive(Debug, Clone, Copy, Default)]
struct BinaryCounts {
    attacks: usize,
    detected: usize,
    normals: usize,
    alarms: usize,
    correct: usize,
}

impl BinaryCounts {
    fn add(&mut self, attack: bool, said_attack: bool, rows: usize) {
        if attack {
            self.attacks += rows;
            self.detected += rows * said_attack as usize;
        } else {
            self.normals += rows;
            self.alarms += rows * said_attack as usize;
        }
        self.correct += rows * (attack == said_attack) as usize;
    }

    fn metrics(&self, n: usize) -> BinaryMetrics {
        let detection_rate = ratio(self.detected, self.attacks);
        let false_alarm_rate = ratio(self.alarms, self.normals);
        BinaryMetrics {
            accuracy: ratio(self.correct, n),
            balanced_accuracy: (detection_rate + (1.0 - false_alarm_rate)) / 2.0,
            detection_rate,
            false_alarm_rate,
            always_attack_accuracy: ratio(self.attacks, n),
        }
    }
}

/// Normal vs attack figures of a detector: `attack[i]` says whether row
/// `i` is an attack, `said[i]` whether the detector called it one.
pub fn binary(attack: &[bool], said: &[bool]) -> BinaryMetrics {
    let mut counts = BinaryCounts::default();
    for (&a, &s) in attack.iter().zip(said) {
        counts.add(a, s, 1);
    }
    counts.metrics(attack.len().min(said.len()))
}

/// Held-out accuracy of the forest in its batch layout (the same classes
/// as row by row, several times faster on many rows).
fn accuracy_of(forest: &BatchForest, x: &[f64], y: &[u32]) -> f64 {
    let right = forest
        .predict_classes(x)
        .iter()
        .zip(y)
        .filter(|(p, t)| p == t)
        .count();
    ratio(right, y.len())
}

/// Permutation importance: the mean drop in held-out accuracy when one
/// feature's column is shuffled, over `repeats` shuffles.
pub fn permutation_importance(
    forest: &Forest,
    x: &[f64],
    y: &[u32],
    repeats: usize,
    seed: u64,
) -> Vec<f64> {
    permutation_importance_of(forest, x, y, repeats, seed, 0..forest.n_features)
}

/// [`permutation_importance`] of the features in `features` alone: the same
/// values as the whole computation gives them (the shuffles of the features
/// before them are drawn and skipped), so that several workers can each take
/// a range and their results, concatenated, are the whole.
pub fn permutation_importance_of(
    forest: &Forest,
    x: &[f64],
    y: &[u32],
    repeats: usize,
    seed: u64,
    features: std::ops::Range<usize>,
) -> Vec<f64> {
    let f = forest.n_features;
    let n = y.len();
    let repeats = repeats.max(1);
    let features = features.start.min(f)..features.end.min(f);
    let mut rng = Rng::new(seed);
    // Each shuffle of n values draws n - 1 numbers.
    for _ in 0..features.start * repeats * n.saturating_sub(1) {
        rng.next_u64();
    }
    if features.is_empty() {
        return Vec::new();
    }
    let forest = &forest.batch();
    let base = accuracy_of(forest, x, y);
    let mut work = x.to_vec();
    let mut out = vec![0.0; features.len()];
    for (j, imp) in features.zip(out.iter_mut()) {
        let column: Vec<f64> = (0..n).map(|i| x[i * f + j]).collect();
        let mut drop = 0.0;
        for _ in 0..repeats {
            let mut perm = column.clone();
            rng.shuffle(&mut perm);
            for i in 0..n {
                work[i * f + j] = perm[i];
            }
            drop += base - accuracy_of(forest, &work, y);
        }
        for i in 0..n {
            work[i * f + j] = column[i];
        }
        *imp = drop / repeats as f64;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forest::one_stump;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn metrics_by_hand() {
        let classes = names(&["normal", "syn", "udp"]);
        // truth:  n n n s s u u u
        // pred:   n s n s s u n u
        let truth = [0, 0, 0, 1, 1, 2, 2, 2];
        let pred = [0, 1, 0, 1, 1, 2, 0, 2];
        let e = evaluate(&truth, &pred, &classes);
        assert_eq!(
            e.confusion,
            vec![vec![2, 1, 0], vec![0, 2, 0], vec![1, 0, 2]]
        );
        assert!((e.accuracy - 6.0 / 8.0).abs() < 1e-12);
        let n = &e.per_class[0];
        assert!((n.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((n.recall - 2.0 / 3.0).abs() < 1e-12);
        let s = &e.per_class[1];
        assert!((s.precision - 2.0 / 3.0).abs() < 1e-12 && s.recall == 1.0);
        assert!((s.f1 - 0.8).abs() < 1e-12);
        let u = &e.per_class[2];
        assert!(u.precision == 1.0 && (u.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((e.macro_f1 - (2.0 / 3.0 + 0.8 + 0.8) / 3.0).abs() < 1e-12);
        assert!((e.majority_accuracy - 3.0 / 8.0).abs() < 1e-12);
        // Binary: 5 attacks, 4 detected; 3 normals, 1 false alarm.
        assert!((e.binary.detection_rate - 0.8).abs() < 1e-12);
        assert!((e.binary.false_alarm_rate - 1.0 / 3.0).abs() < 1e-12);
        assert!((e.binary.accuracy - 6.0 / 8.0).abs() < 1e-12);
        assert!((e.binary.balanced_accuracy - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert!((e.binary.always_attack_accuracy - 5.0 / 8.0).abs() < 1e-12);
    }

    #[test]
    fn permutation_importance_finds_the_used_feature() {
        // One stump on feature 1; feature 0 is ignored.
        let forest = one_stump(2, 1, 0.5);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            x.push(i as f64);
            x.push((i % 2) as f64);
            y.push((i % 2) as u32);
        }
        let imp = permutation_importance(&forest, &x, &y, 3, 5);
        assert_eq!(imp[0], 0.0);
        assert!(imp[1] > 0.3, "{imp:?}");
    }

    #[test]
    fn importance_by_ranges_of_features_is_the_whole() {
        let (x, y) = crate::testdata::noisy(400, 5, 3, 7);
        let params = crate::forest::ForestParams {
            n_trees: 20,
            ..Default::default()
        };
        let forest = crate::forest::train(&x, 5, &y, 3, &params, &mut |_, _| {
            crate::forest::Control::Continue
        })
        .unwrap();
        let whole = permutation_importance(&forest, &x, &y, 3, 11);
        assert!(whole.iter().any(|&v| v > 0.0), "{whole:?}");
        for cut in [
            vec![0, 5],
            vec![0, 2, 5],
            vec![0, 1, 3, 4, 5],
            vec![0, 0, 5, 5],
        ] {
            let pieces: Vec<f64> = cut
                .windows(2)
                .flat_map(|w| permutation_importance_of(&forest, &x, &y, 3, 11, w[0]..w[1]))
                .collect();
            assert_eq!(pieces, whole, "cut {cut:?}");
        }
    }
}
