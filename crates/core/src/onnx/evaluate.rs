//! Evaluating a [`TreeEnsemble`] with ONNX Runtime's arithmetic.
//!
//! What ONNX Runtime (`onnxruntime/core/providers/cpu/ml/tree_ensemble_*.h`,
//! `ml_common.h`) does, and so what [`TreeEnsemble::predict_proba`] does:
//! - The comparison, the thresholds and the sums of leaf weights use the
//!   ensemble's input type: `float` for a float input (the row value is
//!   rounded to f32 first), `double` for a double input. A double ensemble
//!   fed through a float graph input (or a Cast to float) first rounds the
//!   value to f32 ([`TreeEnsemble::input_f32`]).
//! - A split sends a row to its true child when `x MODE threshold`, or when
//!   `x` is NaN and the node tracks missing values to the true side. With no
//!   tracking a NaN makes every comparison false, except `BRANCH_NEQ`, which
//!   is true.
//! - Trees are added in order, each leaf's weights in the file's order, into
//!   one score per class that remembers whether anything was added
//!   (`ScoreValue.has_score`): a class that got nothing reads as 0.
//! - The classifier adds `base_values`, then applies `post_transform` in f32:
//!   LOGISTIC is `1 / (1 + exp(-|x|))` (mirrored for x < 0) per class,
//!   SOFTMAX subtracts the largest score and divides by the f32 sum.
//! - Two classes are special: when every weight of the file names one class
//!   (a "binary" layout, as scikit-learn's binary forests have), the summed
//!   score `s` becomes `[1 - s, s]` when no weight is negative, else
//!   `[-s, s]`, or `[logistic(-s), logistic(s)]` under LOGISTIC; SOFTMAX is
//!   then not applied. Base values of length 1 or 2 are folded in as ONNX
//!   Runtime's `FinalizeScores` does.
//! - Probabilities are written as f32 (the classifier's output type; opset 5
//!   `TreeEnsemble` writes its input type).
//!
//! ONNX Runtime splits large batches over threads and merges partial sums,
//! which can change the last bit of an f32 sum; with one thread (or ≤ 50 rows)
//! it sums tree by tree in order, as here, and the results are bit-identical
//! (see tests/fixtures/onnx).

use super::ensemble::{
    Aggregate, EnsembleNode, EnsembleTree, PostTransform, Precision, Semantics, TreeEnsemble,
};

/// The two number types ONNX Runtime computes in.
trait Real: Copy + PartialOrd + std::ops::Add<Output = Self> + std::ops::Sub<Output = Self> {
    const ZERO: Self;
    const ONE: Self;
    fn of(v: f64) -> Self;
    fn to_f32(self) -> f32;
    fn to_f64(self) -> f64;
    fn is_nan(self) -> bool;
    fn neg(self) -> Self;
    fn div_count(self, n: usize) -> Self;
}

impl Real for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    #[inline]
    fn of(v: f64) -> f32 {
        v as f32
    }
    fn to_f32(self) -> f32 {
        self
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    fn neg(self) -> f32 {
        -self
    }
    fn div_count(self, n: usize) -> f32 {
        self / n as f32
    }
}

impl Real for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    #[inline]
    fn of(v: f64) -> f64 {
        v
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn neg(self) -> f64 {
        -self
    }
    fn div_count(self, n: usize) -> f64 {
        self / n as f64
    }
}

/// ONNX Runtime's `ScoreValue`: a score and whether anything was added.
#[derive(Debug, Clone, Copy)]
struct Score<T> {
    score: T,
    has: bool,
}

impl<T: Real> Score<T> {
    const EMPTY: Score<T> = Score {
        score: T::ZERO,
        has: false,
    };

    /// The value a score converts to (`operator T()`): 0 when nothing was added.
    fn value(self) -> T {
        if self.has { self.score } else { T::ZERO }
    }

    fn set(v: T) -> Score<T> {
        Score {
            score: v,
            has: true,
        }
    }
}

/// `ComputeLogistic` of `ml_common.h`, in f32.
fn logistic(v: f32) -> f32 {
    let e = 1.0f32 / (1.0f32 + (-v.abs()).exp());
    if v < 0.0 { 1.0 - e } else { e }
}

/// `ComputeSoftmax` of `ml_common.h`, in f32.
fn softmax(v: &mut [f32]) {
    let mut max = -f32::MAX;
    for &x in v.iter() {
        if x > max {
            max = x;
        }
    }
    let mut sum = 0.0f32;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

/// How a two-class result with one score is widened to two probabilities
/// (`add_second_class` / `write_additional_scores` in ONNX Runtime).
#[derive(Debug, Clone, Copy, PartialEq)]
enum SecondClass {
    /// `[1 - s, s]`.
    Complement,
    /// `[-s, s]`, or `[logistic(-s), logistic(s)]` under LOGISTIC.
    Mirror,
    /// Nothing: ONNX Runtime writes one value and leaves the second unset;
    /// [`TreeEnsemble::validate`] refuses the layouts that get here.
    Unset,
}

impl TreeEnsemble {
    /// The leaf weights `row` reaches in `tree`. Requires a validated ensemble.
    #[inline]
    fn leaf<'a, T: Real>(&self, tree: &'a EnsembleTree, row: &[f64]) -> &'a [(u32, f64)] {
        let mut i = 0;
        loop {
            match &tree.nodes[i] {
                EnsembleNode::Leaf { weights } => return weights,
                EnsembleNode::Branch {
                    mode,
                    feature,
                    threshold,
                    yes,
                    no,
                    missing_yes,
                } => {
                    let raw = row[*feature as usize];
                    let x = T::of(if self.input_f32 {
                        raw as f32 as f64
                    } else {
                        raw
                    });
                    let go = mode.test(x, T::of(*threshold)) || (*missing_yes && x.is_nan());
                    i = if go { *yes as usize } else { *no as usize };
                }
            }
        }
    }

    /// Class probabilities (the values ONNX Runtime outputs) of one row of
    /// `n_features` values, into `out` (`n_classes` values). Requires a
    /// validated ensemble.
    pub fn predict_proba_into(&self, row: &[f64], out: &mut [f64]) {
        match self.precision {
            Precision::F32 => self.predict_as::<f32>(row, out),
            Precision::F64 => self.predict_as::<f64>(row, out),
        }
    }

    /// [`TreeEnsemble::predict_proba_into`] into a new vector.
    pub fn predict_proba(&self, row: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n_classes()];
        self.predict_proba_into(row, &mut out);
        out
    }

    /// Probabilities of every row of row-major `x` (`n_features` per row) into
    /// `out` (`n_classes` per row).
    pub fn predict_proba_batch(&self, x: &[f64], out: &mut [f64]) {
        let (f, k) = (self.n_features, self.n_classes());
        for (row, o) in x.chunks_exact(f).zip(out.chunks_exact_mut(k)) {
            self.predict_proba_into(row, o);
        }
    }

    fn predict_as<T: Real>(&self, row: &[f64], out: &mut [f64]) {
        let k = self.n_classes();
        let mut scores = vec![Score::<T>::EMPTY; k];
        for tree in &self.trees {
            for &(c, w) in self.leaf::<T>(tree, row) {
                let s = &mut scores[c as usize];
                s.score = s.score + T::of(w);
                s.has = true;
            }
        }
        if self.aggregate == Aggregate::Average {
            for s in scores.iter_mut() {
                s.score = s.score.div_count(self.trees.len());
            }
        }
        match self.semantics {
            Semantics::Targets => self.write_scores(&scores, out, false),
            Semantics::Classifier if k > 2 => {
                for (s, &b) in scores.iter_mut().zip(&self.base_values) {
                    *s = if s.has {
                        Score::set(s.score + T::of(b))
                    } else {
                        Score::set(T::of(b))
                    };
                }
                self.write_scores(&scores, out, true);
            }
            Semantics::Classifier => self.finish_two_classes(scores, out),
        }
    }

    /// `write_scores` of `ml_common.h` for two or more scores.
    fn write_scores<T: Real>(&self, scores: &[Score<T>], out: &mut [f64], f32_out: bool) {
        let store = |v: T| -> f64 {
            if f32_out {
                v.to_f32() as f64
            } else {
                v.to_f64()
            }
        };
        match self.post_transform {
            PostTransform::None => {
                for (o, s) in out.iter_mut().zip(scores) {
                    *o = store(s.value());
                }
            }
            PostTransform::Logistic => {
                for (o, s) in out.iter_mut().zip(scores) {
                    *o = logistic(s.value().to_f32()) as f64;
                }
            }
            PostTransform::Softmax => {
                let mut v: Vec<f32> = scores.iter().map(|s| s.value().to_f32()).collect();
                softmax(&mut v);
                for (o, x) in out.iter_mut().zip(v) {
                    *o = x as f64;
                }
            }
        }
    }

    /// `TreeAggregatorClassifier::FinalizeScores`, two-class branch.
    fn finish_two_classes<T: Real>(&self, mut p: Vec<Score<T>>, out: &mut [f64]) {
        let mut second = SecondClass::Unset;
        match self.base_values.len() {
            2 => {
                let (b0, b1) = (T::of(self.base_values[0]), T::of(self.base_values[1]));
                if p[1].has {
                    // ONNX Runtime ignores class 1's own score and base_values[0] here.
                    p[1].score = b1 + p[0].score;
                    p[0].score = p[1].score.neg();
                } else {
                    p[1].score = p[1].score + b1;
                    p[0].score = p[0].score + b0;
                }
            }
            1 => {
                p[0].score = p[0].score + T::of(self.base_values[0]);
                if !p[1].has {
                    p.pop();
                }
            }
            _ => {
                second = SecondClass::Mirror;
                if !p[1].has {
                    p.pop();
                }
            }
        }
        if self.one_weight_class {
            // `_set_score_binary`: the positive class's score decides nothing
            // about the values, only how the second one is made.
            second = if self.weights_all_positive {
                SecondClass::Complement
            } else {
                SecondClass::Mirror
            };
        }
        if p.len() == 2 {
            return self.write_scores(&p, out, true);
        }
        let s = p[0];
        let (a, b) = match second {
            SecondClass::Complement => ((T::ONE - s.value()).to_f32(), s.value().to_f32()),
            SecondClass::Mirror if self.post_transform == PostTransform::Logistic => (
                logistic(s.value().neg().to_f32()),
                logistic(s.value().to_f32()),
            ),
            SecondClass::Mirror => (s.value().neg().to_f32(), s.value().to_f32()),
            // Refused by `validate`; never reached for a validated ensemble.
            SecondClass::Unset => (s.value().to_f32(), f32::NAN),
        };
        out[0] = a as f64;
        out[1] = b as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::ensemble::test_ensembles::{split, stump};
    use crate::onnx::ensemble::{ClassLabels, Mode};

    #[test]
    fn modes_nan_and_missing_tracking() {
        let yes = |e: &TreeEnsemble, x: f64| e.predict_proba(&[x])[0] == 1.0;
        for (mode, below, at, above) in [
            (Mode::Leq, true, true, false),
            (Mode::Lt, true, false, false),
            (Mode::Gte, false, true, true),
            (Mode::Gt, false, false, true),
            (Mode::Eq, false, true, false),
            (Mode::Neq, true, false, true),
        ] {
            let e = stump(mode, 1.5, false);
            e.validate().unwrap();
            assert_eq!(
                (yes(&e, 1.0), yes(&e, 1.5), yes(&e, 2.0)),
                (below, at, above),
                "{mode:?}"
            );
            // NaN fails every comparison but !=, unless tracked to the true side.
            assert_eq!(yes(&e, f64::NAN), mode == Mode::Neq, "{mode:?}");
            assert!(yes(&stump(mode, 1.5, true), f64::NAN), "{mode:?}");
        }
    }

    #[test]
    fn float_models_round_the_input_first() {
        // 16777217 rounds to 16777216 in f32: equal to the threshold.
        let mut e = stump(Mode::Leq, 16777216.0, false);
        assert_eq!(e.predict_proba(&[16777217.0])[1], 1.0);
        e.input_f32 = true;
        assert_eq!(e.predict_proba(&[16777217.0])[0], 1.0);
        e.precision = Precision::F32;
        e.validate().unwrap();
        assert_eq!(e.predict_proba(&[16777217.0])[0], 1.0);
        // A threshold that is not a float value cannot be a float model's.
        e.trees[0].nodes[0] = split(Mode::Leq, 0.1, false);
        assert!(e.validate().is_err());
    }

    #[test]
    fn transforms_and_base_values() {
        let mut e = stump(Mode::Leq, 0.0, false);
        e.base_values = vec![0.5, 0.0, -0.5];
        let p = e.predict_proba(&[-1.0]);
        assert_eq!(p, vec![1.5, 0.0, -0.5]);
        e.post_transform = PostTransform::Softmax;
        let p = e.predict_proba(&[-1.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        assert!(p[0] > p[1] && p[1] > p[2]);
        e.post_transform = PostTransform::Logistic;
        let p = e.predict_proba(&[-1.0]);
        assert!((p[1] - 0.5).abs() < 1e-7 && p[0] > 0.8 && p[2] < 0.4);
        // Wrong number of base values.
        e.base_values = vec![0.5, 0.0];
        assert!(e.validate().is_err());
    }

    #[test]
    fn two_classes_with_one_score() {
        // scikit-learn's binary layout: every weight is for class 0 and holds
        // P(class 1); ONNX Runtime writes [1 - s, s].
        let mut e = stump(Mode::Leq, 0.0, false);
        e.labels = ClassLabels::Int(vec![0, 1]);
        e.trees[0].nodes[1] = EnsembleNode::Leaf {
            weights: vec![(0, 0.25)],
        };
        e.trees[0].nodes[2] = EnsembleNode::Leaf {
            weights: vec![(0, 0.75)],
        };
        e.one_weight_class = true;
        e.validate().unwrap();
        assert_eq!(e.predict_proba(&[-1.0]), vec![0.75, 0.25]);
        // Negative weights and LOGISTIC (XGBoost's binary layout).
        e.weights_all_positive = false;
        e.post_transform = PostTransform::Logistic;
        e.base_values = vec![0.0];
        let p = e.predict_proba(&[1.0]);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-6 && p[1] > 0.6);
        // Weights for both classes and one base value: ONNX Runtime leaves the
        // second probability unset for rows without a class-1 weight.
        e.one_weight_class = false;
        assert!(e.validate().is_err());
    }
}
