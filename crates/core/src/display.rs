//! Numbers as people read them: a value to a few significant digits (whole
//! numbers whole), and a sample's inputs written so that the model predicts
//! exactly the same from the written text as from the exact values.

use crate::model::Model;

/// Significant digits shown for rates and gauges.
pub const DIGITS: u32 = 4;

/// Below this magnitude a value is written in scientific notation, so that
/// no run of zeros reads like floating-point noise.
const SMALLEST_PLAIN: f64 = 1e-4;

/// `v` to `digits` significant digits (at least 1), without trailing zeros:
/// 19.666666666666668 → "19.67", 0.7333333333333333 → "0.7333". The whole
/// part of a number is never rounded away: 7736.299999999999 → "7736",
/// 5990421.466666667 → "5990421". Values below 0.0001 use scientific
/// notation ("1.235e-6"). The text reads back (`str::parse::<f64>`) as the
/// rounded value.
pub fn significant(v: f64, digits: u32) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1) as i32;
    if v.abs() < SMALLEST_PLAIN {
        let s = format!("{v:.*e}", (digits - 1) as usize);
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{exp}", trim_zeros(mantissa));
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

/// "7.500" → "7.5", "100.0" → "100"; text without a point is left alone.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// What the model says about a row, as far as the page shows it: the
/// verdict, every class probability, the attack it looks like, the
/// unfamiliar-traffic guard, and the baseline's alarm and the inputs
/// outside their normal band (the baseline's score itself moves with any
/// change of an input, as the features do).
#[derive(Debug, PartialEq)]
struct Outcome {
    verdict: crate::schema::Verdict,
    probabilities: Vec<f64>,
    attack: Option<usize>,
    guard: crate::guard::GuardReport,
    alarm: Option<bool>,
    deviating: Vec<(usize, bool)>,
}

fn outcome(model: &Model, row: &[f64]) -> Outcome {
    let p = model.predict(row);
    let (alarm, mut deviating) = match &p.baseline {
        Some(b) => (
            Some(b.alarm),
            b.deviations
                .iter()
                .map(|d| (d.feature, d.direction == crate::baseline::Direction::Above))
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    deviating.sort_unstable();
    Outcome {
        verdict: p.verdict,
        probabilities: p.probabilities,
        attack: p.attack.map(|(c, _)| c),
        guard: p.guard,
        alarm,
        deviating,
    }
}

/// The text of each input of `row` as a form shows it: [`significant`] to
/// [`DIGITS`] digits, with more digits where the rounded values would be
/// predicted differently (the verdict, any class probability, the attack it
/// looks like, the unfamiliar-traffic guard, the baseline's alarm or the
/// inputs it finds outside their band), up to the exact value. Inputs with `exact[i]` (typed by the
/// user) are written exactly. The row read back from the texts is predicted
/// exactly as `row` is.
pub fn shown_inputs(model: &Model, row: &[f64], exact: &[bool]) -> Vec<String> {
    // 17 significant digits always read back as the same f64.
    const ALL: u32 = 17;
    let text = |i: usize, d: u32| {
        if d >= ALL || exact.get(i).copied().unwrap_or(false) {
            format!("{}", row[i])
        } else {
            significant(row[i], d)
        }
    };
    let read = |t: &str, v: f64| t.parse::<f64>().unwrap_or(v);
    let target = outcome(model, row);
    let mut digits = vec![DIGITS; row.len()];
    // Each input alone: enough digits that its rounding changes nothing.
    let mut probe = row.to_vec();
    for i in 0..row.len() {
        while digits[i] < ALL {
            let v = read(&text(i, digits[i]), row[i]);
            if v == row[i] {
                break;
            }
            probe[i] = v;
            if outcome(model, &probe) == target {
                break;
            }
            digits[i] += 1;
        }
        probe[i] = row[i];
    }
    // All of them together: more digits for every rounded input until the
    // whole row is predicted the same (at worst every input exact).
    loop {
        let texts: Vec<String> = (0..row.len()).map(|i| text(i, digits[i])).collect();
        let back: Vec<f64> = texts.iter().zip(row).map(|(t, v)| read(t, *v)).collect();
        if back == row || outcome(model, &back) == target {
            return texts;
        }
        for (i, d) in digits.iter_mut().enumerate() {
            if back[i] != row[i] {
                *d = (*d + 1).min(ALL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floating-point noise the page must never show.
    fn noisy(s: &str) -> bool {
        let b = s.as_bytes();
        let Some(dot) = s.find('.') else { return false };
        let frac = &b[dot + 1..];
        frac.windows(5).any(|w| w.iter().all(|&c| c == b'9'))
            || frac
                .windows(6)
                .any(|w| w[..5].iter().all(|&c| c == b'0') && w[5] != b'0')
    }

    #[test]
    fn significant_digits_without_noise() {
        assert_eq!(significant(7736.299999999999, 4), "7736");
        assert_eq!(significant(19.666666666666668, 4), "19.67");
        assert_eq!(significant(5990421.466666667, 4), "5990421");
        assert_eq!(significant(0.7333333333333333, 4), "0.7333");
        assert_eq!(significant(0.30000000000000004, 4), "0.3");
        assert_eq!(significant(7.5, 4), "7.5");
        assert_eq!(significant(100.0, 4), "100");
        assert_eq!(significant(999.96, 4), "1000");
        assert_eq!(significant(12345.0, 4), "12345");
        assert_eq!(significant(0.0, 4), "0");
        assert_eq!(significant(-0.0, 4), "0");
        assert_eq!(significant(-19.666, 3), "-19.7");
        assert_eq!(significant(0.000123456, 4), "0.0001235");
        assert_eq!(significant(0.00000123456, 4), "1.235e-6");
        assert_eq!(significant(0.000001, 4), "1e-6");
        assert_eq!(significant(2.0 / 3.0, 1), "0.7");
        assert_eq!(significant(2.0 / 3.0, 0), "0.7");
        assert_eq!(significant(f64::INFINITY, 4), "inf");
        for v in [
            0.1 + 0.2,
            1.0 / 3.0,
            1e-9 / 3.0,
            123456.789,
            4.35e-5,
            1.0 - 1e-12,
        ] {
            let s = significant(v, 4);
            assert!(!noisy(&s), "{v} → {s}");
            let back: f64 = s.parse().unwrap();
            assert!((back - v).abs() <= v.abs() * 5e-4, "{v} → {s}");
        }
        assert!(noisy("7736.299999999999") && noisy("0.30000000000000004"));
    }

    #[test]
    fn shown_inputs_never_change_a_prediction() {
        let m = crate::model::decode(include_bytes!("../../../models/default.mwm")).unwrap();
        let medians: Vec<f64> = m.input_stats.iter().map(|s| s.median).collect();
        let mut rows = m.examples.clone();
        rows.push(medians);
        // Values a counter file gives: deltas over 15 s, noisy in binary.
        rows.push(
            m.examples[0]
                .iter()
                .map(|v| (v * 15.0 + 1.0) / 15.0)
                .collect(),
        );
        let none = vec![false; m.inputs.len()];
        let mut rounded_somewhere = false;
        for row in &rows {
            let texts = shown_inputs(&m, row, &none);
            let back: Vec<f64> = texts.iter().map(|t| t.parse().unwrap()).collect();
            let (a, b) = (m.predict(row), m.predict(&back));
            assert_eq!(a.probabilities, b.probabilities, "{texts:?}");
            assert_eq!(a.guard, b.guard);
            assert_eq!(a.verdict, b.verdict);
            assert_eq!(outcome(&m, row), outcome(&m, &back));
            rounded_somewhere |= back != *row;
            for t in &texts {
                assert!(!noisy(t), "{t}");
            }
        }
        assert!(rounded_somewhere, "the examples have digits to round");
        // Exact inputs are written exactly.
        let all = vec![true; m.inputs.len()];
        let row = &rows[rows.len() - 1];
        let texts = shown_inputs(&m, row, &all);
        assert_eq!(
            texts,
            row.iter().map(|v| format!("{v}")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_rounding_that_would_change_the_prediction_keeps_more_digits() {
        use crate::forest::{Node, Tree};
        // The default model with one stump on an input at 10.004: the value
        // 10.0041 rounds to "10" at four digits, on the split's other side.
        let mut m = crate::model::decode(include_bytes!("../../../models/default.mwm")).unwrap();
        let input = m.inputs.iter().position(|n| n == "ifInOctets11").unwrap();
        let feature = m.features.iter().position(|n| n == "ifInOctets11").unwrap();
        let Some(crate::model::Classifier::Forest { forest, .. }) = m.classifier.as_mut() else {
            panic!("the default model is a forest");
        };
        forest.trees = vec![Tree::new(vec![
            Node::Split {
                feature: feature as u32,
                threshold: 10.004,
                yes: 1,
                no: 2,
            },
            Node::leaf(0),
            Node::leaf(1),
        ])];
        let mut row = m.examples[0].clone();
        row[input] = 10.0041;
        let none = vec![false; row.len()];
        let texts = shown_inputs(&m, &row, &none);
        assert_eq!(texts[input], "10.0041");
        assert_eq!(significant(row[input], DIGITS), "10");
        let back: Vec<f64> = texts.iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(
            m.predict(&back).probabilities,
            m.predict(&row).probabilities
        );
        // Below the threshold, four digits are enough.
        row[input] = 10.00349;
        assert_eq!(shown_inputs(&m, &row, &none)[input], "10");
    }
}
