//! Grafana CSV reader (first byte: options).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::export::{Format, InterfaceChoice, ReadOptions, read_export_as};
mod export_common;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let format = match sel % 1 {
        0 => Format::GrafanaCsv,
        _ => Format::GrafanaCsv,
    };
    let opts = ReadOptions {
        interface: if sel & 0x80 != 0 { InterfaceChoice::Every } else { InterfaceChoice::Busiest },
        ..ReadOptions::default()
    };
    export_common::check(read_export_as(rest, "fuzz", format, &opts));
});
