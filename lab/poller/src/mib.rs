//! The 34 variables of the public SNMP-MIB dataset as OIDs on the victim's
//! net-snmp agent, the parsing of `snmpget -On` output, and the lab CSV row.
//!
//! The `…11` interface columns of the public file are one router interface;
//! in the lab they are the victim's lab-facing veth, addressed by its ifIndex.
//! IF-MIB's ifInNUcastPkts/ifOutNUcastPkts are deprecated: when the agent
//! answers noSuchObject/noSuchInstance for them they are derived from the
//! ifXTable multicast + broadcast counters (ifIn/OutMulticastPkts +
//! ifIn/OutBroadcastPkts) of the same interface.

use std::collections::HashMap;

/// Header of `data/snmp-mib/all_data.csv`, spelling and order kept
/// (`ifoutDiscards11`, `tcp?ActiveOpens`).
pub const PUBLIC_HEADER: [&str; 34] = [
    "ifInOctets11",
    "ifOutOctets11",
    "ifoutDiscards11",
    "ifInUcastPkts11",
    "ifInNUcastPkts11",
    "ifInDiscards11",
    "ifOutUcastPkts11",
    "ifOutNUcastPkts11",
    "tcpOutRsts",
    "tcpInSegs",
    "tcpOutSegs",
    "tcpPassiveOpens",
    "tcpRetransSegs",
    "tcpCurrEstab",
    "tcpEstabResets",
    "tcp?ActiveOpens",
    "udpInDatagrams",
    "udpOutDatagrams",
    "udpInErrors",
    "udpNoPorts",
    "ipInReceives",
    "ipInDelivers",
    "ipOutRequests",
    "ipOutDiscards",
    "ipInDiscards",
    "ipForwDatagrams",
    "ipOutNoRoutes",
    "ipInAddrErrors",
    "icmpInMsgs",
    "icmpInDestUnreachs",
    "icmpOutMsgs",
    "icmpOutDestUnreachs",
    "icmpInEchos",
    "icmpOutEchoReps",
];

/// Columns the lab adds after the 34 variables.
pub const EXTRA_COLUMNS: [&str; 3] = ["class", "timestamp", "session"];

/// The full lab CSV header line (no newline).
pub fn header() -> String {
    let mut cols: Vec<&str> = PUBLIC_HEADER.to_vec();
    cols.extend(EXTRA_COLUMNS);
    cols.join(",")
}

const IF_TABLE: &str = ".1.3.6.1.2.1.2.2.1";
const IFX_TABLE: &str = ".1.3.6.1.2.1.31.1.1.1";

/// OID of each column of [`PUBLIC_HEADER`] (interface columns for `if_index`).
pub fn column_oids(if_index: u32) -> Vec<String> {
    let ifc = |col: u32| format!("{IF_TABLE}.{col}.{if_index}");
    let s = |group: u32, obj: u32| format!(".1.3.6.1.2.1.{group}.{obj}.0");
    vec![
        ifc(10),  // ifInOctets
        ifc(16),  // ifOutOctets
        ifc(19),  // ifOutDiscards
        ifc(11),  // ifInUcastPkts
        ifc(12),  // ifInNUcastPkts (deprecated)
        ifc(13),  // ifInDiscards
        ifc(17),  // ifOutUcastPkts
        ifc(18),  // ifOutNUcastPkts (deprecated)
        s(6, 15), // tcpOutRsts
        s(6, 10), // tcpInSegs
        s(6, 11), // tcpOutSegs
        s(6, 6),  // tcpPassiveOpens
        s(6, 12), // tcpRetransSegs
        s(6, 9),  // tcpCurrEstab
        s(6, 8),  // tcpEstabResets
        s(6, 5),  // tcpActiveOpens
        s(7, 1),  // udpInDatagrams
        s(7, 4),  // udpOutDatagrams
        s(7, 3),  // udpInErrors
        s(7, 2),  // udpNoPorts
        s(4, 3),  // ipInReceives
        s(4, 9),  // ipInDelivers
        s(4, 10), // ipOutRequests
        s(4, 11), // ipOutDiscards
        s(4, 8),  // ipInDiscards
        s(4, 6),  // ipForwDatagrams
        s(4, 12), // ipOutNoRoutes
        s(4, 5),  // ipInAddrErrors
        s(5, 1),  // icmpInMsgs
        s(5, 3),  // icmpInDestUnreachs
        s(5, 14), // icmpOutMsgs
        s(5, 16), // icmpOutDestUnreachs
        s(5, 8),  // icmpInEchos
        s(5, 22), // icmpOutEchoReps
    ]
}

/// ifXTable multicast + broadcast OIDs: `(in, out)` pairs for the NUcast fallback.
pub fn nucast_fallback_oids(if_index: u32) -> ([String; 2], [String; 2]) {
    let x = |col: u32| format!("{IFX_TABLE}.{col}.{if_index}");
    ([x(2), x(3)], [x(4), x(5)])
}

/// Index of ifInNUcastPkts11 / ifOutNUcastPkts11 in [`PUBLIC_HEADER`].
pub const IN_NUCAST: usize = 4;
pub const OUT_NUCAST: usize = 7;

/// Every OID one poll asks for: the 34 columns, then the 4 ifXTable fallbacks.
pub fn request_oids(if_index: u32) -> Vec<String> {
    let mut v = column_oids(if_index);
    let (i, o) = nucast_fallback_oids(if_index);
    v.extend(i);
    v.extend(o);
    v
}

/// One varbind's value as the agent answered it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(u64),
    /// noSuchObject / noSuchInstance / endOfMibView.
    Missing,
}

/// Parse `snmpget -On` output (`.1.3.6… = Counter32: 123`) into OID → value.
/// Lines that are not varbinds are ignored; a value that is not a number
/// (e.g. a string) is an error.
pub fn parse_snmpget(text: &str) -> Result<HashMap<String, Value>, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let Some((oid, rest)) = line.split_once(" = ") else {
            continue;
        };
        let oid = oid.trim();
        if !oid.starts_with('.') {
            continue;
        }
        let rest = rest.trim();
        let value = if rest.starts_with("No Such") || rest.starts_with("No more variables") {
            Value::Missing
        } else {
            let raw = rest.split_once(": ").map(|(_, v)| v).unwrap_or(rest).trim();
            // Gauges/counters may carry a unit suffix in some output styles.
            let num = raw.split_whitespace().next().unwrap_or("");
            Value::Number(
                num.parse()
                    .map_err(|_| format!("{oid}: \"{rest}\" is not a number"))?,
            )
        };
        out.insert(oid.to_string(), value);
    }
    Ok(out)
}

/// Where the NUcast columns came from in a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NucastSource {
    IfTable,
    IfXTableMulticastPlusBroadcast,
}

/// The 34 raw values of one poll, in [`PUBLIC_HEADER`] order.
pub fn row_values(
    answers: &HashMap<String, Value>,
    if_index: u32,
) -> Result<(Vec<u64>, NucastSource), String> {
    let oids = column_oids(if_index);
    let (fin, fout) = nucast_fallback_oids(if_index);
    let get = |oid: &str| answers.get(oid).cloned();
    let mut values = Vec::with_capacity(34);
    let mut source = NucastSource::IfTable;
    for (i, oid) in oids.iter().enumerate() {
        let v = match get(oid) {
            Some(Value::Number(n)) => n,
            Some(Value::Missing) | None if i == IN_NUCAST || i == OUT_NUCAST => {
                let pair = if i == IN_NUCAST { &fin } else { &fout };
                let mut sum = 0u64;
                for o in pair {
                    match get(o) {
                        Some(Value::Number(n)) => sum += n,
                        _ => {
                            return Err(format!(
                                "{}: no answer for {oid} nor for the ifXTable fallback {o}",
                                PUBLIC_HEADER[i]
                            ));
                        }
                    }
                }
                source = NucastSource::IfXTableMulticastPlusBroadcast;
                sum
            }
            _ => return Err(format!("{}: no answer for {oid}", PUBLIC_HEADER[i])),
        };
        values.push(v);
    }
    Ok((values, source))
}

/// One CSV line (no newline): the 34 values, class, timestamp, session.
pub fn csv_row(values: &[u64], class: &str, timestamp: f64, session: u32) -> String {
    let mut s: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    s.push(class.to_string());
    s.push(format!("{timestamp:.3}"));
    s.push(session.to_string());
    s.join(",")
}

/// The poller's label state file: `CLASS SESSION` while a block is being
/// recorded; anything else (empty, `-`, missing) means "do not record".
pub fn parse_state(text: &str) -> Option<(String, u32)> {
    let mut it = text.split_whitespace();
    let class = it.next()?;
    if class == "-" {
        return None;
    }
    let session = it.next()?.parse().ok()?;
    let ok = class
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| (class.to_string(), session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_the_public_files_plus_lab_columns() {
        let public = include_str!("../../../data/snmp-mib/all_data.csv")
            .lines()
            .next()
            .unwrap()
            .trim_end_matches('\r')
            .to_string();
        assert_eq!(format!("{},class", PUBLIC_HEADER.join(",")), public);
        assert!(header().ends_with(",class,timestamp,session"));
        assert_eq!(header().split(',').count(), 37);
    }

    #[test]
    fn oids_are_distinct_and_use_the_interface_index() {
        let o = request_oids(6);
        assert_eq!(o.len(), 38);
        let set: std::collections::HashSet<_> = o.iter().collect();
        assert_eq!(set.len(), 38);
        assert_eq!(o[0], ".1.3.6.1.2.1.2.2.1.10.6");
        assert_eq!(o[20], ".1.3.6.1.2.1.4.3.0"); // ipInReceives
        assert_eq!(o[13], ".1.3.6.1.2.1.6.9.0"); // tcpCurrEstab
        assert_eq!(o[37], ".1.3.6.1.2.1.31.1.1.1.5.6");
    }

    fn answers(if_index: u32, nucast_missing: bool) -> String {
        let mut s = String::from("Created directory: /x\n");
        for (i, oid) in request_oids(if_index).iter().enumerate() {
            if nucast_missing && (i == IN_NUCAST || i == OUT_NUCAST) {
                s += &format!("{oid} = No Such Object available on this agent at this OID\n");
            } else if i == 13 {
                s += &format!("{oid} = Gauge32: {i}\n");
            } else if i == 0 {
                s += &format!("{oid} = Counter64: 18446744073709551615\n");
            } else {
                s += &format!("{oid} = Counter32: {}\n", i * 10);
            }
        }
        s
    }

    #[test]
    fn parses_snmpget_output_into_a_row() {
        let a = parse_snmpget(&answers(3, false)).unwrap();
        let (v, src) = row_values(&a, 3).unwrap();
        assert_eq!(src, NucastSource::IfTable);
        assert_eq!(v.len(), 34);
        assert_eq!(v[0], u64::MAX);
        assert_eq!(v[13], 13);
        assert_eq!(v[IN_NUCAST], 40);
        assert_eq!(v[33], 330);
    }

    #[test]
    fn nucast_falls_back_to_multicast_plus_broadcast() {
        let a = parse_snmpget(&answers(3, true)).unwrap();
        assert_eq!(a[".1.3.6.1.2.1.2.2.1.12.3"], Value::Missing);
        let (v, src) = row_values(&a, 3).unwrap();
        assert_eq!(src, NucastSource::IfXTableMulticastPlusBroadcast);
        assert_eq!(v[IN_NUCAST], 340 + 350); // ifIn{Multicast,Broadcast}Pkts
        assert_eq!(v[OUT_NUCAST], 360 + 370);
    }

    #[test]
    fn missing_or_odd_answers_are_errors() {
        let text = answers(3, false).replace("Gauge32: 13", "STRING: \"x\"");
        assert!(parse_snmpget(&text).is_err());
        let mut a = parse_snmpget(&answers(3, false)).unwrap();
        a.remove(".1.3.6.1.2.1.4.3.0");
        let e = row_values(&a, 3).unwrap_err();
        assert!(e.contains("ipInReceives"), "{e}");
        // Wrong interface: nothing matches.
        assert!(row_values(&parse_snmpget(&answers(3, false)).unwrap(), 4).is_err());
    }

    #[test]
    fn csv_row_and_state() {
        let r = csv_row(&[1, 2, 3], "tcp-syn", 1795699074.2961, 7);
        assert_eq!(r, "1,2,3,tcp-syn,1795699074.296,7");
        assert_eq!(parse_state("tcp-syn 7\n"), Some(("tcp-syn".into(), 7)));
        assert_eq!(parse_state("httpFlood 12"), Some(("httpFlood".into(), 12)));
        assert_eq!(parse_state("-"), None);
        assert_eq!(parse_state(""), None);
        assert_eq!(parse_state("normal x"), None);
        assert_eq!(parse_state("a,b 1"), None);
    }
}
