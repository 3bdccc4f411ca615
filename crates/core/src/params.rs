//! The forest's hyperparameters: their defaults, the range each may take,
//! and the one check of a parameter set. The page's settings form and the
//! CLI's options both read their bounds and hints from [`RANGES`].

use serde::{Deserialize, Serialize};

/// Hyperparameters of the forest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForestParams {
    pub n_trees: u16,
    /// Maximum depth of a tree; `None` grows until leaves are pure.
    pub max_depth: Option<u16>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    /// Features drawn as split candidates (mtry); `None` = ⌊√features⌋.
    pub mtry: Option<usize>,
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: 100,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            mtry: None,
            seed: 42,
        }
    }
}

/// Candidate features per split: `params.mtry`, or ⌊√features⌋ (at least 1).
pub fn mtry(params: &ForestParams, n_features: usize) -> usize {
    params
        .mtry
        .unwrap_or_else(|| ((n_features as f64).sqrt() as usize).max(1))
        .clamp(1, n_features)
}

/// The values one setting may take, for forms and option parsing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The setting's label, as the page shows it and messages name it.
    pub name: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whether only whole numbers are accepted.
    pub integer: bool,
    /// One line shown beside the setting.
    pub hint: &'static str,
}

impl Range {
    /// `raw` as a value of this setting, or the sentence saying why not.
    pub fn parse(&self, raw: &str) -> Result<f64, String> {
        let v: f64 = raw
            .trim()
            .parse()
            .map_err(|_| format!("{}: \"{}\" is not a number.", self.name, raw.trim()))?;
        if !v.is_finite() || v < self.min || v > self.max || (self.integer && v.fract() != 0.0) {
            let kind = if self.integer {
                "a whole number"
            } else {
                "a number"
            };
            return Err(format!(
                "{}: enter {kind} from {} to {}.",
                self.name, self.min, self.max
            ));
        }
        Ok(v)
    }
}

pub const TREES: Range = Range {
    name: "Trees",
    min: 1.0,
    max: crate::limits::MAX_TREES as f64,
    integer: true,
    hint: "More trees: steadier probabilities, slower training.",
};
pub const MAX_DEPTH: Range = Range {
    name: "Max depth",
    min: 1.0,
    max: 64.0,
    integer: true,
    hint: "Empty: grow until leaves are pure.",
};
pub const MIN_SAMPLES_LEAF: Range = Range {
    name: "Min samples per leaf",
    min: 1.0,
    max: 10_000.0,
    integer: true,
    hint: "Larger: smoother, less overfitted trees.",
};
pub const MTRY: Range = Range {
    name: "Features per split",
    min: 1.0,
    max: crate::limits::MAX_COLUMNS as f64,
    integer: true,
    hint: "Empty: √(features), like scikit-learn.",
};
pub const TEST_FRACTION: Range = Range {
    name: "Test fraction",
    min: 0.05,
    max: 0.5,
    integer: false,
    hint: "Share of each capture held out (the last part, in time order).",
};
pub const SEED: Range = Range {
    name: "Seed",
    min: 0.0,
    max: 9_007_199_254_740_991.0,
    integer: true,
    hint: "Same seed, same data: the same forest.",
};
pub const CV_FOLDS: Range = Range {
    name: "Cross-validation folds",
    min: 2.0,
    max: 10.0,
    integer: true,
    hint: "Empty: no cross-validation. Time-blocked folds, mean ± std.",
};
pub const POLL_INTERVAL: Range = Range {
    name: "Polling interval",
    min: 0.001,
    max: 86_400.0,
    integer: false,
    hint: "Seconds between polls, for files of cumulative counters.",
};

/// Workers (threads, or Web Workers on the page) one training may use; the
/// forest is the same on any number.
pub const WORKERS: Range = Range {
    name: "Workers",
    min: 1.0,
    max: 64.0,
    integer: true,
    hint: "Empty: every core this device offers. The forest is identical on any number.",
};

/// The false-alarm target of a baseline of normal traffic, in percent of
/// normal polls held out from the fit ("Learn your normal").
pub const FALSE_ALARM_TARGET: Range = Range {
    name: "False-alarm target (%)",
    min: 0.1,
    max: 20.0,
    integer: false,
    hint: "Share of held-out normal polls allowed to raise an alarm.",
};

/// Every range, in the order the settings form shows them.
pub const RANGES: [Range; 8] = [
    TREES,
    MAX_DEPTH,
    MIN_SAMPLES_LEAF,
    MTRY,
    TEST_FRACTION,
    SEED,
    CV_FOLDS,
    POLL_INTERVAL,
];

impl ForestParams {
    /// The one check of a parameter set for `n_features` features.
    pub fn check(&self, n_features: usize) -> Result<(), String> {
        if self.n_trees == 0 || self.n_trees > crate::limits::MAX_TREES {
            return Err(format!(
                "the number of trees must be between 1 and {}",
                crate::limits::MAX_TREES
            ));
        }
        if self.min_samples_leaf == 0 || self.min_samples_split < 2 {
            return Err("min samples per leaf must be ≥ 1 and per split ≥ 2".into());
        }
        if let Some(m) = self.mtry
            && (m == 0 || m > n_features)
        {
            return Err(format!(
                "features per split must be between 1 and {n_features}"
            ));
        }
        if self.max_depth == Some(0) {
            return Err("max depth must be ≥ 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_explain() {
        assert_eq!(TREES.parse(" 250 "), Ok(250.0));
        assert_eq!(
            TREES.parse("0"),
            Err("Trees: enter a whole number from 1 to 1000.".into())
        );
        assert_eq!(
            TREES.parse("2.5").unwrap_err(),
            "Trees: enter a whole number from 1 to 1000."
        );
        assert_eq!(
            TREES.parse("many").unwrap_err(),
            "Trees: \"many\" is not a number."
        );
        assert_eq!(TEST_FRACTION.parse("0.3"), Ok(0.3));
        assert!(TEST_FRACTION.parse("0.9").is_err());
        assert!(POLL_INTERVAL.parse("inf").is_err());
        assert_eq!(FALSE_ALARM_TARGET.parse("1"), Ok(1.0));
        assert_eq!(
            FALSE_ALARM_TARGET.parse("50").unwrap_err(),
            "False-alarm target (%): enter a number from 0.1 to 20."
        );
    }

    #[test]
    fn the_check_names_what_is_wrong() {
        let ok = ForestParams::default();
        assert_eq!(ok.check(3), Ok(()));
        assert!(
            ForestParams {
                n_trees: 0,
                ..ok.clone()
            }
            .check(3)
            .unwrap_err()
            .contains("trees")
        );
        assert!(
            ForestParams {
                mtry: Some(4),
                ..ok.clone()
            }
            .check(3)
            .unwrap_err()
            .contains("between 1 and 3")
        );
        assert!(
            ForestParams {
                max_depth: Some(0),
                ..ok.clone()
            }
            .check(3)
            .is_err()
        );
        assert!(
            ForestParams {
                min_samples_leaf: 0,
                ..ok
            }
            .check(3)
            .is_err()
        );
        assert_eq!(mtry(&ForestParams::default(), 34), 5);
        assert_eq!(
            mtry(
                &ForestParams {
                    mtry: Some(50),
                    ..ForestParams::default()
                },
                34
            ),
            34
        );
    }
}
