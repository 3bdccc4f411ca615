//! mibwatch-lab: the traffic lab's native tool (driven by `lab/lab.sh`).
//!
//!   mibwatch-lab poll --agent IP --community C --if-index N --state FILE --out FILE.csv
//!                     [--interval SECONDS] [--max-seconds S] [--info FILE]
//!   mibwatch-lab schedule --seed N --sessions N [--classes a,b,…]
//!   mibwatch-lab normal --target IP [--seed N] [--seconds S] [--rate R] [--long-lived N]
//!   mibwatch-lab http-flood --target IP [--rate R] [--seconds S] [--workers N] [--max N]
//!   mibwatch-lab udp-server --bind IP [--seconds S]
//!   mibwatch-lab check FILE.csv [--classes a,b] [--min-rows N] [--attack CLASS] [--factor F]
//!                     [--holds CLASS,… [--holds-factor F]]

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mibwatch_lab::{check, mib, schedule, traffic};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    let r = match args.first().map(String::as_str) {
        Some("poll") => poll(rest),
        Some("schedule") => sched(rest),
        Some("normal") => normal(rest),
        Some("http-flood") => flood(rest),
        Some("udp-server") => udp(rest),
        Some("check") => check_file(rest),
        _ => Err(usage()),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mibwatch-lab: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    include_str!("main.rs")
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn need<'a>(args: &'a [String], name: &str) -> Result<&'a str, String> {
    opt(args, name).ok_or_else(|| format!("{name} is required\n{}", usage()))
}

fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match opt(args, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name}: bad value \"{v}\"")),
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn poll(args: &[String]) -> Result<(), String> {
    let agent = need(args, "--agent")?;
    let community = need(args, "--community")?;
    let if_index: u32 = need(args, "--if-index")?
        .parse()
        .map_err(|_| "--if-index: not a number")?;
    let state = need(args, "--state")?;
    let out = need(args, "--out")?;
    let interval: f64 = num(args, "--interval", 1.0)?;
    let max_secs: f64 = num(args, "--max-seconds", 4.0 * 3600.0)?;
    if interval.is_nan() || interval <= 0.0 {
        return Err("--interval must be positive".into());
    }
    let oids = mib::request_oids(if_index);
    let fresh = std::fs::metadata(out).map(|m| m.len() == 0).unwrap_or(true);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .map_err(|e| format!("{out}: {e}"))?;
    if fresh {
        writeln!(file, "{}", mib::header()).map_err(|e| e.to_string())?;
    }
    let start = Instant::now();
    let (mut rows, mut failures) = (0u64, 0u64);
    let mut reported: Option<mib::NucastSource> = None;
    let mut k = 0u64;
    while start.elapsed().as_secs_f64() < max_secs {
        k += 1;
        let due = start + Duration::from_secs_f64(interval * k as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let Some((class, session)) = std::fs::read_to_string(state)
            .ok()
            .and_then(|s| mib::parse_state(&s))
        else {
            continue;
        };
        let t0 = now();
        let output = Command::new("snmpget")
            .args(["-v2c", "-c", community, "-On", "-t", "0.8", "-r", "0"])
            .args(["-M", "/nonexistent", "-m", ""])
            .arg(agent)
            .args(&oids)
            .output()
            .map_err(|e| format!("snmpget: {e} (install Debian's snmp package)"))?;
        let t1 = now();
        let parsed = mib::parse_snmpget(&String::from_utf8_lossy(&output.stdout))
            .and_then(|a| mib::row_values(&a, if_index));
        match parsed {
            Ok((values, source)) => {
                if reported != Some(source) {
                    eprintln!("poll: NUcast columns from {source:?}");
                    if let Some(info) = opt(args, "--info") {
                        let _ = std::fs::write(info, format!("{source:?}\n"));
                    }
                    reported = Some(source);
                }
                // The poll's time: midway between request and answer.
                let line = mib::csv_row(&values, &class, (t0 + t1) / 2.0, session);
                writeln!(file, "{line}").map_err(|e| format!("{out}: {e}"))?;
                rows += 1;
            }
            Err(e) => {
                failures += 1;
                eprintln!(
                    "poll: no row at {t0:.3}: {e}; {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
            }
        }
    }
    eprintln!("poll: {rows} rows, {failures} failed polls");
    Ok(())
}

fn sched(args: &[String]) -> Result<(), String> {
    let seed: u64 = num(args, "--seed", 1)?;
    let sessions: usize = num(args, "--sessions", 1)?;
    let classes: Vec<&str> = match opt(args, "--classes") {
        Some(c) => c.split(',').collect(),
        None => schedule::CLASSES.to_vec(),
    };
    for b in schedule::plan(seed, &classes, sessions) {
        println!("{} {}", b.session, b.class);
    }
    Ok(())
}

fn addr(ip: &str, port: u16) -> Result<SocketAddr, String> {
    format!("{ip}:{port}")
        .parse()
        .map_err(|_| format!("\"{ip}\" is not an IPv4 address"))
}

fn normal(args: &[String]) -> Result<(), String> {
    let ip = need(args, "--target")?;
    traffic::normal(
        addr(ip, 80)?,
        addr(ip, 53)?,
        num(args, "--seed", 1)?,
        Duration::from_secs_f64(num(args, "--seconds", 60.0)?),
        num(args, "--rate", 4.0)?,
        num(args, "--long-lived", 4)?,
    )
    .map_err(|e| e.to_string())
}

fn flood(args: &[String]) -> Result<(), String> {
    let ip = need(args, "--target")?;
    let secs: f64 = num(args, "--seconds", 30.0)?;
    let rate: f64 = num(args, "--rate", 300.0)?;
    traffic::http_flood(
        addr(ip, 80)?,
        rate,
        Duration::from_secs_f64(secs),
        num(args, "--workers", 8)?,
        num(args, "--max", (rate * secs) as usize)?,
        num(args, "--seed", 1)?,
    );
    Ok(())
}

fn udp(args: &[String]) -> Result<(), String> {
    let ip = need(args, "--bind")?;
    traffic::udp_server(
        addr(ip, 53)?,
        Duration::from_secs_f64(num(args, "--seconds", 4.0 * 3600.0)?),
    )
    .map_err(|e| e.to_string())
}

fn check_file(args: &[String]) -> Result<(), String> {
    let path = args.first().ok_or("check needs a CSV file")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let rows = check::parse(&text)?;
    let s = match opt(args, "--attack") {
        Some(attack) => {
            let classes: Vec<&str> = opt(args, "--classes")
                .map(|c| c.split(',').collect())
                .unwrap_or_else(|| vec!["normal", attack]);
            check::smoke(
                &rows,
                &classes,
                num(args, "--min-rows", 5)?,
                attack,
                num(args, "--factor", 5.0)?,
            )?
        }
        None => check::summarise(&rows)?,
    };
    // Slow attacks hold their connections (median tcpCurrEstab ≥ F × normal's).
    if let Some(classes) = opt(args, "--holds") {
        let factor: f64 = num(args, "--holds-factor", 10.0)?;
        for c in classes.split(',') {
            check::holds_connections(&s, c, factor)?;
        }
    }
    println!(
        "{path}: {} rows, 37 columns, counters non-decreasing within sessions ({} 32-bit wraps)",
        rows.len(),
        s.wraps
    );
    for (c, (n, sess)) in &s.per_class {
        println!(
            "  {c:<11} {n:>5} rows in {sess:>2} sessions; ipInReceives {:>9.1}/s; tcpCurrEstab median {:>5}",
            s.ip_in_rate.get(c).copied().unwrap_or(0.0),
            s.estab_median.get(c).copied().unwrap_or(0.0)
        );
    }
    Ok(())
}
