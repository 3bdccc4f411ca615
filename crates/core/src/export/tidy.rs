//! Series → mibwatch's table: one row per poll per entity (host + chosen
//! interface), the inputs under their schema names in schema order, the
//! 64-bit HC counter preferred over the 32-bit one, ifIn/OutNUcastPkts
//! derived from multicast + broadcast when the file has no NUcast series,
//! bits turned into octets, a poll kept only when every input has a value.

use std::collections::HashMap;

use super::names::{Piece, Source};
use super::series::{Clock, Parsed};
use super::understanding::{PollSource, Understanding, median_step, summarize};
use super::{
    Export, ExportError, HOST, INTERFACE, InterfaceChoice, ReadOptions, SYS_UPTIME, SeriesKind,
    TIMESTAMP,
};
use crate::ingest::{Table, TextColumn};
use crate::limits;
use crate::schema::{MIB_VARS, VarKind};

/// A column of the tidy table: a schema variable or the uptime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Col {
    Var(usize),
    Uptime,
}

/// Where one entity's column comes from.
#[derive(Debug, Clone)]
enum Feed {
    One(usize),
    /// Multicast + broadcast series.
    Sum(usize, usize),
}

struct Entity {
    host: String,
    iface: String,
    feeds: Vec<(Col, Feed)>,
}

type Pts = Vec<(f64, f64, usize)>;

pub fn tidy(p: Parsed, opts: &ReadOptions) -> Result<Export, ExportError> {
    if p.series.is_empty() {
        return Err(ExportError::NoInputs {
            file: p.file.clone(),
            format: p.format,
            seen: p.unknown_names.clone(),
        });
    }
    let pts = points_by_series(&p)?;

    // Hosts and their interfaces, in order of appearance.
    let mut hosts: Vec<(String, Vec<String>)> = Vec::new();
    for s in &p.series {
        let h = match hosts.iter_mut().position(|(h, _)| *h == s.host) {
            Some(i) => i,
            None => {
                hosts.push((s.host.clone(), Vec::new()));
                hosts.len() - 1
            }
        };
        if !s.iface.is_empty() && !hosts[h].1.contains(&s.iface) {
            hosts[h].1.push(s.iface.clone());
        }
    }
    let pairs: usize = hosts.iter().map(|(_, i)| i.len().max(1)).sum();
    if pairs > limits::MAX_ENTITIES {
        return Err(ExportError::TooManyEntities {
            file: p.file.clone(),
            entities: pairs,
        });
    }
    let max_ifaces = hosts.iter().map(|(_, i)| i.len()).max().unwrap_or(0);

    // The entities: (host, interface) per the choice.
    let mut notes = p.notes.clone();
    let mut chosen: Vec<(String, String)> = Vec::new();
    for (host, ifaces) in &hosts {
        if ifaces.is_empty() {
            chosen.push((host.clone(), String::new()));
            continue;
        }
        match &opts.interface {
            InterfaceChoice::Every => {
                chosen.extend(ifaces.iter().map(|i| (host.clone(), i.clone())));
            }
            InterfaceChoice::Named(want) => {
                let hit = ifaces.iter().find(|i| {
                    p.series.iter().any(|s| {
                        s.host == *host
                            && s.iface == **i
                            && (s.iface.eq_ignore_ascii_case(want.trim())
                                || s.iface_alt
                                    .iter()
                                    .any(|a| a.eq_ignore_ascii_case(want.trim())))
                    })
                });
                match hit {
                    Some(i) => chosen.push((host.clone(), i.clone())),
                    None => notes.push(format!(
                        "host {} has no interface {want}: left out",
                        show_host(host)
                    )),
                }
            }
            InterfaceChoice::Busiest => {
                let busiest = busiest(&p, &pts, host, ifaces);
                chosen.push((host.clone(), busiest));
            }
        }
    }
    if chosen.is_empty() {
        let mut available: Vec<String> = Vec::new();
        for i in hosts.iter().flat_map(|(_, i)| i) {
            if !available.contains(i) {
                available.push(i.clone());
            }
        }
        return Err(ExportError::NoInterface {
            file: p.file.clone(),
            wanted: match &opts.interface {
                InterfaceChoice::Named(n) => n.clone(),
                _ => String::new(),
            },
            available,
        });
    }

    // What feeds each column of each entity.
    let mut entities: Vec<Entity> = Vec::new();
    let mut hc_used: Vec<&'static str> = Vec::new();
    let mut derived: Vec<&'static str> = Vec::new();
    let mut index: HashMap<(&str, &str, Source), usize> = HashMap::new();
    for (id, s) in p.series.iter().enumerate() {
        index.entry((&s.host, &s.iface, s.source)).or_insert(id);
    }
    for (host, iface) in chosen {
        let find = |src: Source| {
            let i = if src.is_interface() {
                iface.as_str()
            } else {
                ""
            };
            index.get(&(host.as_str(), i, src)).copied()
        };
        let mut feeds = Vec::new();
        for (index, var) in MIB_VARS.iter().enumerate() {
            if let Some(id) = find(Source::Var { index, hc: true }) {
                feeds.push((Col::Var(index), Feed::One(id)));
                if !hc_used.contains(&var.name) {
                    hc_used.push(var.name);
                }
            } else if let Some(id) = find(Source::Var { index, hc: false }) {
                feeds.push((Col::Var(index), Feed::One(id)));
            } else if let Some((m, b)) = nucast_parts(var.name) {
                let part = |part: Piece| {
                    find(Source::Piece { part, hc: true })
                        .or_else(|| find(Source::Piece { part, hc: false }))
                };
                if let (Some(a), Some(c)) = (part(m), part(b)) {
                    feeds.push((Col::Var(index), Feed::Sum(a, c)));
                    if !derived.contains(&var.name) {
                        derived.push(var.name);
                    }
                }
            }
        }
        if let Some(id) = find(Source::SysUpTime) {
            feeds.push((Col::Uptime, Feed::One(id)));
        }
        entities.push(Entity { host, iface, feeds });
    }

    // Columns every entity has.
    let mut cols: Vec<Col> = entities[0].feeds.iter().map(|(c, _)| *c).collect();
    cols.retain(|c| entities.iter().all(|e| e.feeds.iter().any(|(d, _)| d == c)));
    for e in &entities {
        for (c, _) in &e.feeds {
            if !cols.contains(c) {
                let name = col_name(*c);
                let note = format!("{name} is missing for some hosts or interfaces: left out");
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
        }
    }
    if !cols.iter().any(|c| matches!(c, Col::Var(_))) {
        let mut seen: Vec<String> = p.series.iter().map(|s| s.label.clone()).collect();
        seen.dedup();
        return Err(ExportError::NoInputs {
            file: p.file.clone(),
            format: p.format,
            seen,
        });
    }

    // Kinds per column: every feeding series must agree.
    let mut kinds: Vec<SeriesKind> = Vec::new();
    for &c in &cols {
        let mut kind: Option<SeriesKind> = None;
        for e in &entities {
            for (d, feed) in &e.feeds {
                if *d != c {
                    continue;
                }
                let ids = match feed {
                    Feed::One(a) => vec![*a],
                    Feed::Sum(a, b) => vec![*a, *b],
                };
                for id in ids {
                    let k = p.series[id].kind;
                    if kind.is_some_and(|old| old != k) {
                        return Err(ExportError::MixedKinds {
                            file: p.file.clone(),
                            format: p.format,
                            column: col_name(c).to_string(),
                        });
                    }
                    kind = Some(k);
                }
            }
        }
        let k = match c {
            Col::Uptime => SeriesKind::Gauge,
            Col::Var(i) if MIB_VARS[i].kind == VarKind::Gauge => SeriesKind::Gauge,
            Col::Var(_) => opts.kind.unwrap_or(kind.unwrap_or(SeriesKind::Counter)),
        };
        kinds.push(k);
    }

    // Rows.
    let with_time = p.clock == Clock::Timestamps;
    let mut columns: Vec<String> = Vec::new();
    let mut out_kinds: Vec<SeriesKind> = Vec::new();
    if with_time {
        columns.push(TIMESTAMP.to_string());
        out_kinds.push(SeriesKind::Gauge);
    }
    columns.extend(cols.iter().map(|c| col_name(*c).to_string()));
    out_kinds.extend(kinds.iter().copied());
    let mut table = Table {
        file_name: p.file.clone(),
        delimiter: b',',
        columns,
        values: Vec::new(),
        labels: None,
        row_numbers: Vec::new(),
        text: vec![
            TextColumn {
                name: HOST.into(),
                values: Vec::new(),
            },
            TextColumn {
                name: INTERFACE.into(),
                values: Vec::new(),
            },
        ],
    };
    let mut incomplete = 0usize;
    let mut steps: Vec<f64> = Vec::new();
    let mut uptime_steps: Vec<f64> = Vec::new();
    let (mut t_min, mut t_max) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut row = vec![0.0; cols.len()];
    for e in &entities {
        let feeds: Vec<&Feed> = cols
            .iter()
            .map(|c| {
                &e.feeds
                    .iter()
                    .find(|(d, _)| d == c)
                    .expect("kept columns")
                    .1
            })
            .collect();
        let ids: Vec<usize> = feeds
            .iter()
            .flat_map(|f| match f {
                Feed::One(a) => vec![*a],
                Feed::Sum(a, b) => vec![*a, *b],
            })
            .collect();
        let mut times: Vec<f64> = ids
            .iter()
            .flat_map(|&i| pts[i].iter().map(|x| x.0))
            .collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let tol = ids
            .iter()
            .filter_map(|&i| median_step(&pts[i].iter().map(|x| x.0).collect::<Vec<_>>()))
            .fold(f64::INFINITY, f64::min);
        let tol = if tol.is_finite() { tol * 0.25 } else { 0.0 };
        let mut cursor = vec![0usize; p.series.len()];
        let mut k = 0;
        let mut last_time: Option<f64> = None;
        let mut last_up: Option<f64> = None;
        while k < times.len() {
            let start = times[k];
            // The first time always belongs to its poll: the loop moves on
            // whatever the comparison says.
            k += 1;
            while k < times.len() && times[k] - start <= tol {
                k += 1;
            }
            let end = times[k - 1];
            let mut line = usize::MAX;
            let mut complete = true;
            let mut value_at = |id: usize, line: &mut usize| -> Option<f64> {
                let c = &mut cursor[id];
                while *c < pts[id].len() && pts[id][*c].0 < start {
                    *c += 1;
                }
                let (t, v, l) = *pts[id].get(*c)?;
                if t > end {
                    return None;
                }
                *line = (*line).min(l);
                let s = &p.series[id];
                Some(if s.bits { v / 8.0 } else { v })
            };
            for (j, f) in feeds.iter().enumerate() {
                let v = match f {
                    Feed::One(a) => value_at(*a, &mut line),
                    Feed::Sum(a, b) => match (value_at(*a, &mut line), value_at(*b, &mut line)) {
                        (Some(x), Some(y)) => Some(x + y),
                        _ => None,
                    },
                };
                match v {
                    Some(v) if v.is_finite() => row[j] = v,
                    _ => complete = false,
                }
            }
            if !complete {
                incomplete += 1;
                continue;
            }
            if table.values.len() + row.len() + 1 > limits::MAX_VALUES
                || table.n_rows() >= limits::MAX_ROWS
            {
                return Err(ExportError::TooManyPoints {
                    file: p.file.clone(),
                    format: p.format,
                });
            }
            if with_time {
                table.values.push(start);
                t_min = t_min.min(start);
                t_max = t_max.max(start);
                if let Some(prev) = last_time {
                    steps.push(start - prev);
                }
                last_time = Some(start);
            }
            if let Some(j) = cols.iter().position(|c| *c == Col::Uptime) {
                if let Some(prev) = last_up {
                    uptime_steps.push(row[j] - prev);
                }
                last_up = Some(row[j]);
            }
            table.values.extend_from_slice(&row);
            table
                .row_numbers
                .push(if line == usize::MAX { 0 } else { line });
            table.text[0].values.push(e.host.clone());
            table.text[1].values.push(e.iface.clone());
        }
    }
    if table.n_rows() == 0 {
        return Err(ExportError::NoRows {
            file: p.file.clone(),
            format: p.format,
        });
    }

    let median = |mut v: Vec<f64>| {
        v.retain(|d| d.is_finite() && *d > 0.0);
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    let (poll_seconds, poll_source) = match (opts.interval, p.step, median(steps)) {
        (Some(s), _, _) => (Some(s), PollSource::Given),
        (None, Some(s), _) => (Some(s), PollSource::Stated),
        (None, None, Some(s)) => (Some(s), PollSource::Timestamps),
        _ => match median(uptime_steps) {
            Some(s) => (Some(s), PollSource::SysUpTime),
            None => (None, PollSource::Unknown),
        },
    };
    let (inputs, missing) = Understanding::inputs_of(&table.columns);
    let understanding = Understanding {
        format: p.format,
        rows: table.n_rows(),
        hosts: hosts.len(),
        interfaces: max_ifaces,
        entities: entities.len(),
        interface_choice: match &opts.interface {
            InterfaceChoice::Busiest => "busiest".into(),
            InterfaceChoice::Every => "every interface".into(),
            InterfaceChoice::Named(n) => n.clone(),
        },
        kinds: summarize(&table.columns, &out_kinds),
        poll_seconds,
        poll_source,
        span: (t_min <= t_max).then_some((t_min, t_max)),
        inputs,
        missing,
        hc: hc_used,
        derived,
        unknown: p.unknown,
        unknown_names: p.unknown_names.clone(),
        skipped_values: p.skipped,
        incomplete_rows: incomplete,
        notes,
    };
    Ok(Export {
        format: p.format,
        table,
        kinds: out_kinds,
        interval: poll_seconds,
        understanding,
    })
}

fn show_host(h: &str) -> &str {
    if h.is_empty() { "(unnamed)" } else { h }
}

fn col_name(c: Col) -> &'static str {
    match c {
        Col::Var(i) => MIB_VARS[i].name,
        Col::Uptime => SYS_UPTIME,
    }
}

fn nucast_parts(name: &str) -> Option<(Piece, Piece)> {
    match name {
        "ifInNUcastPkts11" => Some((Piece::InMulticast, Piece::InBroadcast)),
        "ifOutNUcastPkts11" => Some((Piece::OutMulticast, Piece::OutBroadcast)),
        _ => None,
    }
}

/// Points of each series in file order, checked: time strictly increasing.
fn points_by_series(p: &Parsed) -> Result<Vec<Pts>, ExportError> {
    let mut pts: Vec<Pts> = vec![Vec::new(); p.series.len()];
    for pt in &p.points {
        // A time too large for a number (`17001e2000020`) or out of range
        // after a start + step × row: never a poll's time.
        if !pt.time.is_finite() {
            return Err(p.malformed(
                pt.line,
                "time",
                format!(
                    "the time of {} is not a finite number",
                    p.series[pt.series].label
                ),
            ));
        }
        let v = &mut pts[pt.series];
        if let Some(&(t, _, _)) = v.last() {
            if pt.time == t {
                return Err(ExportError::DuplicateSeries {
                    file: p.file.clone(),
                    format: p.format,
                    line: pt.line,
                    series: p.series[pt.series].label.clone(),
                });
            }
            if pt.time < t {
                return Err(ExportError::TimeNotIncreasing {
                    file: p.file.clone(),
                    format: p.format,
                    line: pt.line,
                    series: p.series[pt.series].label.clone(),
                });
            }
        }
        v.push((pt.time, pt.value, pt.line));
    }
    Ok(pts)
}

/// The non-loopback interface of a host that moved the most octets
/// (counters: sum of increases; rates: sum of values).
fn busiest(p: &Parsed, pts: &[Pts], host: &str, ifaces: &[String]) -> String {
    let mut best: Option<(bool, f64, &String)> = None;
    let mut totals: HashMap<&str, f64> = HashMap::new();
    for (id, s) in p.series.iter().enumerate() {
        let octets = matches!(s.source, Source::Var { index, .. }
            if MIB_VARS[index].name.contains("Octets"));
        if s.host != host || !octets {
            continue;
        }
        let v = &pts[id];
        *totals.entry(s.iface.as_str()).or_default() += match s.kind {
            SeriesKind::Counter => v.windows(2).map(|w| (w[1].1 - w[0].1).max(0.0)).sum(),
            _ => v.iter().map(|x| x.1.max(0.0)).sum::<f64>(),
        };
    }
    for iface in ifaces {
        let total = totals.get(iface.as_str()).copied().unwrap_or(0.0);
        {}
        let real = !super::names::is_loopback(iface);
        let better = match best {
            None => true,
            Some((r, t, _)) => (real, total) > (r, t),
        };
        if better {
            best = Some((real, total, iface));
        }
    }
    best.map(|b| b.2.clone()).unwrap_or_default()
}
