//! How long each rate row lasts, for alarm events per hour: from the
//! file's timestamps ([`crate::train::Prepared::times`]) or a fixed poll
//! interval.

use std::ops::Range;

/// Seconds each rate row covers: the step from the previous row of its
/// session in `times` (a timestamp per prepared row); a session's first row
/// takes the session's median step (or `fallback` when it has one row).
pub fn row_seconds(times: &[f64], sessions: &[Range<usize>], fallback: f64) -> Vec<f64> {
    let mut out = vec![fallback; times.len()];
    for s in sessions {
        let mut steps: Vec<f64> = (s.start + 1..s.end.min(times.len()))
            .map(|i| times[i] - times[i - 1])
            .collect();
        for (k, i) in (s.start + 1..s.end.min(times.len())).enumerate() {
            out[i] = steps[k];
        }
        steps.sort_by(f64::total_cmp);
        if let Some(&m) = steps.get(steps.len() / 2)
            && s.start < out.len()
        {
            out[s.start] = m;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn seconds_per_row_from_timestamps() {
        let s = row_seconds(&[0.0, 1.0, 2.5, 10.0, 11.0, 12.0], &[0..3, 3..6], 15.0);
        assert_eq!(s, vec![1.5, 1.0, 1.5, 1.0, 1.0, 1.0]);
        assert_eq!(row_seconds(&[5.0], &[0..1], 15.0), vec![15.0]);
    }
}
