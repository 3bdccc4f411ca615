//! The model: what the forest was trained on and how well it did, and its
//! versioned file format.
//!
//! File layout: `MIBWATCH` (8 bytes) · format version (u16 LE) · payload length
//! (u64 LE) · SHA-256 of the payload (32 bytes) · payload (postcard). Decoding
//! untrusted bytes returns a [`ModelError`] and never panics: the magic,
//! version, length and checksum are checked before the payload is parsed, and
//! the parsed forest is validated structurally.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::features::{FEATURE_VERSION, FeatureError, FeaturePlan, FeatureSet};
use crate::forest::{self, Control, Forest, ForestError, ForestParams};
use crate::guard::{Guard, GuardReport};
use crate::ingest::Table;
use crate::metrics::{self, Evaluation};
use crate::rates::{self, RateReport};
use crate::schema::{self, VarKind};
use crate::split::{self, Split};

pub const MAGIC: &[u8; 8] = b"MIBWATCH";
/// 2: leaves may keep class counts (the histogram learner). Format 1 files
/// (pure leaves only) decode unchanged.
pub const FORMAT_VERSION: u16 = 2;
const HEADER_LEN: usize = 8 + 2 + 8 + 32;

/// Summary of one feature over the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStats {
    pub min: f64,
    pub max: f64,
    pub median: f64,
}

/// Held-out evaluations made while training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Rows the final model was trained on.
    pub rows: usize,
    pub test_fraction: f64,
    /// Stratified random split. Leaky when classes are captured as separate
    /// sessions: rows next in time to test rows sit in training.
    pub random: Evaluation,
    /// Time-ordered split: the last part of each capture session is held out.
    pub time_ordered: Evaluation,
    /// Whole capture sessions held out (grouped k-fold, pooled), when every
    /// class has at least two sessions.
    pub by_session: Option<Evaluation>,
    /// Capture sessions found, and the fewest of any class.
    pub sessions: usize,
    pub min_sessions_per_class: usize,
    /// Share of time-ordered held-out rows the guard (fitted on the training
    /// side only) calls unfamiliar.
    pub guard_heldout_share: f64,
    /// Permutation importance per feature (drop in time-ordered held-out accuracy).
    pub importance: Vec<f64>,
    /// Counter conversion summary, when the input was cumulative totals.
    pub rates: Option<RateSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSummary {
    pub rows_in: u64,
    pub rows_out: u64,
    pub sessions: u64,
    pub wraps: u64,
    pub resets: u64,
    pub interval_ms: u64,
}

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Where the training data came from, in words.
    pub source: String,
    /// What a user enters: per-second rates (counters) and gauges, in order.
    pub inputs: Vec<String>,
    pub input_kinds: Vec<VarKind>,
    pub input_stats: Vec<FeatureStats>,
    /// The features the forest reads, computed from the inputs.
    pub feature_set: FeatureSet,
    pub feature_version: u32,
    pub features: Vec<String>,
    pub feature_stats: Vec<FeatureStats>,
    /// Training ranges of the features, for the unfamiliar-traffic guard.
    pub guard: Guard,
    pub classes: Vec<String>,
    pub params: ForestParams,
    pub forest: Forest,
    /// A real training row of inputs per class: the class medoid (log-scaled L1).
    pub examples: Vec<Vec<f64>>,
    pub report: TrainingReport,
    /// SHA-256 (hex) of the training rows, labels, input and class names.
    pub data_hash: String,
    #[serde(skip)]
    pub(crate) plan: Option<FeaturePlan>,
}

/// One prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub class: usize,
    pub probabilities: Vec<f64>,
    pub verdict: schema::Verdict,
    /// The feature row the forest read.
    pub features: Vec<f64>,
    pub guard: GuardReport,
}

impl Model {
    /// The bound feature function (set when trained or decoded).
    pub fn plan(&self) -> &FeaturePlan {
        self.plan
            .as_ref()
            .expect("a model is built by train() or decode(), which set its plan")
    }

    /// Whether the model's features read input `i` at all.
    pub fn uses_input(&self, i: usize) -> bool {
        self.plan().uses_input(i)
    }

    /// The model's input rows (row-major) from a table whose columns are
    /// matched to the inputs by name (case-insensitive, schema aliases); extra
    /// columns are ignored.
    pub fn input_rows(&self, table: &Table) -> Result<Vec<f64>, MissingInputs> {
        let mut idx = Vec::with_capacity(self.inputs.len());
        let mut missing = Vec::new();
        for name in &self.inputs {
            match table.column_index(name) {
                Some(j) => idx.push(j),
                None => missing.push(name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(MissingInputs {
                file: table.file_name.clone(),
                missing,
            });
        }
        let mut out = Vec::with_capacity(table.n_rows() * idx.len());
        for r in 0..table.n_rows() {
            let row = table.row(r);
            out.extend(idx.iter().map(|&j| row[j]));
        }
        Ok(out)
    }

    /// Features of one input row.
    pub fn derive(&self, inputs: &[f64]) -> Vec<f64> {
        self.plan().derive(inputs)
    }

    /// Predict one row of inputs (`inputs.len() == self.inputs.len()`).
    pub fn predict(&self, inputs: &[f64]) -> Prediction {
        let features = self.derive(inputs);
        let probabilities = self.forest.predict_proba(&features);
        let class = forest::argmax(&probabilities);
        Prediction {
            class,
            verdict: schema::Verdict::of_class(&self.classes[class]),
            guard: self.guard.check(&features),
            probabilities,
            features,
        }
    }

    /// Probability that the row is not normal traffic.
    pub fn p_anomalous(&self, probabilities: &[f64]) -> f64 {
        self.classes
            .iter()
            .zip(probabilities)
            .filter(|(c, _)| schema::Verdict::of_class(c) == schema::Verdict::Anomalous)
            .map(|(_, p)| p)
            .sum()
    }
}

/// A table lacks columns the model needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingInputs {
    pub file: String,
    pub missing: Vec<String>,
}

impl fmt::Display for MissingInputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the model needs {} column(s) the file does not have: {}.",
            self.file,
            self.missing.len(),
            self.missing.join(", ")
        )
    }
}

impl std::error::Error for MissingInputs {}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    NotAModel,
    NewerVersion { found: u16, supported: u16 },
    Truncated { expected: usize, found: usize },
    Corrupt,
    Malformed(String),
    Encode(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::NotAModel => write!(f, "this is not a mibwatch model file."),
            ModelError::NewerVersion { found, supported } => write!(
                f,
                "this model file has format version {found}; this version of mibwatch reads up to {supported}. Update mibwatch to open it."
            ),
            ModelError::Truncated { expected, found } => write!(
                f,
                "the model file is truncated ({found} of {expected} bytes)."
            ),
            ModelError::Corrupt => write!(f, "the model file is corrupt (checksum mismatch)."),
            ModelError::Malformed(m) => write!(f, "the model file is malformed: {m}"),
            ModelError::Encode(m) => write!(f, "the model could not be encoded: {m}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// Model → file bytes.
pub fn encode(model: &Model) -> Result<Vec<u8>, ModelError> {
    let payload = postcard::to_allocvec(model).map_err(|e| ModelError::Encode(e.to_string()))?;
    Ok(envelope(&payload))
}

/// The file header around a payload.
fn envelope(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(payload));
    out.extend_from_slice(payload);
    out
}

/// File bytes → model. Never panics.
pub fn decode(bytes: &[u8]) -> Result<Model, ModelError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(ModelError::NotAModel);
    }
    if bytes.len() < HEADER_LEN {
        return Err(ModelError::Truncated {
            expected: HEADER_LEN,
            found: bytes.len(),
        });
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version > FORMAT_VERSION {
        return Err(ModelError::NewerVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(ModelError::Malformed("format version 0".into()));
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[10..18]);
    let len = u64::from_le_bytes(len);
    let body = &bytes[HEADER_LEN..];
    if (body.len() as u64) < len {
        return Err(ModelError::Truncated {
            expected: HEADER_LEN.saturating_add(len as usize),
            found: bytes.len(),
        });
    }
    if (body.len() as u64) > len {
        return Err(ModelError::Malformed(
            "trailing bytes after the payload".into(),
        ));
    }
    if Sha256::digest(body).as_slice() != &bytes[18..50] {
        return Err(ModelError::Corrupt);
    }
    decode_payload(body)
}

/// The payload of a model file (after the envelope's checks) → model.
/// Public for fuzzing the parser and the structural checks directly.
pub fn decode_payload(body: &[u8]) -> Result<Model, ModelError> {
    let mut model: Model =
        postcard::from_bytes(body).map_err(|e| ModelError::Malformed(e.to_string()))?;
    check_consistent(&mut model).map_err(ModelError::Malformed)?;
    Ok(model)
}

/// Check a decoded (or hand-built) model and bind its feature function.
pub(crate) fn check_consistent(m: &mut Model) -> Result<(), String> {
    if m.feature_version != FEATURE_VERSION {
        return Err(format!(
            "its features are version {} but this mibwatch computes version {FEATURE_VERSION}; retrain the model",
            m.feature_version
        ));
    }
    m.forest.validate()?;
    let n_in = m.inputs.len();
    if m.input_kinds.len() != n_in || m.input_stats.len() != n_in {
        return Err("input lists disagree".into());
    }
    let plan = m.feature_set.plan(&m.inputs).map_err(|e| e.to_string())?;
    let f = m.features.len();
    if plan.names != m.features
        || m.forest.n_features != f
        || m.feature_stats.len() != f
        || m.guard.lo.len() != f
        || m.guard.hi.len() != f
    {
        return Err("feature lists disagree".into());
    }
    if m.forest.n_classes != m.classes.len() || m.examples.len() != m.classes.len() {
        return Err("class lists disagree".into());
    }
    if m.examples.iter().any(|e| e.len() != n_in) {
        return Err("an example row has the wrong length".into());
    }
    m.plan = Some(plan);
    Ok(())
}

/// How to train a model from a labelled table.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub params: ForestParams,
    pub feature_set: FeatureSet,
    pub test_fraction: f64,
    /// `Some(seconds)`: the table holds cumulative counters polled at this
    /// interval, converted to per-second rates per capture session (contiguous
    /// runs of one label). `None`: the table already holds per-second values.
    pub counters_interval: Option<f64>,
    pub source: String,
    /// Shuffles for permutation importance.
    pub importance_repeats: usize,
    /// A numeric column naming each row's capture session.
    pub session_column: Option<String>,
    /// A numeric timestamp column (seconds): gives the time between polls and
    /// splits sessions where more than `session_gap_secs` pass.
    pub time_column: Option<String>,
    pub session_gap_secs: Option<f64>,
    /// The file's label for normal traffic, renamed `normal` (default: a
    /// label `normal` in any case).
    pub normal_label: Option<String>,
    /// Binary task: every label but the normal one becomes `attack`.
    pub binary: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            params: ForestParams::default(),
            feature_set: FeatureSet::RatesMix,
            test_fraction: 0.3,
            counters_interval: None,
            source: String::new(),
            importance_repeats: 3,
            session_column: None,
            time_column: None,
            session_gap_secs: None,
            normal_label: None,
            binary: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrainError {
    NoLabels { file: String },
    NoColumn { file: String, column: String },
    Rates(rates::RatesError),
    TooFewRows { class: String, rows: usize },
    Features(FeatureError),
    Forest(ForestError),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::NoLabels { file } => write!(f, "{file}: the file has no label column."),
            TrainError::NoColumn { file, column } => {
                write!(f, "{file}: no numeric column \"{column}\".")
            }
            TrainError::Rates(e) => e.fmt(f),
            TrainError::TooFewRows { class, rows } => write!(
                f,
                "class \"{class}\" has {rows} usable row(s); at least 4 are needed to hold some out for testing."
            ),
            TrainError::Features(e) => e.fmt(f),
            TrainError::Forest(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TrainError {}

/// Which phase of training a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    RandomSplit,
    TimeOrderedSplit,
    /// Fold `n` of the grouped k-fold by session.
    SessionFold(usize),
    Final,
}

/// Hash of what a model was trained on.
fn data_hash(features: &[String], classes: &[String], x: &[f64], y: &[u32]) -> String {
    let mut h = Sha256::new();
    for f in features {
        h.update(f.as_bytes());
        h.update([0]);
    }
    for c in classes {
        h.update(c.as_bytes());
        h.update([0]);
    }
    for v in x {
        h.update(v.to_le_bytes());
    }
    for v in y {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn feature_stats(x: &[f64], f: usize) -> Vec<FeatureStats> {
    (0..f)
        .map(|j| {
            let mut col: Vec<f64> = x.chunks_exact(f).map(|r| r[j]).collect();
            let med = median(&mut col);
            FeatureStats {
                min: col.first().copied().unwrap_or(0.0),
                max: col.last().copied().unwrap_or(0.0),
                median: med,
            }
        })
        .collect()
}

/// The medoid of each class: the real row with the least summed L1 distance
/// (on ln(1+|x|)) to the other rows of its class.
fn class_medoids(x: &[f64], f: usize, y: &[u32], n_classes: usize) -> Vec<Vec<f64>> {
    let logx: Vec<f64> = x.iter().map(|v| v.abs().ln_1p()).collect();
    (0..n_classes)
        .map(|c| {
            let idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c as u32).collect();
            let mut best = (f64::INFINITY, idx.first().copied().unwrap_or(0));
            for &i in &idx {
                let ri = &logx[i * f..(i + 1) * f];
                let mut s = 0.0;
                for &k in &idx {
                    let rk = &logx[k * f..(k + 1) * f];
                    s += ri.iter().zip(rk).map(|(a, b)| (a - b).abs()).sum::<f64>();
                }
                if s < best.0 {
                    best = (s, i);
                }
            }
            x[best.1 * f..(best.1 + 1) * f].to_vec()
        })
        .collect()
}

/// The chosen normal label becomes `normal`; in the binary task every other
/// label becomes `attack`.
pub fn relabel(labels: &mut [String], normal: Option<&str>, binary: bool) {
    for l in labels.iter_mut() {
        let is_normal = match normal {
            Some(n) => l == n,
            None => l.eq_ignore_ascii_case(schema::NORMAL_CLASS),
        };
        if is_normal {
            *l = schema::NORMAL_CLASS.to_string();
        } else if binary {
            *l = "attack".to_string();
        }
    }
}

/// Default gap that starts a new capture session: five times the median step
/// between consecutive timestamps.
fn default_gap(times: &[f64]) -> f64 {
    let mut steps: Vec<f64> = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .collect();
    if steps.is_empty() {
        return f64::INFINITY;
    }
    5.0 * median(&mut steps)
}

/// A labelled table of model inputs (per-second rates and gauges), ready to
/// evaluate: class indices, capture sessions and the features of every row.
pub struct Prepared {
    pub table: Table,
    pub classes: Vec<String>,
    pub y: Vec<u32>,
    pub sessions: Vec<std::ops::Range<usize>>,
    pub plan: FeaturePlan,
    /// Feature rows (row-major), `plan.n_features()` per row.
    pub x: Vec<f64>,
    pub rates: Option<RateSummary>,
}

/// Convert counters to rates if asked, find classes and capture sessions
/// (contiguous runs of one label), and compute the features.
pub fn prepare(table: &Table, opts: &TrainOptions) -> Result<Prepared, TrainError> {
    let file = table.file_name.clone();
    let labels = table
        .labels
        .as_ref()
        .ok_or_else(|| TrainError::NoLabels { file: file.clone() })?;
    // Session and time columns describe the capture, they are not features.
    let mut table = table.clone();
    let mut take = |name: &Option<String>| -> Result<Option<Vec<f64>>, TrainError> {
        match name {
            None => Ok(None),
            Some(n) => table
                .take_column(n)
                .map(Some)
                .ok_or_else(|| TrainError::NoColumn {
                    file: file.clone(),
                    column: n.clone(),
                }),
        }
    };
    let session_ids = take(&opts.session_column)?;
    let times = take(&opts.time_column)?;
    // Capture sessions of the raw rows: a session column, else gaps in the
    // timestamps, else contiguous runs of one label.
    let raw_sessions = match (&session_ids, &times) {
        (Some(ids), _) => {
            let keys: Vec<(&String, u64)> =
                labels.iter().zip(ids.iter().map(|v| v.to_bits())).collect();
            split::sessions_by_key(&keys)
        }
        (None, Some(t)) => {
            let gap = opts.session_gap_secs.unwrap_or_else(|| default_gap(t));
            split::sessions_by_gaps(labels, t, gap)
        }
        (None, None) => split::sessions_by_key(labels),
    };
    let mut session_of_row = vec![0usize; table.n_rows()];
    for (si, s) in raw_sessions.iter().enumerate() {
        for i in s.clone() {
            session_of_row[i] = si;
        }
    }
    let (table, rates) = match opts.counters_interval {
        Some(secs) => {
            let interval = match &times {
                Some(t) => rates::Interval::Timestamps(t.clone()),
                None => rates::Interval::Fixed(secs),
            };
            let (t, r): (Table, RateReport) =
                rates::to_rates(&table, &raw_sessions, &interval).map_err(TrainError::Rates)?;
            let summary = RateSummary {
                rows_in: r.rows_in as u64,
                rows_out: r.rows_out as u64,
                sessions: r.sessions as u64,
                wraps: r.wraps as u64,
                resets: r.resets as u64,
                interval_ms: if times.is_some() {
                    0
                } else {
                    (secs * 1000.0).round() as u64
                },
            };
            // Carry each kept row's session through the conversion.
            let by_row_number: std::collections::HashMap<usize, usize> = table
                .row_numbers
                .iter()
                .enumerate()
                .map(|(i, &rn)| (rn, session_of_row[i]))
                .collect();
            session_of_row = t
                .row_numbers
                .iter()
                .map(|rn| by_row_number.get(rn).copied().unwrap_or(0))
                .collect();
            (t, Some(summary))
        }
        None => (table, None),
    };
    let sessions = split::sessions_by_key(&session_of_row);
    // The task is applied after sessions are found from the file's own labels.
    let mut table = table;
    if let Some(labels) = table.labels.as_mut() {
        relabel(labels, opts.normal_label.as_deref(), opts.binary);
    }
    let labels = table.labels.as_ref().ok_or_else(|| TrainError::NoLabels {
        file: table.file_name.clone(),
    })?;
    let classes = table.classes();
    let y: Vec<u32> = labels
        .iter()
        .map(|l| classes.iter().position(|c| c == l).unwrap_or(0) as u32)
        .collect();
    for (c, name) in classes.iter().enumerate() {
        let rows = y.iter().filter(|&&v| v == c as u32).count();
        if rows < 4 {
            return Err(TrainError::TooFewRows {
                class: name.clone(),
                rows,
            });
        }
    }
    let plan = opts
        .feature_set
        .plan(&table.columns)
        .map_err(TrainError::Features)?;
    let x = plan.derive_all(&table.values);
    Ok(Prepared {
        table,
        classes,
        y,
        sessions,
        plan,
        x,
        rates,
    })
}

impl Prepared {
    pub fn n_features(&self) -> usize {
        self.plan.n_features()
    }

    /// Train a forest on the rows `train` and predict the rows `test`.
    pub fn fit_predict(
        &self,
        s: &Split,
        params: &ForestParams,
        progress: &mut dyn FnMut(usize, usize) -> Control,
    ) -> Result<(Forest, Vec<u32>), ForestError> {
        let f = self.n_features();
        let xtr = split::take_rows(&self.x, f, &s.train);
        let ytr: Vec<u32> = s.train.iter().map(|&i| self.y[i]).collect();
        let forest = forest::train(&xtr, f, &ytr, self.classes.len(), params, progress)?;
        let pred = forest.predict_all(&split::take_rows(&self.x, f, &s.test));
        Ok((forest, pred))
    }

    pub fn truth(&self, idx: &[usize]) -> Vec<u32> {
        idx.iter().map(|&i| self.y[i]).collect()
    }

    pub fn random_split(&self, test_fraction: f64, seed: u64) -> Split {
        split::stratified_split(&self.y, test_fraction, seed)
    }

    pub fn time_ordered_split(&self, test_fraction: f64) -> Split {
        split::time_ordered_split(&self.sessions, test_fraction)
    }

    pub fn sessions_per_class(&self) -> Vec<usize> {
        split::sessions_per_class(&self.sessions, &self.y, self.classes.len())
    }

    /// Grouped k-fold by session (k = fewest sessions of any class, 2..=5),
    /// or `None` when some class has a single session.
    pub fn session_folds(&self) -> Option<Vec<Split>> {
        let min = self.sessions_per_class().into_iter().min().unwrap_or(0);
        (min >= 2).then(|| split::session_folds(&self.sessions, &self.y, min.min(5)))
    }
}

/// Mean ± standard deviation over the folds of a cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvSummary {
    pub folds: usize,
    pub accuracy_mean: f64,
    pub accuracy_std: f64,
    pub macro_f1_mean: f64,
    pub macro_f1_std: f64,
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// Time-blocked k-fold cross-validation of the forest (see
/// [`split::blocked_kfold`]); `progress(fold, done, total)` after every tree.
pub fn cross_validate(
    p: &Prepared,
    params: &ForestParams,
    k: usize,
    progress: &mut dyn FnMut(usize, usize, usize) -> Control,
) -> Result<CvSummary, TrainError> {
    let folds = split::blocked_kfold(&p.sessions, k);
    let (mut acc, mut f1) = (Vec::new(), Vec::new());
    for (i, fold) in folds.iter().enumerate() {
        let (_, pred) = p
            .fit_predict(fold, params, &mut |d, t| progress(i, d, t))
            .map_err(TrainError::Forest)?;
        let e = metrics::evaluate(&p.truth(&fold.test), &pred, &p.classes);
        acc.push(e.accuracy);
        f1.push(e.macro_f1);
    }
    let (am, asd) = mean_std(&acc);
    let (fm, fsd) = mean_std(&f1);
    Ok(CvSummary {
        folds: folds.len(),
        accuracy_mean: am,
        accuracy_std: asd,
        macro_f1_mean: fm,
        macro_f1_std: fsd,
    })
}

/// Train a model from a labelled table: evaluate on a stratified random split,
/// a time-ordered split and (when every class has two or more capture
/// sessions) whole sessions held out, then train the final forest on all rows.
/// `progress(phase, done, total)` is called after every tree; returning
/// `Cancel` stops training.
pub fn train(
    table: &Table,
    opts: &TrainOptions,
    progress: &mut dyn FnMut(Phase, usize, usize) -> Control,
) -> Result<Model, TrainError> {
    train_prepared(&prepare(table, opts)?, opts, progress)
}

/// [`train`] on a table already [`prepare`]d with the same options (for
/// callers that also use the prepared rows, e.g. for baselines).
pub fn train_prepared(
    p: &Prepared,
    opts: &TrainOptions,
    progress: &mut dyn FnMut(Phase, usize, usize) -> Control,
) -> Result<Model, TrainError> {
    let f = p.n_features();
    let k = p.classes.len();
    let classes = &p.classes;

    let random_split = p.random_split(opts.test_fraction, opts.params.seed);
    let (_, pred) = p
        .fit_predict(&random_split, &opts.params, &mut |d, t| {
            progress(Phase::RandomSplit, d, t)
        })
        .map_err(TrainError::Forest)?;
    let random = metrics::evaluate(&p.truth(&random_split.test), &pred, classes);

    let time_split = p.time_ordered_split(opts.test_fraction);
    let (time_forest, pred) = p
        .fit_predict(&time_split, &opts.params, &mut |d, t| {
            progress(Phase::TimeOrderedSplit, d, t)
        })
        .map_err(TrainError::Forest)?;
    let yte = p.truth(&time_split.test);
    let time_ordered = metrics::evaluate(&yte, &pred, classes);
    let xte = split::take_rows(&p.x, f, &time_split.test);
    let importance = metrics::permutation_importance(
        &time_forest,
        &xte,
        &yte,
        opts.importance_repeats,
        opts.params.seed,
    );
    let heldout_guard = Guard::fit(&split::take_rows(&p.x, f, &time_split.train), f);
    let guard_heldout_share = heldout_guard.unfamiliar_share(&xte, f);

    let by_session = match p.session_folds() {
        None => None,
        Some(folds) => {
            let (mut truth, mut pred) = (Vec::new(), Vec::new());
            for (i, fold) in folds.iter().enumerate() {
                let (_, fp) = p
                    .fit_predict(fold, &opts.params, &mut |d, t| {
                        progress(Phase::SessionFold(i), d, t)
                    })
                    .map_err(TrainError::Forest)?;
                truth.extend(p.truth(&fold.test));
                pred.extend(fp);
            }
            Some(metrics::evaluate(&truth, &pred, classes))
        }
    };

    let forest = forest::train(&p.x, f, &p.y, k, &opts.params, &mut |d, t| {
        progress(Phase::Final, d, t)
    })
    .map_err(TrainError::Forest)?;
    let inputs = &p.table.values;
    let n_in = p.table.n_cols();
    let per_class = p.sessions_per_class();
    let mut model = Model {
        source: opts.source.clone(),
        input_kinds: p.table.columns.iter().map(|c| schema::kind_of(c)).collect(),
        input_stats: feature_stats(inputs, n_in),
        feature_set: p.plan.set,
        feature_version: FEATURE_VERSION,
        features: p.plan.names.clone(),
        feature_stats: feature_stats(&p.x, f),
        guard: Guard::fit(&p.x, f),
        examples: class_medoids(inputs, n_in, &p.y, k),
        data_hash: data_hash(&p.table.columns, classes, inputs, &p.y),
        inputs: p.table.columns.clone(),
        classes: classes.clone(),
        params: opts.params.clone(),
        forest,
        report: TrainingReport {
            rows: p.y.len(),
            test_fraction: opts.test_fraction,
            random,
            time_ordered,
            by_session,
            sessions: p.sessions.len(),
            min_sessions_per_class: per_class.into_iter().min().unwrap_or(0),
            guard_heldout_share,
            importance,
            rates: p.rates.clone(),
        },
        plan: None,
    };
    model.plan = Some(p.plan.clone());
    Ok(model)
}

impl TrainingReport {
    /// The plain-words caveat when no held-out figure can separate the traffic
    /// pattern from the capture session.
    pub fn session_caveat(&self) -> Option<String> {
        (self.by_session.is_none()).then(|| {
            format!(
                "Some class was captured in a single session ({} sessions in all), so no held-out figure can separate the traffic pattern from the capture session: the time-ordered split is the fairest figure available, and even it tests on the same session the model trained on.",
                self.sessions
            )
        })
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::tree::Node;
    use crate::ingest::{IngestOptions, read_csv, write_csv};
    use proptest::prelude::*;

    /// A small model on random data over three schema inputs.
    fn random_model(seed: u64, rows: usize, trees: u16) -> (Model, Table) {
        let mut rng = crate::split::Rng::new(seed);
        let mut csv = String::from("tcpInSegs,udpInDatagrams,icmpInMsgs,class\n");
        for i in 0..rows {
            let c = i % 3;
            let v = |rng: &mut crate::split::Rng| (rng.below(1000) as f64) * (1 + c) as f64 / 7.0;
            csv += &format!("{},{},{},c{c}\n", v(&mut rng), v(&mut rng), v(&mut rng));
        }
        let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("r.csv")).unwrap();
        let opts = TrainOptions {
            params: ForestParams {
                n_trees: trees,
                seed,
                ..ForestParams::default()
            },
            feature_set: FeatureSet::Rates,
            importance_repeats: 1,
            ..TrainOptions::default()
        };
        (
            train(&t, &opts, &mut |_, _, _| Control::Continue).unwrap(),
            t,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn encode_then_decode_is_the_identity(seed in any::<u64>(), rows in 12usize..60, trees in 1u16..6) {
            let (m, _) = random_model(seed, rows, trees);
            let bytes = encode(&m).unwrap();
            let back = decode(&bytes).unwrap();
            prop_assert_eq!(&back, &m);
            prop_assert_eq!(encode(&back).unwrap(), bytes);
        }

        #[test]
        fn probabilities_sum_to_one(seed in any::<u64>(), row in proptest::collection::vec(0.0f64..1e12, 3)) {
            let (m, _) = random_model(seed % 8, 30, 5);
            let p = m.predict(&row);
            prop_assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert_eq!(p.class, crate::forest::argmax(&p.probabilities));
        }

        #[test]
        fn predictions_do_not_depend_on_column_order(seed in any::<u64>(), order in Just([0usize, 1, 2]).prop_shuffle()) {
            let (m, t) = random_model(seed % 8, 30, 5);
            // Write the same rows with the columns in another order, read them back.
            let mut shuffled = t.clone();
            shuffled.columns = order.iter().map(|&j| t.columns[j].clone()).collect();
            shuffled.values = (0..t.n_rows())
                .flat_map(|r| order.iter().map(move |&j| (r, j)))
                .map(|(r, j)| t.row(r)[j])
                .collect();
            let text = write_csv(&shuffled, "class", false);
            let reread = read_csv(text.as_bytes(), &IngestOptions::labelled("s.csv")).unwrap();
            let a = m.input_rows(&t).unwrap();
            let b = m.input_rows(&reread).unwrap();
            prop_assert_eq!(&a, &b);
            for (ra, rb) in a.chunks(3).zip(b.chunks(3)) {
                prop_assert_eq!(m.predict(ra).probabilities, m.predict(rb).probabilities);
            }
        }
    }

    #[test]
    fn format_1_files_still_decode() {
        // A format-1 file is a format-2 file whose leaves are all pure.
        let (mut m, _) = random_model(3, 40, 4);
        for t in &mut m.forest.trees {
            for n in &mut t.nodes {
                if let Node::Mixed { class, .. } = *n {
                    *n = Node::leaf(class);
                }
            }
            t.dists.clear();
        }
        let mut bytes = encode(&m).unwrap();
        bytes[8..10].copy_from_slice(&1u16.to_le_bytes());
        assert_eq!(decode(&bytes).unwrap(), m);
        bytes[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert!(matches!(
            decode(&bytes),
            Err(ModelError::NewerVersion { .. })
        ));
    }

    #[test]
    fn missing_input_columns_are_named() {
        let (m, _) = random_model(1, 30, 2);
        let t = read_csv(
            b"tcpInSegs,other\n1,2\n",
            &IngestOptions {
                require_label: false,
                ..IngestOptions::labelled("x.csv")
            },
        )
        .unwrap();
        assert_eq!(
            m.input_rows(&t).unwrap_err().to_string(),
            "x.csv: the model needs 2 column(s) the file does not have: udpInDatagrams, icmpInMsgs."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Node;
    use crate::ingest::{IngestOptions, read_csv};

    fn small_model() -> Model {
        let mut csv = String::from("tcpInSegs,udpInDatagrams,tcpCurrEstab,class\n");
        let mut s: u64 = 12345;
        for (ci, class) in ["normal", "tcp-syn", "udp-flood"].iter().enumerate() {
            for i in 0..30 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = (s >> 40) as f64 / (1u64 << 24) as f64;
                let (a, b) = match ci {
                    0 => (10.0, 5.0),
                    1 => (500.0, 5.0),
                    _ => (10.0, 800.0),
                };
                csv += &format!(
                    "{},{},{},{class}\n",
                    a + noise * 20.0,
                    b + noise * 30.0,
                    i % 4
                );
            }
        }
        let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = TrainOptions {
            params: ForestParams {
                n_trees: 8,
                ..ForestParams::default()
            },
            feature_set: FeatureSet::Rates,
            source: "unit test".into(),
            ..TrainOptions::default()
        };
        train(&t, &opts, &mut |_, _, _| Control::Continue).unwrap()
    }

    #[test]
    fn trains_evaluates_and_round_trips() {
        let m = small_model();
        assert_eq!(m.classes, vec!["normal", "tcp-syn", "udp-flood"]);
        assert_eq!(
            m.inputs,
            vec!["tcpInSegs", "udpInDatagrams", "tcpCurrEstab"]
        );
        assert_eq!(m.features, m.inputs);
        assert_eq!(m.input_kinds[2], VarKind::Gauge);
        assert_eq!(m.report.sessions, 3);
        assert!(m.report.by_session.is_none());
        assert!(
            m.report
                .session_caveat()
                .unwrap()
                .contains("single session")
        );
        assert_eq!(m.report.rows, 90);
        assert_eq!(m.report.random.n_test, 27);
        assert_eq!(m.report.time_ordered.n_test, 27);
        assert!(m.report.random.accuracy > 0.9);
        assert_eq!(m.report.importance.len(), 3);
        assert_eq!(m.data_hash.len(), 64);
        // Each class's medoid is predicted as that class.
        for (c, ex) in m.examples.iter().enumerate() {
            assert_eq!(m.predict(ex).class, c);
        }
        let p = m.predict(&[500.0, 5.0, 1.0]);
        assert!(!p.guard.unfamiliar);
        assert!(m.predict(&[1e9, 1e9, 1e9]).guard.unfamiliar);
        assert_eq!(m.classes[p.class], "tcp-syn");
        assert_eq!(p.verdict, schema::Verdict::Anomalous);
        assert!((m.p_anomalous(&p.probabilities) + p.probabilities[0] - 1.0).abs() < 1e-12);
        let bytes = encode(&m).unwrap();
        assert_eq!(&bytes[..8], MAGIC);
        assert_eq!(decode(&bytes).unwrap(), m);
        assert_eq!(encode(&decode(&bytes).unwrap()).unwrap(), bytes);
    }

    #[test]
    fn decoding_bad_bytes_gives_errors_not_panics() {
        let m = small_model();
        let bytes = encode(&m).unwrap();
        assert_eq!(decode(b""), Err(ModelError::NotAModel));
        assert_eq!(decode(b"PK\x03\x04 a zip file"), Err(ModelError::NotAModel));
        assert!(matches!(
            decode(&bytes[..20]),
            Err(ModelError::Truncated { .. })
        ));
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1]),
            Err(ModelError::Truncated { .. })
        ));
        let mut newer = bytes.clone();
        newer[8..10].copy_from_slice(&3u16.to_le_bytes());
        assert_eq!(
            decode(&newer),
            Err(ModelError::NewerVersion {
                found: 3,
                supported: 2
            })
        );
        let mut flipped = bytes.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x40;
        assert_eq!(decode(&flipped), Err(ModelError::Corrupt));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(ModelError::Malformed(_))));
        // A well-formed envelope around a payload that is not a model.
        let junk = b"not a postcard model";
        let forged = envelope(junk);
        assert!(matches!(decode(&forged), Err(ModelError::Malformed(_))));
        // Every truncation and every single-byte flip of the header is handled.
        for n in 0..HEADER_LEN + 8 {
            assert!(decode(&bytes[..n]).is_err());
        }
        for i in 0..HEADER_LEN {
            let mut b = bytes.clone();
            b[i] ^= 0xFF;
            assert!(decode(&b).is_err(), "flip at {i}");
        }
    }

    #[test]
    fn structurally_broken_forest_is_refused_even_with_a_valid_checksum() {
        let mut m = small_model();
        if let Node::Split { yes, .. } = &mut m.forest.trees[0].nodes[0] {
            *yes = 10_000;
        }
        let payload = postcard::to_allocvec(&m).unwrap();
        let forged = envelope(&payload);
        assert!(matches!(decode(&forged), Err(ModelError::Malformed(_))));
    }

    /// Two capture sessions per class, interleaved in time, with cumulative
    /// counters and a timestamp column.
    fn sessions_csv(with_session_column: bool) -> Vec<u8> {
        let mut csv = String::from("time,");
        if with_session_column {
            csv += "session,";
        }
        csv += "tcpInSegs,udpInDatagrams,class\n";
        let (mut t, mut tcp, mut udp) = (0.0, 0.0, 0.0);
        let mut s: u64 = 99;
        for (sid, class) in ["normal", "syn", "normal", "syn", "udp", "udp"]
            .iter()
            .enumerate()
        {
            t += 3600.0; // an hour between captures
            for _ in 0..25 {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = ((s >> 40) % 100) as f64;
                let (a, b) = match *class {
                    "normal" => (10.0, 10.0),
                    "syn" => (900.0, 10.0),
                    _ => (10.0, 900.0),
                };
                t += 15.0;
                tcp += (a + noise) * 15.0;
                udp += (b + noise) * 15.0;
                csv += &format!("{t},");
                if with_session_column {
                    csv += &format!("{sid},");
                }
                csv += &format!("{tcp},{udp},{class}\n");
            }
        }
        csv.into_bytes()
    }

    #[test]
    fn whole_sessions_are_held_out_when_each_class_has_two() {
        for with_session_column in [true, false] {
            let bytes = sessions_csv(with_session_column);
            let t = read_csv(&bytes, &IngestOptions::labelled("s.csv")).unwrap();
            let opts = TrainOptions {
                params: ForestParams {
                    n_trees: 10,
                    ..ForestParams::default()
                },
                feature_set: FeatureSet::Rates,
                counters_interval: Some(15.0),
                session_column: with_session_column.then(|| "session".to_string()),
                time_column: Some("time".into()),
                ..TrainOptions::default()
            };
            let p = prepare(&t, &opts).unwrap();
            assert_eq!(p.sessions.len(), 6, "session column: {with_session_column}");
            assert_eq!(p.sessions_per_class(), vec![2, 2, 2]);
            // The session and time columns are not features.
            assert_eq!(p.plan.names, vec!["tcpInSegs", "udpInDatagrams"]);
            // Rates come from the timestamps: 24 per session of 25 polls.
            assert_eq!(p.y.len(), 6 * 24);
            let tcp = p.x[0];
            assert!((10.0..110.0).contains(&tcp), "{tcp}");
            let m = train(&t, &opts, &mut |_, _, _| Control::Continue).unwrap();
            let by_session = m.report.by_session.as_ref().unwrap();
            assert_eq!(by_session.n_test, 6 * 24);
            assert!(m.report.session_caveat().is_none());
            assert!(by_session.accuracy > 0.9, "{}", by_session.accuracy);
        }
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let e = prepare(
            &t,
            &TrainOptions {
                session_column: Some("nope".into()),
                ..TrainOptions::default()
            },
        )
        .err()
        .unwrap();
        assert_eq!(e.to_string(), "s.csv: no numeric column \"nope\".");
    }

    #[test]
    fn a_model_from_another_feature_version_is_refused() {
        let mut m = small_model();
        m.feature_version = FEATURE_VERSION + 1;
        let payload = postcard::to_allocvec(&m).unwrap();
        let forged = envelope(&payload);
        let e = decode(&forged).unwrap_err();
        assert!(
            e.to_string().contains(
                "its features are version 2 but this mibwatch computes version 1; retrain the model"
            ),
            "{e}"
        );
    }

    #[test]
    fn binary_task_keeps_the_capture_sessions() {
        let mut labels: Vec<String> = ["benign", "syn", "udp"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        relabel(&mut labels, Some("benign"), true);
        assert_eq!(labels, vec!["normal", "attack", "attack"]);
        let t = read_csv(
            include_bytes!("../../../data/snmp-mib/all_data.csv"),
            &IngestOptions::labelled("all_data.csv"),
        )
        .unwrap();
        let p = prepare(
            &t,
            &TrainOptions {
                counters_interval: Some(15.0),
                binary: true,
                ..TrainOptions::default()
            },
        )
        .unwrap();
        assert_eq!(p.classes, vec!["normal", "attack"]);
        // Rates and sessions come from the eight captures, not two merged blocks.
        assert_eq!(p.sessions.len(), 8);
        assert_eq!(p.y.len(), 4976);
    }

    #[test]
    fn cross_validation_reports_mean_and_spread() {
        let t = read_csv(&sessions_csv(false), &IngestOptions::labelled("s.csv")).unwrap();
        let opts = TrainOptions {
            params: ForestParams {
                n_trees: 5,
                ..ForestParams::default()
            },
            feature_set: FeatureSet::Rates,
            counters_interval: Some(15.0),
            time_column: Some("time".into()),
            ..TrainOptions::default()
        };
        let p = prepare(&t, &opts).unwrap();
        let mut calls = 0;
        let cv = cross_validate(&p, &opts.params, 4, &mut |_, _, _| {
            calls += 1;
            Control::Continue
        })
        .unwrap();
        assert_eq!(cv.folds, 4);
        assert_eq!(calls, 4 * 5);
        assert!(cv.accuracy_mean > 0.8 && cv.accuracy_mean <= 1.0, "{cv:?}");
        assert!(cv.accuracy_std >= 0.0 && cv.macro_f1_std >= 0.0);
        assert_eq!(mean_std(&[1.0, 3.0]), (2.0, 1.0));
    }

    #[test]
    fn too_few_rows_for_a_class() {
        let t = read_csv(
            b"a,class\n1,x\n2,x\n3,x\n4,x\n5,y\n",
            &IngestOptions::labelled("f.csv"),
        )
        .unwrap();
        let e = train(&t, &TrainOptions::default(), &mut |_, _, _| {
            Control::Continue
        })
        .unwrap_err();
        assert_eq!(
            e,
            TrainError::TooFewRows {
                class: "y".into(),
                rows: 1
            }
        );
    }
}
