//! The model payload parser and structural checks, past the file envelope's
//! checksum (which random mutations of a whole file almost never get by).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::model::decode_payload;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode_payload(data) {
        let p = m.predict(&vec![1.0; m.inputs.len()]);
        assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
});
