//! A row's deviations in plain words, naming the inputs the user knows with
//! numbers in the inputs' units: "ipInReceives is 60× above your normal
//! (5,000/s vs normal 12–80/s)", "tcpCurrEstab 7 vs normal 4–6".

use super::score::{Deviation, Direction, RowScore};
use super::{Baseline, Unit};

/// Below this factor the sentence gives the numbers only, no "N× above".
const FACTOR_WORDS_FROM: f64 = 2.0;

/// A number for people: thousands separated, about three significant digits.
pub fn human(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a >= 1e12 {
        return format!("{v:.2e}");
    }
    let text = if a >= 100.0 || a == 0.0 {
        return group_thousands(v.round());
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        // Two significant digits below 1.
        let digits = (-a.log10().floor()) as usize + 1;
        format!("{v:.digits$}")
    };
    trim_zeros(&text)
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn group_thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    out
}

fn times(f: f64) -> String {
    if f >= 10.0 {
        format!("{}×", group_thousands(f.round()))
    } else {
        format!("{}×", trim_zeros(&format!("{f:.1}")))
    }
}

/// A band's edge for display: rates and gauges are never negative.
fn edge(v: f64, unit: Unit) -> f64 {
    match unit {
        Unit::PerSecond | Unit::Count => v.max(0.0),
    }
}

impl Baseline {
    /// The normal band of input `j` in words: "12–80/s".
    pub fn band_words(&self, j: usize) -> String {
        let unit = self.features[j].unit;
        let (lo, hi) = self.band(j);
        let (lo, hi) = (edge(lo, unit), edge(hi, unit));
        if human(lo) == human(hi) {
            format!("{}{}", human(hi), unit.suffix())
        } else {
            format!("{}–{}{}", human(lo), human(hi), unit.suffix())
        }
    }

    /// One deviation in plain words.
    pub fn describe(&self, d: &Deviation) -> String {
        let f = &self.features[d.feature];
        let unit = f.unit.suffix();
        let (lo, hi) = self.band(d.feature);
        let (lo, hi) = (edge(lo, f.unit), edge(hi, f.unit));
        let numbers = format!(
            "{}{unit} vs normal {}",
            human(d.value),
            self.band_words(d.feature)
        );
        let factor = match d.direction {
            Direction::Above if hi > 0.0 => d.value / hi,
            Direction::Below if d.value > 0.0 => lo / d.value,
            _ => 0.0,
        };
        if factor >= FACTOR_WORDS_FROM && factor.is_finite() {
            let side = match d.direction {
                Direction::Above => "above",
                Direction::Below => "below",
            };
            format!(
                "{} is {} {side} your normal ({numbers})",
                f.name,
                times(factor)
            )
        } else {
            format!("{} {numbers}", f.name)
        }
    }

    /// A compact cell for a scored CSV: the deviating inputs, largest first,
    /// "ipInReceives above ×62; tcpCurrEstab above ×9.5" (the factor beyond
    /// the band's edge on the 1 + value scale, as in the score); empty when
    /// the row is no alarm.
    pub fn deviating_cell(&self, s: &RowScore, max: usize) -> String {
        s.deviations
            .iter()
            .take(max)
            .map(|d| {
                let side = match d.direction {
                    Direction::Above => "above",
                    Direction::Below => "below",
                };
                let f = 10f64.powf(d.excess);
                let f = if f >= 10.0 {
                    group_thousands(f.round())
                } else {
                    trim_zeros(&format!("{f:.1}"))
                };
                format!("{} {side} ×{f}", self.features[d.feature].name)
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The reasons of a scored row, largest deviation first, at most `max`.
    pub fn reasons(&self, s: &RowScore, max: usize) -> Vec<String> {
        s.deviations
            .iter()
            .take(max)
            .map(|d| self.describe(d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(human(0.0), "0");
        assert_eq!(human(5000.0), "5,000");
        assert_eq!(human(1234567.4), "1,234,567");
        assert_eq!(human(404.0), "404");
        assert_eq!(human(12.34), "12.3");
        assert_eq!(human(12.0), "12");
        assert_eq!(human(4.5), "4.5");
        assert_eq!(human(0.0667), "0.067");
        assert_eq!(human(0.5), "0.5");
        assert_eq!(human(-2500.0), "-2,500");
        assert_eq!(times(62.5), "63×");
        assert_eq!(times(2.04), "2×");
        assert_eq!(times(3.46), "3.5×");
        assert_eq!(times(1500.0), "1,500×");
    }
}
