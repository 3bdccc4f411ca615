//! Print what the export reader understood of each file, one line each:
//!
//!   cargo run -p mibwatch-core --example export_preview -- FILE_OR_DIR… [--write-expected DIR]
//!
//! With `--write-expected DIR`, also write each file's tidy table as
//! `DIR/<file name>.csv` (text columns, then numeric columns) and its
//! column kinds as `DIR/<file name>.kinds`.
use std::path::{Path, PathBuf};

use mibwatch_core::export::{ReadOptions, read_export};
use mibwatch_core::ingest::write_csv;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut expected: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--write-expected" {
            expected = args.get(i + 1).map(PathBuf::from);
            i += 2;
            continue;
        }
        let p = Path::new(&args[i]);
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .expect("readable directory")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| {
                    let n = f
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .to_string();
                    !(n.starts_with("README") || n == "versions.txt")
                })
                .collect();
            v.sort();
            files.extend(v);
        } else {
            files.push(p.to_path_buf());
        }
        i += 1;
    }
    for f in files {
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) => {
                println!("{name}: {e}");
                continue;
            }
        };
        match read_export(&bytes, &name, &ReadOptions::default()) {
            Ok(e) => {
                println!("{name}: {}", e.understanding);
                let u = &e.understanding;
                if u.unknown > 0
                    || u.skipped_values > 0
                    || u.incomplete_rows > 0
                    || !u.notes.is_empty()
                {
                    println!(
                        "    ({} unknown series/objects skipped, {} values missing, {} incomplete polls dropped{}{})",
                        u.unknown,
                        u.skipped_values,
                        u.incomplete_rows,
                        if u.notes.is_empty() { "" } else { "; " },
                        u.notes.join("; ")
                    );
                }
                if let Some(dir) = &expected {
                    std::fs::create_dir_all(dir).expect("expected dir");
                    std::fs::write(
                        dir.join(format!("{name}.csv")),
                        write_csv(&e.table, "label", false),
                    )
                    .expect("write expected table");
                    let kinds: Vec<String> = e
                        .table
                        .columns
                        .iter()
                        .zip(&e.kinds)
                        .map(|(c, k)| format!("{c},{}", k.label()))
                        .collect();
                    std::fs::write(dir.join(format!("{name}.kinds")), kinds.join("\n") + "\n")
                        .expect("write kinds");
                }
            }
            Err(err) => println!("{name}: ERROR {err}"),
        }
    }
}
