//! Generated training data for the tests (compiled for tests only).

use crate::features::FeatureSet;
use crate::forest::{Control, ForestParams};
use crate::ingest::{IngestOptions, Table, read_csv};
use crate::model::Model;
use crate::split::Rng;
use crate::train::{TrainOptions, train};

/// Two noisy gaussian-ish blobs per class from a fixed xorshift stream:
/// three features, row-major.
pub fn blobs(n_per_class: usize, n_classes: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut s = seed | 1;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = Vec::new();
    let mut y = Vec::new();
    for c in 0..n_classes {
        for _ in 0..n_per_class {
            x.push(c as f64 * 2.0 + rnd() * 2.5);
            x.push(rnd() * 10.0);
            x.push((c % 2) as f64 + rnd());
            y.push(c as u32);
        }
    }
    (x, y)
}

/// `n` rows of `f` features and `k` classes: features 0 and 1 carry the
/// class, the rest is noise, some of it with few distinct values.
pub fn noisy(n: usize, f: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<u32>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(n * f);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.below(k);
        for j in 0..f {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            x.push(match j {
                0 => c as f64 + u * 1.5,
                1 => (c * c) as f64 * 0.3 + u,
                _ if j % 3 == 0 => (u * 4.0).floor(),
                _ => u * 1e6,
            });
        }
        y.push(c as u32);
    }
    (x, y)
}

/// A small model on random data over three schema inputs.
pub fn random_model(seed: u64, rows: usize, trees: u16) -> (Model, Table) {
    let mut rng = crate::split::Rng::new(seed);
    let mut csv = String::from("tcpInSegs,udpInDatagrams,icmpInMsgs,class\n");
    for i in 0..rows {
        let c = i % 3;
        let v = |rng: &mut crate::split::Rng| (rng.below(1000) as f64) * (1 + c) as f64 / 7.0;
        csv += &format!("{},{},{},c{c}\n", v(&mut rng), v(&mut rng), v(&mut rng));
    }
    let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("r.csv")).unwrap();
    let opts = TrainOptions {
        params: ForestParams {
            n_trees: trees,
            seed,
            ..ForestParams::default()
        },
        feature_set: FeatureSet::Rates,
        importance_repeats: 1,
        ..TrainOptions::default()
    };
    (
        train(&t, &opts, &mut |_| Control::Continue).unwrap().model,
        t,
    )
}

pub fn small_model() -> Model {
    let mut csv = String::from("tcpInSegs,udpInDatagrams,tcpCurrEstab,class\n");
    let mut s: u64 = 12345;
    for (ci, class) in ["normal", "tcp-syn", "udp-flood"].iter().enumerate() {
        for i in 0..30 {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (s >> 40) as f64 / (1u64 << 24) as f64;
            let (a, b) = match ci {
                0 => (10.0, 5.0),
                1 => (500.0, 5.0),
                _ => (10.0, 800.0),
            };
            csv += &format!(
                "{},{},{},{class}\n",
                a + noise * 20.0,
                b + noise * 30.0,
                i % 4
            );
        }
    }
    let t = read_csv(csv.as_bytes(), &IngestOptions::labelled("s.csv")).unwrap();
    let opts = TrainOptions {
        params: ForestParams {
            n_trees: 8,
            ..ForestParams::default()
        },
        feature_set: FeatureSet::Rates,
        source: "unit test".into(),
        ..TrainOptions::default()
    };
    train(&t, &opts, &mut |_| Control::Continue).unwrap().model
}

/// Two capture sessions per class, interleaved in time, with cumulative
/// counters and a timestamp column.
pub fn sessions_csv(with_session_column: bool) -> Vec<u8> {
    let mut csv = String::from("time,");
    if with_session_column {
        csv += "session,";
    }
    csv += "tcpInSegs,udpInDatagrams,class\n";
    let (mut t, mut tcp, mut udp) = (0.0, 0.0, 0.0);
    let mut s: u64 = 99;
    for (sid, class) in ["normal", "syn", "normal", "syn", "udp", "udp"]
        .iter()
        .enumerate()
    {
        t += 3600.0; // an hour between captures
        for _ in 0..25 {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = ((s >> 40) % 100) as f64;
            let (a, b) = match *class {
                "normal" => (10.0, 10.0),
                "syn" => (900.0, 10.0),
                _ => (10.0, 900.0),
            };
            t += 15.0;
            tcp += (a + noise) * 15.0;
            udp += (b + noise) * 15.0;
            csv += &format!("{t},");
            if with_session_column {
                csv += &format!("{sid},");
            }
            csv += &format!("{tcp},{udp},{class}\n");
        }
    }
    csv.into_bytes()
}

/// The default model, and the lab capture read and captured as
/// `mibwatch score` reads it (no option beyond the file).
pub fn default_model_and_lab() -> (Model, crate::export::Export, crate::score::ScoreOptions) {
    let m = crate::model::decode(include_bytes!("../../../models/default.mwm")).unwrap();
    let choices = crate::export::FileChoices::default();
    let e = choices
        .read(
            include_bytes!("../../../data/lab/lab.csv"),
            "lab.csv",
            false,
        )
        .unwrap();
    let opts = crate::score::ScoreOptions {
        capture: choices.capture(&e, None),
        ..crate::score::ScoreOptions::default()
    };
    (m, e, opts)
}

/// The public SNMP-MIB file, read with its `class` labels.
pub fn public_table() -> Table {
    read_csv(
        include_bytes!("../../../data/snmp-mib/all_data.csv"),
        &IngestOptions::labelled("all_data.csv"),
    )
    .unwrap()
}
