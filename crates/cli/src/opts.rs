//! `--name value` options after a command, and the options several commands
//! share (forest parameters, how a file's rows were captured, threads).

use mibwatch_core::capture::{Capture, Values};
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::ForestParams;

/// The public SNMP-MIB file was polled every 15 seconds.
pub const DEFAULT_INTERVAL: f64 = 15.0;
/// The default model's feature set: the best forest on time-ordered macro-F1
/// in `mibwatch compare` (see README).
pub const DEFAULT_FEATURES: FeatureSet = FeatureSet::IfIpMix;

pub struct Opts<'a> {
    pub args: &'a [String],
}

/// Options that take no value.
const FLAGS: [&str; 4] = ["--rates", "--no-escape", "--markdown", "--with-features"];

impl<'a> Opts<'a> {
    pub fn flag(&self, name: &str) -> bool {
        self.args.iter().any(|a| a == name)
    }

    pub fn value(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.args.iter().position(|a| a == name) {
            None => Ok(None),
            Some(i) => self
                .args
                .get(i + 1)
                .map(|s| Some(s.as_str()))
                .ok_or_else(|| format!("{name} needs a value")),
        }
    }

    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("{name}: \"{v}\" is not a valid value")),
        }
    }

    pub fn check_known(&self, known: &[&str]) -> Result<(), String> {
        let mut i = 0;
        while i < self.args.len() {
            let a = &self.args[i];
            if !known.contains(&a.as_str()) {
                return Err(format!("unknown option \"{a}\""));
            }
            i += if FLAGS.contains(&a.as_str()) { 1 } else { 2 };
        }
        Ok(())
    }

    /// `--trees`, `--seed`, `--max-depth`, `--mtry`, checked by the core's ranges.
    pub fn forest_params(&self) -> Result<ForestParams, String> {
        let d = ForestParams::default();
        let params = ForestParams {
            n_trees: self.parse("--trees")?.unwrap_or(d.n_trees),
            seed: self.parse("--seed")?.unwrap_or(d.seed),
            max_depth: self.parse("--max-depth")?,
            mtry: self.parse("--mtry")?,
            ..d
        };
        params
            .check(usize::MAX)
            .map_err(|e| format!("invalid forest parameters: {e}"))?;
        Ok(params)
    }

    /// `--features SET` (default: the default model's).
    pub fn feature_set(&self) -> Result<FeatureSet, String> {
        match self.value("--features")? {
            None => Ok(DEFAULT_FEATURES),
            Some(v) => FeatureSet::parse(v)
                .ok_or_else(|| format!("--features: unknown feature set \"{v}\"")),
        }
    }

    /// `--threads N` (default: every core).
    pub fn threads(&self) -> Result<usize, String> {
        match self.parse::<usize>("--threads")? {
            Some(0) => Err("--threads: give at least 1".into()),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }

    /// How the file's rows were captured, with `prefix` before each option
    /// name (`--` or `--train-`): `{prefix}counters S|none` (default
    /// `default_counters`; a time column alone means counters timed by it),
    /// `--rates`, `{prefix}time-column`,
    /// `{prefix}session-column`, `{prefix}session-gap`, `{prefix}entity-column`.
    pub fn capture(&self, prefix: &str, default_counters: Option<f64>) -> Result<Capture, String> {
        let key = |k: &str| format!("{prefix}{k}");
        let time_column = self.value(&key("time-column"))?.map(str::to_string);
        let counters = match self.value(&key("counters"))? {
            _ if self.flag("--rates") => None,
            Some("none") => None,
            Some(v) => Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|s| *s > 0.0 && s.is_finite())
                    .ok_or_else(|| {
                        format!(
                            "{}: \"{v}\" is neither seconds > 0 nor \"none\"",
                            key("counters")
                        )
                    })?,
            ),
            None => default_counters,
        };
        // A time column alone means counters timed by it (add --rates otherwise).
        let timed_counters = time_column.is_some()
            && !self.flag("--rates")
            && self.value(&key("counters"))? != Some("none");
        Ok(Capture {
            values: if counters.is_some() || timed_counters {
                Values::Counters
            } else {
                Values::Rates
            },
            interval: counters,
            time_column,
            session_column: self.value(&key("session-column"))?.map(str::to_string),
            session_gap_secs: self.parse(&key("session-gap"))?,
            entity_columns: self
                .value(&key("entity-column"))?
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

pub fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// Options shared by the commands that read a capture.
pub const CAPTURE_OPTIONS: [&str; 6] = [
    "--counters",
    "--rates",
    "--time-column",
    "--session-column",
    "--session-gap",
    "--entity-column",
];
