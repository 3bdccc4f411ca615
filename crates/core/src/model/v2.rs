//! Model files of format 1 and 2: the layout before a model could hold an
//! imported classifier or none. They decode into today's [`Model`].

use serde::{Deserialize, Serialize};

use super::{Classifier, FeatureStats, Model, TrainingReport};
use crate::features::FeatureSet;
use crate::forest::{Forest, ForestParams};
use crate::guard::Guard;
use crate::schema::VarKind;

/// The payload of a format 1 or 2 file, field for field.
#[derive(Deserialize, Serialize)]
struct ModelV2 {
    source: String,
    inputs: Vec<String>,
    input_kinds: Vec<VarKind>,
    input_stats: Vec<FeatureStats>,
    feature_set: FeatureSet,
    feature_version: u32,
    features: Vec<String>,
    feature_stats: Vec<FeatureStats>,
    guard: Guard,
    classes: Vec<String>,
    params: ForestParams,
    forest: Forest,
    examples: Vec<Vec<f64>>,
    report: TrainingReport,
    data_hash: String,
}

/// A format 1 or 2 payload as a model (its feature plan not yet bound).
pub(super) fn decode(body: &[u8]) -> Result<Model, postcard::Error> {
    let m: ModelV2 = postcard::from_bytes(body)?;
    Ok(Model {
        source: m.source,
        inputs: m.inputs,
        input_kinds: m.input_kinds,
        input_stats: m.input_stats,
        feature_set: m.feature_set,
        feature_version: m.feature_version,
        features: m.features,
        feature_stats: m.feature_stats,
        guard: m.guard,
        classes: m.classes,
        classifier: Some(Classifier::Forest {
            params: m.params,
            forest: m.forest,
        }),
        examples: m.examples,
        report: Some(m.report),
        data_hash: m.data_hash,
        plan: None,
    })
}

/// A model as a format 2 payload (tests: old files still open).
#[cfg(test)]
pub(super) fn encode(m: &Model) -> Vec<u8> {
    let Some(Classifier::Forest { params, forest }) = m.classifier.clone() else {
        panic!("a format 2 model has a forest");
    };
    postcard::to_allocvec(&ModelV2 {
        source: m.source.clone(),
        inputs: m.inputs.clone(),
        input_kinds: m.input_kinds.clone(),
        input_stats: m.input_stats.clone(),
        feature_set: m.feature_set,
        feature_version: m.feature_version,
        features: m.features.clone(),
        feature_stats: m.feature_stats.clone(),
        guard: m.guard.clone(),
        classes: m.classes.clone(),
        params,
        forest,
        examples: m.examples.clone(),
        report: m.report.clone().expect("a format 2 model has a report"),
        data_hash: m.data_hash.clone(),
    })
    .unwrap()
}
