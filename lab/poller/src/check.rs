//! Reading a lab CSV back and checking it: the smoke test's assertions.

use std::collections::BTreeMap;

use crate::mib::{PUBLIC_HEADER, header};

/// tcpCurrEstab: the one gauge among the 34 columns.
const GAUGE: usize = 13;
const IP_IN_RECEIVES: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct LabRow {
    pub values: Vec<f64>,
    pub class: String,
    pub timestamp: f64,
    pub session: u32,
}

/// Parse a lab CSV; every row must have the 37 columns with numeric values.
pub fn parse(text: &str) -> Result<Vec<LabRow>, String> {
    let mut lines = text.lines();
    let head = lines.next().ok_or("empty file")?.trim_end_matches('\r');
    if head != header() {
        return Err(format!("header differs from the lab layout: {head}"));
    }
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != 37 {
            return Err(format!(
                "row {}: {} columns, expected 37",
                n + 2,
                cells.len()
            ));
        }
        let num = |s: &str| -> Result<f64, String> {
            s.parse::<f64>()
                .map_err(|_| format!("row {}: \"{s}\" is not a number", n + 2))
        };
        let values = cells[..34]
            .iter()
            .map(|s| num(s))
            .collect::<Result<_, _>>()?;
        rows.push(LabRow {
            values,
            class: cells[34].to_string(),
            timestamp: num(cells[35])?,
            session: cells[36]
                .parse()
                .map_err(|_| format!("row {}: bad session \"{}\"", n + 2, cells[36]))?,
        });
    }
    Ok(rows)
}

/// What a lab file holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// class → (rows, sessions).
    pub per_class: BTreeMap<String, (usize, usize)>,
    /// Counter decreases that were 32-bit wraps.
    pub wraps: usize,
    /// Mean ipInReceives per second over each class's intervals.
    pub ip_in_rate: BTreeMap<String, f64>,
    /// Median tcpCurrEstab (open TCP connections) over each class's rows.
    pub estab_median: BTreeMap<String, f64>,
}

/// Check the rows: timestamps increase, counters never go back within a
/// session (except a 32-bit wrap), and compute per-class figures.
pub fn summarise(rows: &[LabRow]) -> Result<Summary, String> {
    let mut s = Summary::default();
    let mut sessions: BTreeMap<String, std::collections::BTreeSet<u32>> = BTreeMap::new();
    let mut rate_sum: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut estab: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        s.per_class.entry(r.class.clone()).or_default().0 += 1;
        estab
            .entry(r.class.clone())
            .or_default()
            .push(r.values[GAUGE]);
        sessions
            .entry(r.class.clone())
            .or_default()
            .insert(r.session);
        let Some(p) = i.checked_sub(1).map(|j| &rows[j]) else {
            continue;
        };
        if r.timestamp <= p.timestamp {
            return Err(format!("row {}: time does not increase", i + 2));
        }
        if p.session != r.session {
            continue;
        }
        for (c, name) in PUBLIC_HEADER.iter().enumerate() {
            if c == GAUGE || r.values[c] >= p.values[c] {
                continue;
            }
            if p.values[c] - r.values[c] > 2f64.powi(31) && p.values[c] < 2f64.powi(32) {
                s.wraps += 1;
            } else {
                return Err(format!(
                    "row {}: {} went back from {} to {} within session {}",
                    i + 2,
                    name,
                    p.values[c],
                    r.values[c],
                    r.session
                ));
            }
        }
        let dt = r.timestamp - p.timestamp;
        let d = r.values[IP_IN_RECEIVES] - p.values[IP_IN_RECEIVES];
        if d >= 0.0 {
            let e = rate_sum.entry(r.class.clone()).or_default();
            e.0 += d;
            e.1 += dt;
        }
    }
    for (c, set) in sessions {
        s.per_class.entry(c).or_default().1 = set.len();
    }
    for (c, (d, t)) in rate_sum {
        if t > 0.0 {
            s.ip_in_rate.insert(c, d / t);
        }
    }
    for (c, mut v) in estab {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let m = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        s.estab_median.insert(c, m);
    }
    Ok(s)
}

/// A slow attack holds its connections: the class's median tcpCurrEstab is
/// at least `factor` × normal's (normal's counted as at least 1). Slowloris
/// and Slow POST keep hundreds of connections open on a server that, in
/// normal traffic, has a handful.
pub fn holds_connections(s: &Summary, class: &str, factor: f64) -> Result<(), String> {
    let normal = s
        .estab_median
        .get("normal")
        .copied()
        .ok_or("no normal rows to compare open connections with")?;
    let held = s
        .estab_median
        .get(class)
        .copied()
        .ok_or_else(|| format!("no {class} rows"))?;
    if held.is_nan() || held < factor * normal.max(1.0) {
        return Err(format!(
            "{class}: median tcpCurrEstab {held} is not {factor}× normal's {normal}: the attack does not hold its connections"
        ));
    }
    Ok(())
}

/// The smoke test: at least `min_rows` rows per class in `classes`, and the
/// `attack` class's mean ipInReceives rate at least `factor` × normal's.
pub fn smoke(
    rows: &[LabRow],
    classes: &[&str],
    min_rows: usize,
    attack: &str,
    factor: f64,
) -> Result<Summary, String> {
    let s = summarise(rows)?;
    for c in classes {
        let n = s.per_class.get(*c).map(|v| v.0).unwrap_or(0);
        if n < min_rows {
            return Err(format!("class {c}: {n} rows, expected at least {min_rows}"));
        }
    }
    let rate = |c: &str| s.ip_in_rate.get(c).copied().unwrap_or(0.0);
    // The counters move: every class sees inbound IP traffic.
    if let Some(c) = classes.iter().find(|c| rate(c) <= 0.0) {
        return Err(format!("{c}: ipInReceives never increased"));
    }
    let (a, n) = (rate(attack), rate("normal"));
    if a.is_nan() || a < factor * n.max(1.0) {
        return Err(format!(
            "{attack}: ipInReceives {a:.1}/s is not {factor}× normal's {n:.1}/s"
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mib::csv_row;

    fn file(rows: &[(u64, u64, &str, f64, u32)]) -> String {
        let mut t = header() + "\n";
        for &(octets, ip_in, class, ts, session) in rows {
            let mut v = vec![5u64; 34];
            v[0] = octets;
            v[IP_IN_RECEIVES] = ip_in;
            t += &(csv_row(&v, class, ts, session) + "\n");
        }
        t
    }

    #[test]
    fn parses_and_summarises() {
        let t = file(&[
            (100, 10, "normal", 1.0, 1),
            (200, 20, "normal", 2.0, 1),
            (300, 30, "normal", 3.0, 1),
            (4_294_967_000, 40, "tcp-syn", 10.0, 2),
            (100, 1040, "tcp-syn", 11.0, 2), // octets wrap
            (200, 3040, "tcp-syn", 12.0, 2),
        ]);
        let rows = parse(&t).unwrap();
        assert_eq!(rows.len(), 6);
        let s = smoke(&rows, &["normal", "tcp-syn"], 3, "tcp-syn", 5.0).unwrap();
        assert_eq!(s.per_class["normal"], (3, 1));
        assert_eq!(s.wraps, 1);
        assert_eq!(s.ip_in_rate["normal"], 10.0);
        assert_eq!(s.ip_in_rate["tcp-syn"], 1500.0);
        assert!(smoke(&rows, &["normal", "tcp-syn"], 4, "tcp-syn", 5.0).is_err());
        assert!(smoke(&rows, &["normal"], 1, "tcp-syn", 500.0).is_err());
        let flat = file(&[(1, 10, "normal", 1.0, 1), (2, 10, "normal", 2.0, 1)]);
        let e = smoke(&parse(&flat).unwrap(), &["normal"], 1, "normal", 0.0).unwrap_err();
        assert!(e.contains("never increased"), "{e}");
    }

    #[test]
    fn slow_attacks_must_hold_connections() {
        let mut t = header() + "\n";
        let mut ts = 0.0;
        for (class, session, estab) in [
            ("normal", 1, [4u64, 4, 5]),
            ("slowpost", 2, [380, 400, 401]),
            ("slowloris", 3, [4, 5, 40]),
        ] {
            for (k, e) in estab.into_iter().enumerate() {
                let mut v = vec![5u64 + k as u64; 34];
                v[GAUGE] = e;
                ts += 1.0;
                t += &(csv_row(&v, class, ts, session) + "\n");
            }
        }
        let s = summarise(&parse(&t).unwrap()).unwrap();
        assert_eq!(s.estab_median["normal"], 4.0);
        assert_eq!(s.estab_median["slowpost"], 400.0);
        assert!(holds_connections(&s, "slowpost", 10.0).is_ok());
        let e = holds_connections(&s, "slowloris", 10.0).unwrap_err();
        assert!(
            e.contains("median tcpCurrEstab 5 is not 10× normal's 4"),
            "{e}"
        );
        assert!(holds_connections(&s, "udp-flood", 10.0).is_err());
    }

    #[test]
    fn refuses_bad_files() {
        assert!(parse("a,b\n1,2\n").is_err());
        let t = file(&[(1, 1, "normal", 1.0, 1)]);
        assert!(parse(&(t.clone() + "1,2,3\n")).is_err());
        let back = file(&[(100, 10, "normal", 1.0, 1), (50, 20, "normal", 2.0, 1)]);
        let e = summarise(&parse(&back).unwrap()).unwrap_err();
        assert!(e.contains("ifInOctets11 went back"), "{e}");
        let time = file(&[(100, 10, "normal", 2.0, 1), (150, 20, "normal", 2.0, 1)]);
        assert!(summarise(&parse(&time).unwrap()).is_err());
        // A decrease across sessions is fine.
        let across = file(&[(100, 10, "normal", 1.0, 1), (50, 20, "tcp-syn", 2.0, 2)]);
        assert!(summarise(&parse(&across).unwrap()).is_ok());
    }
}
