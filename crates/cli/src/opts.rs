//! `--name value` options after a command, and the options several commands
//! share (forest parameters, how a file's rows were captured, threads).

use mibwatch_core::capture::{Capture, Values};
use mibwatch_core::export::{Export, FileChoices, InterfaceChoice};
use mibwatch_core::features::FeatureSet;
use mibwatch_core::forest::ForestParams;
use mibwatch_core::rates::SeriesKind;

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
            ..Capture::default()
        })
    }
}

pub fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// Options shared by the commands that read a capture.
pub const CAPTURE_OPTIONS: [&str; 7] = [
    "--counters",
    "--rates",
    "--time-column",
    "--session-column",
    "--session-gap",
    "--entity-column",
    "--interface",
];

impl Opts<'_> {
    /// The user's choices for reading a file and capturing its rows, for
    /// the core's [`FileChoices`] (the page's controls give the same):
    /// `--interface busiest|every|NAME`, `--rates`, `--counters S`,
    /// `--label`, `--time-column`, `--session-column`, `--session-gap`,
    /// `--entity-column`.
    pub fn file_choices(&self) -> Result<FileChoices, String> {
        let label = self
            .value("--label")?
            .unwrap_or(mibwatch_core::schema::LABEL_COLUMN);
        let interface = match self.value("--interface")? {
            None | Some("busiest") => InterfaceChoice::Busiest,
            Some("every") => InterfaceChoice::Every,
            Some(name) => InterfaceChoice::Named(name.to_string()),
        };
        let kind = if self.flag("--rates") {
            Some(SeriesKind::Rate)
        } else if self.value("--counters")?.is_some() {
            Some(SeriesKind::Counter)
        } else {
            None
        };
        let given = self.capture("--", None)?;
        Ok(FileChoices {
            label_column: label.to_string(),
            format: None,
            kind,
            interval: self.parse::<f64>("--counters").ok().flatten(),
            interface,
            values: if self.flag("--rates") {
                Some(Values::Rates)
            } else if given.values == Values::Counters {
                Some(Values::Counters)
            } else {
                None
            },
            time_column: given.time_column,
            session_column: given.session_column,
            session_gap_secs: given.session_gap_secs,
            entity_columns: given.entity_columns,
        })
    }

    /// Read `path` with the core's one reader (plain CSV or a monitoring
    /// export, recognised from its content), as [`Opts::file_choices`] says.
    pub fn read_export(&self, path: &str, require_label: bool) -> Result<Export, String> {
        let bytes = read(path)?;
        self.file_choices()?
            .read(&bytes, path, require_label)
            .map_err(|e| e.to_string())
    }

    /// How `e`'s rows were captured: what the reader found, with the
    /// options given on top; counters with no clock take `default_interval`
    /// when there is one.
    pub fn capture_of(&self, e: &Export, default_interval: Option<f64>) -> Result<Capture, String> {
        Ok(self.file_choices()?.capture(e, default_interval))
    }
}
