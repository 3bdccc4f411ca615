//! rrdtool fetch, rrdtool xport and Cacti CSV readers (first byte picks one).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::export::{Format, InterfaceChoice, ReadOptions, read_export_as};
mod export_common;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let format = match sel % 3 {
        0 => Format::RrdFetch,
        1 => Format::RrdXport,
        2 => Format::CactiCsv,
        _ => Format::RrdFetch,
    };
    let opts = ReadOptions {
        interface: if sel & 0x80 != 0 { InterfaceChoice::Every } else { InterfaceChoice::Busiest },
        ..ReadOptions::default()
    };
    export_common::check(read_export_as(rest, "fuzz", format, &opts));
});
