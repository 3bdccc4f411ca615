//! net-snmp `snmpwalk`/`snmpget` output (net-snmp's snmp_api/mib.c
//! `sprint_realloc_by_type`): `OID = TYPE: value` lines, with the OID as a
//! MIB name (`IF-MIB::ifInOctets.2`), numeric without MIBs
//! (`iso.3.6.1.2.1.2.2.1.10.2`) or with `-On` (`.1.3.6.1…`). Several walks
//! may be concatenated: an OID seen again starts the next poll. The output
//! has no clock of its own: rows are poll numbers and sysUpTime (Timeticks,
//! hundredths of a second) gives the time between polls and shows reboots.
//! ifName/ifDescr/ifAlias name the interfaces. Values are raw counters.

use super::detect::is_walk_line;
use super::names::{InterfaceNames, Known, resolve_oid};
use super::series::{Clock, Parsed, PollCounter, PolledReading};
use super::{ExportError, Format};

/// The value of a walk line: a number, a text, or nothing to read.
enum Val {
    Num(f64),
    Text(String),
    Missing,
}

fn value_of(rest: &str) -> Result<Val, String> {
    let rest = rest.trim();
    if rest.starts_with("No Such") || rest.starts_with("No more variables") {
        return Ok(Val::Missing);
    }
    if rest.starts_with('"') || rest.is_empty() {
        return Ok(Val::Text(rest.trim_matches('"').to_string()));
    }
    let Some((ty, v)) = rest.split_once(':') else {
        return Err(format!("\"{rest}\" has no TYPE: value"));
    };
    let v = v.trim();
    match ty.trim() {
        "STRING" | "Hex-STRING" | "OID" | "IpAddress" | "Network Address" | "BITS" => {
            Ok(Val::Text(v.trim_matches('"').to_string()))
        }
        "Timeticks" => {
            // "(4183) 0:00:41.83"
            let ticks = v
                .strip_prefix('(')
                .and_then(|r| r.split_once(')'))
                .map_or(v, |(t, _)| t);
            ticks
                .trim()
                .parse::<f64>()
                .map(|t| Val::Num(t / 100.0))
                .map_err(|_| format!("\"{v}\" is not Timeticks"))
        }
        "Counter32" | "Counter64" | "Gauge32" | "INTEGER" | "Integer32" | "UInteger32"
        | "Unsigned32" | "Opaque" => {
            // "up(1)" with enums; a trailing unit ("5 octets") with -Ou off.
            let num = match v.rsplit_once('(') {
                Some((_, r)) if v.ends_with(')') => r.trim_end_matches(')'),
                _ => v.split_whitespace().next().unwrap_or(""),
            };
            num.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Val::Num)
                .ok_or_else(|| format!("\"{v}\" is not a {ty} value", ty = ty.trim()))
        }
        _ => Ok(Val::Text(v.to_string())),
    }
}

pub fn parse(text: &str, file: &str) -> Result<Parsed, ExportError> {
    let mut p = Parsed::new(Format::SnmpWalk, file, Clock::Polls);
    let mut readings: Vec<PolledReading> = Vec::new();
    let mut names = InterfaceNames::default();
    let mut polls = PollCounter::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if !is_walk_line(line) {
            if line.starts_with("Timeout") || line.contains("Error in packet") {
                return Err(p.malformed(line_no, "", format!("the walk failed: {}", line.trim())));
            }
            // A continuation of a multi-line string value.
            continue;
        }
        let (oid, rest) = line.split_once(" = ").unwrap_or((line, ""));
        let oid = oid.trim();
        let resolved = resolve_oid(oid);
        // The same object in any spelling seen again: the next poll.
        let key = match &resolved {
            Some((k, inst)) => format!("{k:?}/{inst}"),
            None => oid.to_string(),
        };
        let poll = polls.poll_of(key);
        let Some((known, instance)) = resolved else {
            p.skip_unknown(oid.split('.').next().unwrap_or(oid));
            continue;
        };
        let value = value_of(rest).map_err(|m| p.malformed(line_no, oid, m))?;
        match (known, value) {
            (_, Val::Missing) => p.skipped += 1,
            (Known::Label(l), Val::Text(t)) => names.offer(&instance, l, &t),
            (Known::Label(_), Val::Num(_)) => {}
            (Known::Input(_), Val::Text(t)) => {
                return Err(p.malformed(line_no, oid, format!("\"{t}\" is not a number")));
            }
            (Known::Input(source), Val::Num(value)) => readings.push(PolledReading {
                poll,
                source,
                instance,
                value,
                line: line_no,
                label: oid.to_string(),
            }),
        }
    }
    p.push_polled(readings, &names)?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ReadOptions, read_export};

    const WALK: &str = "DISMAN-EVENT-MIB::sysUpTimeInstance = Timeticks: (4183) 0:00:41.83
IF-MIB::ifDescr.1 = STRING: lo
IF-MIB::ifDescr.2 = STRING: eth0
IF-MIB::ifInOctets.1 = Counter32: 500
IF-MIB::ifInOctets.2 = Counter32: 78650
IF-MIB::ifInNUcastPkts.2 = No Such Object available on this agent at this OID
IF-MIB::ifHCInOctets.2 = Counter64: 78650
IF-MIB::ifInMulticastPkts.2 = Counter32: 3
IF-MIB::ifInBroadcastPkts.2 = Counter32: 4
TCP-MIB::tcpCurrEstab.0 = Gauge32: 5
UCD-SNMP-MIB::laLoad.1 = STRING: 0.05
";

    #[test]
    fn walks_are_polls_with_uptime_as_clock() {
        let second = WALK
            .replace("(4183)", "(5683)")
            .replace("Counter32: 78650", "Counter32: 98650")
            .replace("Counter64: 78650", "Counter64: 98650")
            .replace("Counter32: 3", "Counter32: 13")
            .replace("Gauge32: 5", "Gauge32: 6");
        let text = format!("{WALK}{second}");
        let e = read_export(text.as_bytes(), "w.txt", &ReadOptions::default()).unwrap();
        assert_eq!(e.format, Format::SnmpWalk);
        assert_eq!(
            e.table.columns,
            vec![
                "ifInOctets11",
                "ifInNUcastPkts11",
                "tcpCurrEstab",
                "sysUpTime"
            ]
        );
        assert_eq!(
            e.table.values,
            vec![78650.0, 7.0, 5.0, 41.83, 98650.0, 17.0, 6.0, 56.83]
        );
        assert_eq!(e.table.text[1].values, vec!["eth0", "eth0"]);
        assert_eq!(e.understanding.derived, vec!["ifInNUcastPkts11"]);
        assert_eq!(e.understanding.skipped_values, 2);
        assert_eq!(e.understanding.unknown, 2);
        assert!((e.interval.unwrap() - 15.0).abs() < 1e-9);
        assert_eq!(e.table.row_numbers, vec![1, 12]);
    }

    #[test]
    fn numeric_forms_and_errors() {
        let text = "iso.3.6.1.2.1.1.3.0 = Timeticks: (100) 0:00:01.00
iso.3.6.1.2.1.2.2.1.2.2 = STRING: \"eth0\"
iso.3.6.1.2.1.2.2.1.10.2 = Counter32: 10
.1.3.6.1.2.1.1.3.0 = Timeticks: (1600) 0:00:16.00
.1.3.6.1.2.1.2.2.1.2.2 = STRING: \"eth0\"
.1.3.6.1.2.1.2.2.1.10.2 = Counter32: 20
";
        let e = read_export(text.as_bytes(), "n.txt", &ReadOptions::default()).unwrap();
        // The same OIDs in two spellings: the second walk is the next poll.
        assert_eq!(e.table.values, vec![10.0, 1.0, 20.0, 16.0]);
        let bad = "IF-MIB::ifInOctets.2 = Counter32: lots\n";
        let err = read_export(bad.as_bytes(), "b.txt", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "b.txt, line 1, field \"IF-MIB::ifInOctets.2\" (snmpwalk output): \"lots\" is not a Counter32 value"
        );
    }
}
