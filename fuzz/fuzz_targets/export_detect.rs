//! Any bytes through format detection and whichever reader it picks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::export::{ReadOptions, read_export};
mod export_common;

fuzz_target!(|data: &[u8]| {
    export_common::check(read_export(data, "fuzz", &ReadOptions::default()));
});
