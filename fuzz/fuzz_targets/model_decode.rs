//! The model file decoder on arbitrary bytes, and on the default model with
//! bytes changed: an error or a model that predicts without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::model::decode;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode(data) {
        let p = m.predict(&vec![0.0; m.inputs.len()]);
        assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let _ = m.predict(&vec![f64::MAX; m.inputs.len()]);
    }
});
