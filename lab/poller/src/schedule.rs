//! The campaign schedule: every class recorded in several sessions, in a
//! seed-shuffled order where no class follows itself, so a class's sessions
//! are spread over the whole campaign (grouped evaluation by session needs
//! that) while normal background traffic runs throughout.

use crate::rng::Rng;

/// The public dataset's classes (`class` column of `data/snmp-mib/all_data.csv`).
pub const CLASSES: [&str; 8] = [
    "normal",
    "icmp-echo",
    "tcp-syn",
    "udp-flood",
    "httpFlood",
    "slowloris",
    "slowpost",
    "bruteForce",
];

/// One recording block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based, in schedule order: the `session` column of the lab CSV.
    pub session: u32,
    pub class: String,
}

/// `sessions_per_class` blocks of each class, shuffled by `seed`, with no two
/// consecutive blocks of one class (when there are at least two classes).
pub fn plan(seed: u64, classes: &[&str], sessions_per_class: usize) -> Vec<Block> {
    let mut order: Vec<&str> = classes
        .iter()
        .flat_map(|c| std::iter::repeat_n(*c, sessions_per_class))
        .collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    // Break up repeats: swap a repeated block with the nearest later block
    // that fits; if none fits, with an earlier one.
    for i in 1..order.len() {
        if order[i] != order[i - 1] {
            continue;
        }
        let fits = |o: &[&str], j: usize, at: usize| {
            o[j] != o[at - 1] && (at + 1 >= o.len() || o[j] != o[at + 1])
        };
        if let Some(j) = (i + 1..order.len()).find(|&j| fits(&order, j, i)) {
            order.swap(i, j);
        } else if let Some(j) = (0..i).find(|&j| {
            order[j] != order[i]
                && (j == 0 || order[j - 1] != order[i])
                && (j + 1 >= order.len() || order[j + 1] != order[i])
                && order[j] != order[i - 1]
        }) {
            order.swap(i, j);
        }
    }
    order
        .into_iter()
        .enumerate()
        .map(|(i, c)| Block {
            session: i as u32 + 1,
            class: c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_the_public_datasets() {
        assert_eq!(CLASSES, mibwatch_core::schema::DATASET_CLASSES);
    }

    #[test]
    fn balanced_seeded_and_interleaved() {
        for seed in 0..50 {
            let p = plan(seed, &CLASSES, 6);
            assert_eq!(p.len(), 48);
            for c in CLASSES {
                assert_eq!(p.iter().filter(|b| b.class == c).count(), 6, "seed {seed}");
            }
            for w in p.windows(2) {
                assert_ne!(w[0].class, w[1].class, "seed {seed}: {p:?}");
            }
            assert!(p.iter().enumerate().all(|(i, b)| b.session == i as u32 + 1));
            assert_eq!(p, plan(seed, &CLASSES, 6));
        }
        assert_ne!(plan(1, &CLASSES, 6), plan(2, &CLASSES, 6));
    }

    #[test]
    fn small_plans() {
        let p = plan(3, &["normal", "tcp-syn"], 2);
        assert_eq!(p.len(), 4);
        assert_ne!(p[0].class, p[1].class);
        assert_eq!(plan(3, &["normal"], 3).len(), 3);
        assert!(plan(3, &CLASSES, 0).is_empty());
    }
}
