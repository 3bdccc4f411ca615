//! Behaviour of the baseline as a whole, on rows it was not fitted on.

#![allow(clippy::single_range_in_vec_init)]

use std::cell::RefCell;
use std::collections::HashSet;

use super::*;
use crate::split::Rng;

const NAMES: [&str; 5] = [
    "ipInReceives",
    "tcpInSegs",
    "udpInDatagrams",
    "icmpInMsgs",
    "tcpCurrEstab",
];

fn names() -> Vec<String> {
    NAMES.iter().map(|s| s.to_string()).collect()
}

/// `sessions` sessions of `rows` polls of ordinary host traffic: rates that
/// drift slowly with noise, an occasional ping, a handful of connections.
fn normal_rows(seed: u64, sessions: usize, rows: usize) -> (Vec<f64>, Vec<Range<usize>>) {
    let mut rng = Rng::new(seed);
    let mut unit = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut x = Vec::new();
    let mut groups = Vec::new();
    for s in 0..sessions {
        let start = s * rows;
        for i in 0..rows {
            let drift = 1.0 + 0.5 * ((i as f64 / 120.0) + s as f64).sin();
            let noise = |u: f64| 0.7 + 0.6 * u;
            let ip = 20.0 * drift * noise(unit());
            x.push(ip);
            x.push(ip * 0.6 * noise(unit()));
            x.push(ip * 0.35 * noise(unit()));
            x.push(if unit() < 0.1 {
                1.0 + (unit() * 3.0).floor()
            } else {
                0.0
            });
            x.push(4.0 + (unit() * 3.0).floor());
        }
        groups.push(start..start + rows);
    }
    (x, groups)
}

fn fitted() -> Baseline {
    let (x, groups) = normal_rows(1, 4, 300);
    Baseline::fit(&x, &names(), &groups, &BaselineOptions::default()).unwrap()
}

#[test]
fn fresh_normal_rows_rarely_alarm() {
    let b = fitted();
    assert_eq!(b.calibration.holdout, Holdout::BySession);
    assert!(
        b.calibration.heldout_rate() <= 0.01,
        "{}",
        b.calibration.describe()
    );
    // Rows from another seed: never fitted, never calibrated on.
    let (fresh, _) = normal_rows(99, 2, 300);
    let alarms = fresh.chunks_exact(5).filter(|r| b.is_alarm(r)).count();
    assert!(alarms <= 12, "{alarms} of 600 fresh normal rows alarm");
    assert!(b.validate().is_ok());
}

#[test]
fn both_directions_on_rows_not_fitted_on() {
    let b = fitted();
    let (fresh, _) = normal_rows(7, 1, 50);
    let row = fresh[..5].to_vec();
    assert!(!b.is_alarm(&row), "{:?}", b.score(&row));
    // Far above: an ICMP flood.
    let mut up = row.clone();
    up[0] = 20_000.0;
    up[3] = 19_000.0;
    let s = b.score(&up);
    assert!(s.alarm && s.score > 2.0, "{s:?}");
    assert_eq!(s.deviations[0].direction, Direction::Above);
    assert!([0, 3].contains(&s.deviations[0].feature));
    assert_eq!(s.deviations.len(), 2);
    let cell = b.deviating_cell(&s, 3);
    assert!(
        cell.contains("icmpInMsgs above ×") && cell.contains("; ipInReceives above ×"),
        "{cell}"
    );
    assert_eq!(b.deviating_cell(&b.score(&row), 3), "");
    let words = b.reasons(&s, 3);
    assert!(
        words.iter().any(|w| w.starts_with("icmpInMsgs is ")
            && w.contains("× above your normal (19,000/s vs normal ")),
        "{words:?}"
    );
    // Far below: the host stopped receiving.
    let mut down = row.clone();
    down[0] = 0.2;
    down[1] = 0.1;
    let s = b.score(&down);
    assert!(s.alarm, "{s:?}");
    assert_eq!(s.deviations.len(), 2, "{s:?}");
    assert!(s.deviations.iter().all(|d| d.direction == Direction::Below));
    assert_eq!(s.deviations[0].feature, 0, "{s:?}");
    let words = b.reasons(&s, 3);
    assert!(
        words[0].starts_with("ipInReceives is ")
            && words[0].contains("× below your normal (0.2/s vs normal "),
        "{words:?}"
    );
    assert!(words[1].starts_with("tcpInSegs is "), "{words:?}");
}

#[test]
fn a_moderate_shift_of_one_input_raises_an_alarm_naming_it() {
    let b = fitted();
    let (fresh, _) = normal_rows(11, 1, 200);
    for (j, name) in NAMES.iter().enumerate() {
        // Three times the top of the fitted normal range (the quantile range
        // with its margin, before the calibrated tolerance).
        let top = ranges::unslog(b.features[j].hi);
        let mut shifted = 0;
        for row in fresh.chunks_exact(5).filter(|r| !b.is_alarm(r)).take(20) {
            let mut r = row.to_vec();
            r[j] = 3.0 * top.max(1.0);
            let s = b.score(&r);
            assert!(s.alarm, "{name} ×3: {s:?} (tolerance {})", b.tolerance);
            assert_eq!(s.deviations.len(), 1, "{s:?}");
            assert_eq!(s.deviations[0].feature, j);
            assert_eq!(s.deviations[0].direction, Direction::Above);
            let words = b.reasons(&s, 3);
            assert!(words[0].starts_with(name), "{words:?}");
            shifted += 1;
        }
        assert_eq!(shifted, 20);
    }
    // tcpCurrEstab, a gauge: no "/s".
    let mut r = fresh[..5].to_vec();
    r[4] = 400.0;
    let w = b.reasons(&b.score(&r), 1);
    assert!(
        w[0].starts_with("tcpCurrEstab is ") && w[0].contains("(400 vs normal "),
        "{w:?}"
    );
    assert!(!w[0].contains("/s"), "{w:?}");
}

/// Calibration scores each held-out row with a detector fitted without it:
/// a spy detector remembers its fitting rows and fails on any of them.
#[test]
fn calibration_never_scores_a_row_it_was_fitted_on() {
    let rows = 120;
    let x: Vec<f64> = (0..rows).map(|i| i as f64).collect();
    let scored = RefCell::new(Vec::new());
    for sessions in [vec![0..40, 40..70, 70..120], vec![0..120]] {
        scored.borrow_mut().clear();
        let fit = |xtr: &[f64]| xtr.iter().map(|&v| v as usize).collect::<HashSet<_>>();
        let score = |seen: &HashSet<usize>, row: &[f64]| {
            let id = row[0] as usize;
            assert!(
                !seen.contains(&id),
                "row {id} scored by a detector fitted on it"
            );
            scored.borrow_mut().push(id);
            id as f64
        };
        let (t, c) = calibrate::calibrate(&x, 1, &sessions, 5, 0.05, &fit, &score).unwrap();
        // Every row scored exactly once, out of fold.
        let mut ids = scored.borrow().clone();
        ids.sort_unstable();
        assert_eq!(ids, (0..rows).collect::<Vec<_>>());
        assert_eq!(c.heldout_rows, rows as u64);
        // 5% of 120 = 6 rows above: ids 114..=119.
        assert_eq!(t, 113.0);
        assert_eq!(c.heldout_alarms, 6);
    }
}

/// Sessions at different levels: fitted on all rows (in-sample) every row is
/// inside its range and the tolerance would be 0; held out, a session at a
/// level the others never reached is outside, so the tolerance must grow.
#[test]
fn the_tolerance_comes_from_held_out_sessions_not_in_sample() {
    let mut x = Vec::new();
    let mut groups = Vec::new();
    for (s, level) in [10.0, 12.0, 15.0, 18.0].iter().enumerate() {
        for i in 0..50 {
            x.push(level + (i % 5) as f64 * 0.1);
        }
        groups.push(s * 50..(s + 1) * 50);
    }
    let names = vec!["ipInReceives".to_string()];
    let in_sample = ranges::fit_ranges(&x, &names, &RangeParams::default());
    assert!(
        x.iter()
            .all(|&v| score::raw_excess(&in_sample, &[v]) == 0.0)
    );
    let b = Baseline::fit(&x, &names, &groups, &BaselineOptions::default()).unwrap();
    assert!(b.tolerance > 0.05, "tolerance {}", b.tolerance);
    assert!(b.calibration.heldout_rate() <= 0.01);
    // The fitted (final) range is from all rows; the band adds the tolerance.
    let (lo, hi) = b.band(0);
    assert!(lo < 10.0 && hi > 18.4, "{lo}..{hi}");
}

#[test]
fn single_session_calibrates_by_blocks_of_time() {
    let (x, _) = normal_rows(5, 1, 400);
    let b = Baseline::fit(&x, &names(), &[], &BaselineOptions::default()).unwrap();
    assert_eq!(b.calibration.holdout, Holdout::ByTime);
    assert_eq!(b.calibration.folds, 5);
    assert_eq!(b.calibration.heldout_rows, 400);
    assert!(
        b.calibration
            .describe()
            .contains("contiguous blocks of time")
    );
}

#[test]
fn noisy_single_polls_become_few_events() {
    let (x, groups) = normal_rows(1, 4, 300);
    let b = Baseline::fit(&x, &names(), &groups, &BaselineOptions::default()).unwrap();
    assert_eq!(b.rule, AlarmRule::THREE_OF_FIVE);
    let (fresh, _) = normal_rows(3, 1, 600);
    let mut rows: Vec<Vec<f64>> = fresh.chunks_exact(5).map(|r| r.to_vec()).collect();
    // Three isolated one-poll blips and one 30-poll flood.
    for i in [50, 200, 350] {
        rows[i][2] = 5_000.0;
    }
    for r in rows.iter_mut().skip(400).take(30) {
        r[2] = 5_000.0;
    }
    let alarms: Vec<bool> = rows.iter().map(|r| b.is_alarm(r)).collect();
    assert!(AlarmRule::EVERY_POLL.events(&alarms) >= 4);
    assert_eq!(b.rule.events(&alarms), 1, "{alarms:?}");
    let on = b.rule.in_alarm(&alarms);
    assert!(on[402..430].iter().all(|&a| a));
}

#[test]
fn bad_options_and_too_few_rows_are_errors_with_sentences() {
    let (x, groups) = normal_rows(1, 2, 30);
    let names = names();
    let e = Baseline::fit(&x[..50], &names, &[], &BaselineOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "10 normal row(s) to learn from; at least 20 are needed, so that some can be held out to set the alarm threshold."
    );
    let e = Baseline::fit(
        &x,
        &names,
        &groups,
        &BaselineOptions {
            false_alarm_rate: 0.0,
            ..BaselineOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("above 0 and below 0.5"), "{e}");
    let e = Baseline::fit(
        &x,
        &names,
        &groups,
        &BaselineOptions {
            rule: AlarmRule { m: 4, n: 2 },
            ..BaselineOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("1 ≤ m ≤ n"), "{e}");
    assert!(matches!(
        Baseline::fit(&x[..7], &names, &[], &BaselineOptions::default()),
        Err(BaselineError::RaggedRows { .. })
    ));
    assert_eq!(
        Baseline::fit(&x, &[], &[], &BaselineOptions::default()),
        Err(BaselineError::NoInputs)
    );
}

#[test]
fn serde_round_trip_and_validation() {
    let b = fitted();
    let bytes = postcard::to_allocvec(&b).unwrap();
    let back: Baseline = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, b);
    let json = serde_json::to_string(&b).unwrap();
    assert_eq!(serde_json::from_str::<Baseline>(&json).unwrap(), b);
    let mut bad = b.clone();
    bad.features[2].lo = bad.features[2].hi + 1.0;
    assert!(bad.validate().unwrap_err().contains("udpInDatagrams"));
    let mut bad = b.clone();
    bad.tolerance = f64::NAN;
    assert!(bad.validate().is_err());
    let mut bad = b;
    bad.rule = AlarmRule { m: 0, n: 1 };
    assert!(bad.validate().is_err());
}
