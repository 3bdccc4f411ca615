//! The URL sample decoder and the pasted-row parser on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::sample::{decode_fragment, encode_fragment, parse_pasted};
use mibwatch_core::schema::MIB_VARS;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let names: Vec<String> = MIB_VARS.iter().map(|v| v.name.to_string()).collect();
    if let Ok(values) = decode_fragment(text, &names) {
        assert_eq!(values.len(), names.len());
        assert!(values.iter().flatten().all(|v| v.is_finite() && *v >= 0.0));
        // Whatever decodes re-encodes to something that decodes the same.
        let full: Vec<f64> = values.iter().map(|v| v.unwrap_or(0.0)).collect();
        let again = decode_fragment(&encode_fragment(&names, &full), &names).unwrap();
        assert_eq!(again, full.iter().map(|v| Some(*v)).collect::<Vec<_>>());
    }
    if let Ok(p) = parse_pasted(text, &names) {
        assert_eq!(p.values.len(), names.len());
    }
});
