//! Native side of the benchmark (see bench/run.sh for the whole run).
//!
//!   mibwatch-bench gen DIR [SIZES]        write the data sets (SIZES: 5000,20000,…)
//!   mibwatch-bench native DIR SETS RUNS   time mibwatch's trainer on one thread and on
//!                                         every core; one JSON line per set and thread count
//!   mibwatch-bench csv DIR SETS           each set's training rows as the CSV the page reads
//!                                         (DIR/SET.csv)
//!   mibwatch-bench counters-csv FILE ROWS ROWS generated rows as whole numbers, for the
//!                                         page's large-file run
//!   mibwatch-bench page-model FILE.mwm DIR SET
//!                                         accuracy on SET's test rows of a model the page
//!                                         trained on DIR/SET.csv
//!   mibwatch-bench stop-early DIR SETS RUNS
//!                                         classes of the test rows with one column shuffled
//!                                         (what permutation importance predicts), every
//!                                         tree summed against rows stopped once decided
//!
//! Every timing is the median of RUNS runs of the same work with the same seed.

use std::path::Path;
use std::time::Instant;

use mibwatch_bench::{
    DataSet, accuracy, counters_csv, csv, forest_bytes, page_accuracy, sort_by_class, synthetic,
    train_threads,
};
use mibwatch_core::capture::Capture;
use mibwatch_core::features::FeatureSet;
use mibwatch_core::ingest::{IngestOptions, read_csv};
use mibwatch_core::split::take_rows;
use mibwatch_core::train::{TrainOptions, prepare};

const TREES: u16 = 100;
const SEED: u64 = 42;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("gen") => gen_sets(&args[1..]),
        Some("native") => native(&args[1..]),
        Some("csv") => csv_sets(&args[1..]),
        Some("counters-csv") => counters(&args[1..]),
        Some("page-model") => page_model(&args[1..]),
        Some("stop-early") => stop_early(&args[1..]),
        _ => Err(
            "usage: mibwatch-bench gen DIR [SIZES] | native DIR SETS RUNS | csv DIR SETS \
                  | counters-csv FILE ROWS | page-model FILE.mwm DIR SET \
                  | stop-early DIR SETS RUNS"
                .into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The public SNMP-MIB file as the default model sees it: per-second rates,
/// the default feature set, the time-ordered 70/30 split.
fn snmp_mib(csv: &Path) -> Result<DataSet, String> {
    let bytes = std::fs::read(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
    let t =
        read_csv(&bytes, &IngestOptions::labelled("all_data.csv")).map_err(|e| e.to_string())?;
    let p = prepare(
        &t,
        &TrainOptions {
            capture: Capture::counters_every(15.0),
            feature_set: FeatureSet::IfIpMix,
            ..TrainOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let split = p.time_ordered_split(0.3);
    let f = p.n_features();
    Ok(DataSet {
        name: "snmp-mib".into(),
        n_features: f,
        n_classes: p.classes.len(),
        train_x: take_rows(&p.x, f, &split.train),
        train_y: p.truth(&split.train),
        test_x: take_rows(&p.x, f, &split.test),
        test_y: p.truth(&split.test),
    })
}

fn write_set(dir: &Path, d: &DataSet) -> Result<(), String> {
    let put = |suffix: &str, bytes: Vec<u8>| {
        let path = dir.join(format!("{}.{suffix}", d.name));
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    let f64s = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let u32s = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    put("train.x.f64", f64s(&d.train_x))?;
    put("train.y.u32", u32s(&d.train_y))?;
    put("test.x.f64", f64s(&d.test_x))?;
    put("test.y.u32", u32s(&d.test_y))?;
    let shape = serde_json::json!({
        "name": d.name,
        "features": d.n_features,
        "classes": d.n_classes,
        "train_rows": d.train_y.len(),
        "test_rows": d.test_y.len(),
    });
    put("json", shape.to_string().into_bytes())
}

fn read_set(dir: &Path, name: &str) -> Result<DataSet, String> {
    let get = |suffix: &str| {
        let path = dir.join(format!("{name}.{suffix}"));
        std::fs::read(&path).map_err(|e| format!("{}: {e} (run `gen` first)", path.display()))
    };
    let shape: serde_json::Value =
        serde_json::from_slice(&get("json")?).map_err(|e| e.to_string())?;
    let f64s = |b: Vec<u8>| {
        b.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect::<Vec<_>>()
    };
    let u32s = |b: Vec<u8>| {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect::<Vec<_>>()
    };
    Ok(DataSet {
        name: name.into(),
        n_features: shape["features"].as_u64().unwrap_or(0) as usize,
        n_classes: shape["classes"].as_u64().unwrap_or(0) as usize,
        train_x: f64s(get("train.x.f64")?),
        train_y: u32s(get("train.y.u32")?),
        test_x: f64s(get("test.x.f64")?),
        test_y: u32s(get("test.y.u32")?),
    })
}

fn gen_sets(args: &[String]) -> Result<(), String> {
    let dir = Path::new(args.first().ok_or("gen needs a directory")?);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let sizes: Vec<usize> = args
        .get(1)
        .map_or("5000,20000,100000", String::as_str)
        .split(',')
        .map(|s| s.parse().map_err(|_| format!("bad size {s}")))
        .collect::<Result<_, _>>()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut public = snmp_mib(&root.join("data/snmp-mib/all_data.csv"))?;
    sort_by_class(&mut public);
    write_set(dir, &public)?;
    eprintln!(
        "wrote snmp-mib: {} train / {} test rows × {} features",
        public.train_y.len(),
        public.test_y.len(),
        public.n_features
    );
    for n in sizes {
        // A fifth as many test rows, at most 50,000; seeds differ per size.
        let mut d = synthetic(n, (n / 5).min(50_000), n as u64);
        sort_by_class(&mut d);
        write_set(dir, &d)?;
        eprintln!(
            "wrote {}: {} train / {} test rows",
            d.name,
            n,
            d.test_y.len()
        );
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Time the classes of SET's test rows with each column shuffled in turn,
/// as permutation importance predicts them: the probabilities of every
/// tree then their argmax, against `predict_classes` (rows stop once no
/// tree left can change their class); the classes must be equal.
fn stop_early(args: &[String]) -> Result<(), String> {
    let (dir, sets, runs) = dir_sets_runs(args, "stop-early", 3)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for name in sets.split(',') {
        let d = read_set(dir, name)?;
        let (f, k) = (d.n_features, d.n_classes);
        let n = d.test_y.len();
        let forest = train_threads(&d.train_x, &d.train_y, f, k, TREES, SEED, cores).batch();
        let mut rng = mibwatch_core::split::Rng::new(SEED);
        let (mut every, mut stopped) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let (mut a, mut b) = (0.0, 0.0);
            for j in 0..f {
                let mut x = d.test_x.clone();
                let mut column: Vec<f64> = (0..n).map(|i| x[i * f + j]).collect();
                rng.shuffle(&mut column);
                for (i, v) in column.into_iter().enumerate() {
                    x[i * f + j] = v;
                }
                let t = Instant::now();
                let all = forest.predict_classes_of_every_tree(&x);
                a += t.elapsed().as_secs_f64();
                let t = Instant::now();
                let early = forest.predict_classes(&x);
                b += t.elapsed().as_secs_f64();
                if all != early {
                    return Err(format!(
                        "{name}: the classes differ with column {j} shuffled"
                    ));
                }
            }
            every.push(a);
            stopped.push(b);
        }
        let (a, b) = (median(every), median(stopped));
        println!(
            "{name}: {f} columns shuffled in turn × {n} test rows, 100 trees: every tree {a:.3} s, \
             rows stopped once decided {b:.3} s ({:.2}×), the same classes (median of {runs})",
            a / b
        );
    }
    Ok(())
}

/// The `DIR SETS [RUNS]` arguments of `command` (RUNS: `default_runs`
/// when not given, at least 1).
fn dir_sets_runs<'a>(
    args: &'a [String],
    command: &str,
    default_runs: usize,
) -> Result<(&'a Path, &'a str, usize), String> {
    let dir = Path::new(
        args.first()
            .ok_or_else(|| format!("{command} needs a directory"))?,
    );
    let sets = args
        .get(1)
        .ok_or_else(|| format!("{command} needs the set names"))?;
    let runs: usize = args
        .get(2)
        .map_or(Ok(default_runs), |s| s.parse())
        .map_err(|_| "bad RUNS")?;
    if runs == 0 {
        return Err("RUNS must be ≥ 1".into());
    }
    Ok((dir, sets, runs))
}

fn native(args: &[String]) -> Result<(), String> {
    let (dir, sets, runs) = dir_sets_runs(args, "native", 5)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for name in sets.split(',') {
        let d = read_set(dir, name)?;
        let (f, k) = (d.n_features, d.n_classes);
        for threads in [1, cores] {
            let mut fit = Vec::new();
            let mut forest = None;
            for _ in 0..runs {
                let t = Instant::now();
                let trained = train_threads(&d.train_x, &d.train_y, f, k, TREES, SEED, threads);
                fit.push(t.elapsed().as_secs_f64());
                forest = Some(trained);
            }
            let forest = forest.ok_or("RUNS must be ≥ 1")?;
            let acc = accuracy(&forest, &d.test_x, &d.test_y);
            let line = serde_json::json!({
                "side": if threads == 1 { "mibwatch native" } else { "mibwatch native all threads" },
                "set": name,
                "train_rows": d.train_y.len(),
                "test_rows": d.test_y.len(),
                "threads": threads,
                "runs": runs,
                "fit_s": median(fit.clone()),
                "fit_runs_s": fit,
                "accuracy": acc,
                "model_bytes": forest_bytes(&forest),
            });
            println!("{line}");
            eprintln!(
                "native {name} ({threads} threads): fit {:.3} s, accuracy {:.4}",
                median(fit),
                acc
            );
            if cores == 1 {
                break;
            }
        }
    }
    Ok(())
}

fn csv_sets(args: &[String]) -> Result<(), String> {
    let dir = Path::new(args.first().ok_or("csv needs a directory")?);
    let sets = args.get(1).ok_or("csv needs the set names")?;
    for name in sets.split(',') {
        let d = read_set(dir, name)?;
        let path = dir.join(format!("{name}.csv"));
        let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        csv(&d, &mut out)
            .and_then(|()| std::io::Write::flush(&mut out))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn counters(args: &[String]) -> Result<(), String> {
    let path = Path::new(args.first().ok_or("counters-csv needs a file")?);
    let rows: usize = args
        .get(1)
        .ok_or("counters-csv needs ROWS")?
        .parse()
        .map_err(|_| "bad ROWS")?;
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    counters_csv(rows, &mut out)
        .and_then(|()| std::io::Write::flush(&mut out))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Accuracy on a set's test rows of a model file the page made, as one
/// JSON line.
fn page_model(args: &[String]) -> Result<(), String> {
    let path = Path::new(args.first().ok_or("page-model needs a model file")?);
    let dir = Path::new(args.get(1).ok_or("page-model needs the data directory")?);
    let d = read_set(dir, args.get(2).ok_or("page-model needs the set name")?)?;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let model = mibwatch_core::model::decode(&bytes).map_err(|e| e.to_string())?;
    let line = serde_json::json!({
        "rows": model.report.as_ref().map(|r| r.rows),
        "accuracy": page_accuracy(&model, &d)?,
        "model_bytes": bytes.len(),
    });
    println!("{line}");
    Ok(())
}
