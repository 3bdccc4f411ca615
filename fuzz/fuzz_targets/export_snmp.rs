//! snmpwalk and snmptable readers (first byte picks one).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::export::{Format, InterfaceChoice, ReadOptions, read_export_as};
mod export_common;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let format = match sel % 2 {
        0 => Format::SnmpWalk,
        1 => Format::SnmpTable,
        _ => Format::SnmpWalk,
    };
    let opts = ReadOptions {
        interface: if sel & 0x80 != 0 { InterfaceChoice::Every } else { InterfaceChoice::Busiest },
        ..ReadOptions::default()
    };
    export_common::check(read_export_as(rest, "fuzz", format, &opts));
});
