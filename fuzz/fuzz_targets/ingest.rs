//! CSV ingest on arbitrary bytes: an error or a table, never a panic, and a
//! table always has whole rows of finite values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::ingest::{IngestOptions, read_csv};

fuzz_target!(|data: &[u8]| {
    for require_label in [true, false] {
        let opts = IngestOptions {
            require_label,
            ..IngestOptions::labelled("fuzz.csv")
        };
        if let Ok(t) = read_csv(data, &opts) {
            assert_eq!(t.values.len(), t.n_rows() * t.n_cols());
            assert!(t.values.iter().all(|v| v.is_finite()));
            if let Some(l) = &t.labels {
                assert_eq!(l.len(), t.n_rows());
            }
        }
    }
});
