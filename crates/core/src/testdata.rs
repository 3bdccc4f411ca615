//! Generated training data for the tests (compiled for tests only).

use crate::split::Rng;

/// Two noisy gaussian-ish blobs per class from a fixed xorshift stream:
/// three features, row-major.
pub fn blobs(n_per_class: usize, n_classes: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut s = seed | 1;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Vec::new();
    let mut y = Vec::new();
    for c in 0..n_classes {
        for _ in 0..n_per_class {
            x.push(c as f64 * 2.0 + rnd() * 2.5);
            x.push(rnd() * 10.0);
            x.push((c % 2) as f64 + rnd());
            y.push(c as u32);
        }
    }
    (x, y)
}

/// `n` rows of `f` features and `k` classes: features 0 and 1 carry the
/// class, the rest is noise, some of it with few distinct values.
pub fn noisy(n: usize, f: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(n * f);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.below(k);
        for j in 0..f {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            x.push(match j {
                0 => c as f64 + u * 1.5,
                1 => (c * c) as f64 * 0.3 + u,
                _ if j % 3 == 0 => (u * 4.0).floor(),
                _ => u * 1e6,
            });
        }
        y.push(c as u32);
    }
    (x, y)
}
