//! Train/test splits: stratified random and time-ordered (per capture session),
//! and the seeded generator behind them.

use std::ops::Range;

/// Small deterministic generator (SplitMix64) for splits and permutations.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Row indices on each side of a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// How many of `n` rows go to the test side: at least one on each side when n ≥ 2.
fn test_count(n: usize, test_fraction: f64) -> usize {
    if n < 2 {
        return 0;
    }
    ((n as f64 * test_fraction).round() as usize).clamp(1, n - 1)
}

/// Random split that keeps each class's share on both sides.
pub fn stratified_split(labels: &[u32], test_fraction: f64, seed: u64) -> Split {
    let n_classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut rng = Rng::new(seed);
    let mut split = Split {
        train: Vec::new(),
        test: Vec::new(),
    };
    for c in 0..n_classes {
        let mut idx: Vec<usize> = (0..labels.len())
            .filter(|&i| labels[i] == c as u32)
            .collect();
        rng.shuffle(&mut idx);
        let k = test_count(idx.len(), test_fraction);
        split.test.extend_from_slice(&idx[..k]);
        split.train.extend_from_slice(&idx[k..]);
    }
    split.train.sort_unstable();
    split.test.sort_unstable();
    split
}

/// Time-ordered split: the first part of each session trains, the last
/// `test_fraction` of it tests. Nothing from a session's future trains a model
/// that is tested on its past.
pub fn time_ordered_split(sessions: &[Range<usize>], test_fraction: f64) -> Split {
    let mut split = Split {
        train: Vec::new(),
        test: Vec::new(),
    };
    for s in sessions {
        let k = test_count(s.len(), test_fraction);
        let cut = s.end - k;
        split.train.extend(s.start..cut);
        split.test.extend(cut..s.end);
    }
    split
}

/// Capture sessions as contiguous runs of equal keys (a label column in a file
/// that stores one session per class as a block, or a session-id column).
pub fn sessions_by_key<T: PartialEq>(keys: &[T]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=keys.len() {
        if i == keys.len() || keys[i] != keys[start] {
            if i > start {
                out.push(start..i);
            }
            start = i;
        }
    }
    out
}

/// Capture sessions from timestamps: a new session starts where the label
/// changes or more than `gap` seconds pass between consecutive rows.
pub fn sessions_by_gaps<T: PartialEq>(keys: &[T], times: &[f64], gap: f64) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let n = keys.len().min(times.len());
    for i in 1..=n {
        // A NaN or negative step also starts a new session.
        let step = if i < n { times[i] - times[i - 1] } else { 0.0 };
        let within = step >= 0.0 && step <= gap;
        if i == n || keys[i] != keys[start] || !within {
            out.push(start..i);
            start = i;
        }
    }
    out
}

/// Sessions per class (`labels` per row; a session's class is its first row's).
pub fn sessions_per_class(
    sessions: &[Range<usize>],
    labels: &[u32],
    n_classes: usize,
) -> Vec<usize> {
    let mut count = vec![0; n_classes];
    for s in sessions {
        if let Some(&l) = labels.get(s.start)
            && (l as usize) < n_classes
        {
            count[l as usize] += 1;
        }
    }
    count
}

/// Grouped k-fold by session: every session lies wholly in one fold; each
/// class's sessions are dealt to the folds in turn. Returns one split per fold
/// (folds with no test rows are left out).
pub fn session_folds(sessions: &[Range<usize>], labels: &[u32], k: usize) -> Vec<Split> {
    let k = k.max(2);
    let mut fold_of = vec![0usize; sessions.len()];
    let mut next: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (si, s) in sessions.iter().enumerate() {
        let class = labels.get(s.start).copied().unwrap_or(0);
        let slot = next.entry(class).or_insert(class as usize % k);
        fold_of[si] = *slot % k;
        *slot += 1;
    }
    (0..k)
        .map(|f| {
            let mut split = Split {
                train: Vec::new(),
                test: Vec::new(),
            };
            for (si, s) in sessions.iter().enumerate() {
                if fold_of[si] == f {
                    split.test.extend(s.clone());
                } else {
                    split.train.extend(s.clone());
                }
            }
            split
        })
        .filter(|s| !s.test.is_empty())
        .collect()
}

/// Time-blocked k-fold: each session is cut into `k` contiguous chunks and
/// fold `i` tests chunk `i` of every session, training on the rest. Rows next
/// in time stay together, unlike a shuffled k-fold.
pub fn blocked_kfold(sessions: &[Range<usize>], k: usize) -> Vec<Split> {
    let k = k.max(2);
    (0..k)
        .map(|f| {
            let mut split = Split {
                train: Vec::new(),
                test: Vec::new(),
            };
            for s in sessions {
                let n = s.len();
                let (a, b) = (s.start + n * f / k, s.start + n * (f + 1) / k);
                split.train.extend(s.start..a);
                split.test.extend(a..b);
                split.train.extend(b..s.end);
            }
            split
        })
        .filter(|s| !s.test.is_empty() && !s.train.is_empty())
        .collect()
}

/// Rows `idx` of a row-major matrix.
pub fn take_rows(x: &[f64], n_features: usize, idx: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(idx.len() * n_features);
    for &i in idx {
        out.extend_from_slice(&x[i * n_features..(i + 1) * n_features]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_from_runs_and_gaps() {
        let keys = ["a", "a", "b", "b", "b", "a"];
        assert_eq!(sessions_by_key(&keys), vec![0..2, 2..5, 5..6]);
        let t = [0.0, 15.0, 30.0, 45.0, 500.0, 515.0];
        assert_eq!(
            sessions_by_gaps(&keys, &t, 60.0),
            vec![0..2, 2..4, 4..5, 5..6]
        );
        let labels = [0, 0, 1, 1, 1, 0];
        assert_eq!(
            sessions_per_class(&sessions_by_key(&keys), &labels, 2),
            vec![2, 1]
        );
    }

    #[test]
    fn blocked_kfold_tests_each_row_once_in_contiguous_chunks() {
        let sessions = vec![0..10, 10..25];
        let folds = blocked_kfold(&sessions, 3);
        assert_eq!(folds.len(), 3);
        assert_eq!(
            folds[0].test,
            [(0..3).collect::<Vec<_>>(), (10..15).collect()].concat()
        );
        let mut tested: Vec<usize> = folds.iter().flat_map(|f| f.test.clone()).collect();
        tested.sort();
        assert_eq!(tested, (0..25).collect::<Vec<_>>());
        for f in &folds {
            assert_eq!(f.train.len() + f.test.len(), 25);
        }
    }

    #[test]
    fn session_folds_never_split_a_session() {
        // Three classes, three sessions each, of varying lengths.
        let mut labels = Vec::new();
        let mut sessions = Vec::new();
        for rep in 0..3 {
            for c in 0..3u32 {
                let start = labels.len();
                labels.extend(std::iter::repeat_n(c, 5 + rep * 2 + c as usize));
                sessions.push(start..labels.len());
            }
        }
        let folds = session_folds(&sessions, &labels, 3);
        assert_eq!(folds.len(), 3);
        let mut tested = vec![0; labels.len()];
        for f in &folds {
            for s in &sessions {
                let in_test = s.clone().filter(|i| f.test.contains(i)).count();
                let in_train = s.clone().filter(|i| f.train.contains(i)).count();
                assert!(
                    (in_test == s.len() && in_train == 0) || (in_test == 0 && in_train == s.len()),
                    "session {s:?} split across sides"
                );
            }
            // Every class keeps a session on the training side.
            for c in 0..3 {
                assert!(f.train.iter().any(|&i| labels[i] == c));
            }
            for &i in &f.test {
                tested[i] += 1;
            }
        }
        assert!(
            tested.iter().all(|&t| t == 1),
            "each row is tested exactly once"
        );
    }

    #[test]
    fn stratified_split_keeps_class_shares_and_is_seeded() {
        let labels: Vec<u32> = (0..100).map(|i| if i < 80 { 0 } else { 1 }).collect();
        let s = stratified_split(&labels, 0.3, 1);
        assert_eq!(s.test.iter().filter(|&&i| labels[i] == 0).count(), 24);
        assert_eq!(s.test.iter().filter(|&&i| labels[i] == 1).count(), 6);
        assert_eq!(s.train.len() + s.test.len(), 100);
        let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(s, stratified_split(&labels, 0.3, 1));
        assert_ne!(s, stratified_split(&labels, 0.3, 2));
    }

    #[test]
    fn time_ordered_split_tests_the_end_of_each_session() {
        let s = time_ordered_split(&[0..10, 10..30], 0.3);
        assert_eq!(
            s.train,
            [(0..7).collect::<Vec<_>>(), (10..24).collect()].concat()
        );
        assert_eq!(
            s.test,
            [(7..10).collect::<Vec<_>>(), (24..30).collect()].concat()
        );
    }
}
