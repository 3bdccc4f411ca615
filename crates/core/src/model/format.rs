//! The model file: `MIBWATCH` (8 bytes) · format version (u16 LE) · payload
//! length (u64 LE) · SHA-256 of the payload (32 bytes) · payload (postcard).
//! Decoding untrusted bytes returns a [`ModelError`] and never panics: the
//! magic, version, length and checksum are checked before the payload is
//! parsed, and the parsed model is validated structurally.

use std::fmt;

use sha2::{Digest, Sha256};

use super::{Classifier, Model};
use crate::features::{FEATURE_VERSION, FeaturePlan, FeatureSet};

pub const MAGIC: &[u8; 8] = b"MIBWATCH";
/// 3: the classifier is mibwatch's forest, an imported tree ensemble or
/// none, and the training report is optional. 2: leaves may keep class
/// counts (the histogram learner). Format 1 and 2 files still open.
pub const FORMAT_VERSION: u16 = 3;
const HEADER_LEN: usize = 8 + 2 + 8 + 32;

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
    if version < 3 {
        let mut model =
            super::v2::decode(body).map_err(|e| ModelError::Malformed(e.to_string()))?;
        check_consistent(&mut model).map_err(ModelError::Malformed)?;
        return Ok(model);
    }
    decode_payload(body)
}

/// The payload of a current model file (after the envelope's checks) →
/// model. Public for fuzzing the parser and the structural checks directly.
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
    if let Some(c) = &m.classifier {
        c.validate()?;
    }
    let n_in = m.inputs.len();
    if m.input_kinds.len() != n_in || m.input_stats.len() != n_in {
        return Err("input lists disagree".into());
    }
    let plan = match m.feature_set {
        FeatureSet::Named => FeaturePlan::named(&m.inputs, &m.features),
        set => set.plan(&m.inputs),
    }
    .map_err(|e| e.to_string())?;
    let f = m.features.len();
    if plan.names != m.features
        || m.classifier.as_ref().is_some_and(|c| c.n_features() != f)
        || m.feature_stats.len() != f
        || m.guard.lo.len() != f
        || m.guard.hi.len() != f
    {
        return Err("feature lists disagree".into());
    }
    let k = m.classifier.as_ref().map_or(0, Classifier::n_classes);
    if k != m.classes.len() || (!m.examples.is_empty() && m.examples.len() != k) {
        return Err("class lists disagree".into());
    }
    if m.examples.iter().any(|e| e.len() != n_in) {
        return Err("an example row has the wrong length".into());
    }
    m.plan = Some(plan);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{random_model, small_model};
    use crate::tree::Node;
    use proptest::prelude::*;

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
    }

    #[test]
    fn format_1_and_2_files_still_decode() {
        let (mut m, _) = random_model(3, 40, 4);
        let v2 = |m: &Model, version: u16| {
            let mut bytes = envelope(&super::super::v2::encode(m));
            bytes[8..10].copy_from_slice(&version.to_le_bytes());
            bytes
        };
        assert_eq!(decode(&v2(&m, 2)).unwrap(), m);
        // A format-1 file is a format-2 file whose leaves are all pure.
        let Some(Classifier::Forest { forest, .. }) = &mut m.classifier else {
            unreachable!("trained with a forest")
        };
        for t in &mut forest.trees {
            for n in &mut t.nodes {
                if let Node::Mixed { class, .. } = *n {
                    *n = Node::leaf(class);
                }
            }
            t.dists.clear();
        }
        assert_eq!(decode(&v2(&m, 1)).unwrap(), m);
        let mut bytes = encode(&m).unwrap();
        bytes[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert!(matches!(
            decode(&bytes),
            Err(ModelError::NewerVersion { .. })
        ));
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
        newer[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert_eq!(
            decode(&newer),
            Err(ModelError::NewerVersion {
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION
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
        let Some(Classifier::Forest { forest, .. }) = &mut m.classifier else {
            unreachable!("trained with a forest")
        };
        if let Node::Split { yes, .. } = &mut forest.trees[0].nodes[0] {
            *yes = 10_000;
        }
        let payload = postcard::to_allocvec(&m).unwrap();
        let forged = envelope(&payload);
        assert!(matches!(decode(&forged), Err(ModelError::Malformed(_))));
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
}
