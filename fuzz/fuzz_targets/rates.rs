//! The counters-to-rates converter on arbitrary counter columns, intervals and
//! session boundaries: an error or finite, non-negative rates for counters.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mibwatch_core::ingest::Table;
use mibwatch_core::rates::{Interval, sessions_by_label, to_rates};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // Two columns: a counter and the gauge; values from 8-byte chunks.
    let columns = vec!["ifInOctets11".to_string(), "tcpCurrEstab".to_string()];
    let interval_byte = data[0];
    let session_bits = data[1];
    let values: Vec<f64> = data[2..]
        .chunks_exact(8)
        .map(|c| {
            let v = u64::from_le_bytes(c.try_into().unwrap());
            // Mostly plausible counters (< 2^32, sometimes < 2^64), some raw floats.
            match v % 4 {
                0 => f64::from_bits(v),
                1 => (v >> 20) as f64,
                _ => (v >> 32) as f64,
            }
        })
        .filter(|v| v.is_finite())
        .collect();
    let n = values.len() / 2;
    if n == 0 {
        return;
    }
    let labels: Vec<String> = (0..n)
        .map(|i| if (session_bits >> (i % 8)) & 1 == 1 { "a" } else { "b" }.to_string())
        .collect();
    let table = Table {
        file_name: "fuzz".into(),
        delimiter: b',',
        columns,
        values: values[..n * 2].to_vec(),
        labels: Some(labels.clone()),
        row_numbers: (2..n + 2).collect(),
        text: Vec::new(),
    };
    let sessions = sessions_by_label(&labels);
    let interval = match interval_byte % 3 {
        0 => Interval::Fixed(f64::from(interval_byte) - 10.0),
        1 => Interval::Fixed(15.0),
        _ => Interval::Timestamps((0..n).map(|i| (i * usize::from(interval_byte % 7)) as f64).collect()),
    };
    if let Ok((out, report)) = to_rates(&table, &sessions, &interval) {
        assert_eq!(out.n_rows(), report.rows_out);
        assert!(report.rows_out + report.resets + sessions.len() <= n + sessions.len());
        for r in 0..out.n_rows() {
            let counter = out.row(r)[0];
            assert!(counter.is_finite() && counter >= 0.0, "{counter}");
        }
    }
});
