//! The ONNX importer on arbitrary bytes (seeds: the fixtures of
//! tests/fixtures/onnx): an error, or an ensemble that validates and
//! predicts finite-or-NaN probabilities for ordinary and odd rows without
//! panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::onnx::import;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = import(data) {
        let e = &m.ensemble;
        e.validate().expect("an imported ensemble validates");
        assert_eq!(m.classes.len(), e.n_classes());
        if let Some(names) = &m.feature_names {
            assert_eq!(names.len(), e.n_features);
        }
        for v in [0.0, -1.0, 1e300, f64::NAN, f64::INFINITY] {
            let p = e.predict_proba(&vec![v; e.n_features]);
            assert_eq!(p.len(), e.n_classes());
        }
    }
});
