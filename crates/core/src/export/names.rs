//! Every spelling of an input → the schema variable it feeds: the MIB object
//! name (with or without an `IF-MIB::`-style module prefix), the numeric OID
//! (`.1.3.6.1…`, `1.3.6.1…`, `iso.3.6.1…`) with its instance, the 64-bit
//! `ifHC…` counters, the ifXTable multicast/broadcast counters that make up
//! ifIn/OutNUcastPkts, LibreNMS port data sources (`INOCTETS`…), Cacti's
//! interface data sources (`traffic_in`, `traffic_out`), recording-rule
//! names (`instance:ifHCInOctets:rate5m`) and sysUpTime, the agent's clock.

use std::collections::HashMap;

use crate::schema::{self, MIB_VARS, MibGroup};

/// The parts of ifIn/OutNUcastPkts that IF-MIB's ifXTable still carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Piece {
    InMulticast,
    InBroadcast,
    OutMulticast,
    OutBroadcast,
}

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// One of the 34 schema variables (index into [`MIB_VARS`]); `hc` for
    /// the 64-bit `ifHC…` counter of an interface variable.
    Var { index: usize, hc: bool },
    /// A multicast or broadcast packet counter (part of a NUcast input).
    Piece { part: Piece, hc: bool },
    /// The agent's uptime (the clock of a walk, and its reboot detector).
    SysUpTime,
}

impl Source {
    /// Counted per interface (else per host).
    pub fn is_interface(self) -> bool {
        match self {
            Source::Var { index, .. } => MIB_VARS[index].group == MibGroup::Interface,
            Source::Piece { .. } => true,
            Source::SysUpTime => false,
        }
    }

    /// The name shown in messages (the MIB object name).
    pub fn mib_name(self) -> &'static str {
        SPELLINGS
            .iter()
            .find(|s| s.source() == Some(self))
            .map(|s| s.name)
            .unwrap_or("?")
    }
}

/// A text column of the interface table, naming an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfLabel {
    Index,
    Descr,
    Name,
    Alias,
}

/// The name each interface instance is shown by in the SNMP tools' output
/// (snmpwalk, snmptable): the best name the file gives it (ifName, then
/// ifDescr, then ifAlias), else its index.
#[derive(Debug, Default)]
pub struct InterfaceNames(HashMap<String, (IfLabel, String)>);

impl InterfaceNames {
    /// Keep `name` for `instance` when it is not empty and better than the
    /// name kept so far.
    pub fn offer(&mut self, instance: &str, label: IfLabel, name: &str) {
        let better = self
            .0
            .get(instance)
            .is_none_or(|(old, _)| rank(label) < rank(*old));
        if better && !name.is_empty() {
            self.0
                .insert(instance.to_string(), (label, name.to_string()));
        }
    }

    /// The name kept for `instance`, or the instance itself.
    pub fn name_of(&self, instance: &str) -> String {
        self.0
            .get(instance)
            .map_or_else(|| instance.to_string(), |(_, n)| n.clone())
    }
}

/// Which name of an interface wins: ifName, ifDescr, ifAlias.
fn rank(l: IfLabel) -> u8 {
    match l {
        IfLabel::Name => 0,
        IfLabel::Descr => 1,
        IfLabel::Alias => 2,
        IfLabel::Index => 3,
    }
}

/// What a name or OID denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Input(Source),
    Label(IfLabel),
}

enum What {
    /// A schema variable by its canonical name.
    Var(&'static str, bool),
    Piece(Piece, bool),
    Uptime,
    Label(IfLabel),
}

struct Spelling {
    name: &'static str,
    /// Numeric OID without the instance (no leading dot); "" when none.
    oid: &'static str,
    what: What,
}

impl Spelling {
    fn known(&self) -> Option<Known> {
        match self.what {
            What::Label(l) => Some(Known::Label(l)),
            _ => self.source().map(Known::Input),
        }
    }

    fn source(&self) -> Option<Source> {
        match self.what {
            What::Var(canon, hc) => schema::MIB_VARS
                .iter()
                .position(|v| v.name == canon)
                .map(|index| Source::Var { index, hc }),
            What::Piece(part, hc) => Some(Source::Piece { part, hc }),
            What::Uptime => Some(Source::SysUpTime),
            What::Label(_) => None,
        }
    }
}

const fn s(name: &'static str, oid: &'static str, what: What) -> Spelling {
    Spelling { name, oid, what }
}

use Piece::*;
use What::{Label, Uptime};
const fn v(name: &'static str, oid: &'static str, canon: &'static str) -> Spelling {
    s(name, oid, What::Var(canon, false))
}
const fn hc(name: &'static str, oid: &'static str, canon: &'static str) -> Spelling {
    s(name, oid, What::Var(canon, true))
}
const fn p(name: &'static str, oid: &'static str, part: Piece, hc: bool) -> Spelling {
    s(name, oid, What::Piece(part, hc))
}

/// The MIB names and OIDs (RFC 1213, IF-MIB RFC 2863, IP-MIB, TCP-MIB,
/// UDP-MIB); the first spelling of a source is its MIB name.
const SPELLINGS: &[Spelling] = &[
    s("sysUpTime", "1.3.6.1.2.1.1.3", Uptime),
    s("sysUpTimeInstance", "", Uptime),
    s("ifIndex", "1.3.6.1.2.1.2.2.1.1", Label(IfLabel::Index)),
    s("ifDescr", "1.3.6.1.2.1.2.2.1.2", Label(IfLabel::Descr)),
    s("ifName", "1.3.6.1.2.1.31.1.1.1.1", Label(IfLabel::Name)),
    s("ifAlias", "1.3.6.1.2.1.31.1.1.1.18", Label(IfLabel::Alias)),
    v("ifInOctets", "1.3.6.1.2.1.2.2.1.10", "ifInOctets11"),
    v("ifInUcastPkts", "1.3.6.1.2.1.2.2.1.11", "ifInUcastPkts11"),
    v("ifInNUcastPkts", "1.3.6.1.2.1.2.2.1.12", "ifInNUcastPkts11"),
    v("ifInDiscards", "1.3.6.1.2.1.2.2.1.13", "ifInDiscards11"),
    v("ifOutOctets", "1.3.6.1.2.1.2.2.1.16", "ifOutOctets11"),
    v("ifOutUcastPkts", "1.3.6.1.2.1.2.2.1.17", "ifOutUcastPkts11"),
    v(
        "ifOutNUcastPkts",
        "1.3.6.1.2.1.2.2.1.18",
        "ifOutNUcastPkts11",
    ),
    v("ifOutDiscards", "1.3.6.1.2.1.2.2.1.19", "ifOutDiscards11"),
    p(
        "ifInMulticastPkts",
        "1.3.6.1.2.1.31.1.1.1.2",
        InMulticast,
        false,
    ),
    p(
        "ifInBroadcastPkts",
        "1.3.6.1.2.1.31.1.1.1.3",
        InBroadcast,
        false,
    ),
    p(
        "ifOutMulticastPkts",
        "1.3.6.1.2.1.31.1.1.1.4",
        OutMulticast,
        false,
    ),
    p(
        "ifOutBroadcastPkts",
        "1.3.6.1.2.1.31.1.1.1.5",
        OutBroadcast,
        false,
    ),
    hc("ifHCInOctets", "1.3.6.1.2.1.31.1.1.1.6", "ifInOctets11"),
    hc(
        "ifHCInUcastPkts",
        "1.3.6.1.2.1.31.1.1.1.7",
        "ifInUcastPkts11",
    ),
    p(
        "ifHCInMulticastPkts",
        "1.3.6.1.2.1.31.1.1.1.8",
        InMulticast,
        true,
    ),
    p(
        "ifHCInBroadcastPkts",
        "1.3.6.1.2.1.31.1.1.1.9",
        InBroadcast,
        true,
    ),
    hc("ifHCOutOctets", "1.3.6.1.2.1.31.1.1.1.10", "ifOutOctets11"),
    hc(
        "ifHCOutUcastPkts",
        "1.3.6.1.2.1.31.1.1.1.11",
        "ifOutUcastPkts11",
    ),
    p(
        "ifHCOutMulticastPkts",
        "1.3.6.1.2.1.31.1.1.1.12",
        OutMulticast,
        true,
    ),
    p(
        "ifHCOutBroadcastPkts",
        "1.3.6.1.2.1.31.1.1.1.13",
        OutBroadcast,
        true,
    ),
    v("ipInReceives", "1.3.6.1.2.1.4.3", "ipInReceives"),
    v("ipInAddrErrors", "1.3.6.1.2.1.4.5", "ipInAddrErrors"),
    v("ipForwDatagrams", "1.3.6.1.2.1.4.6", "ipForwDatagrams"),
    v("ipInDiscards", "1.3.6.1.2.1.4.8", "ipInDiscards"),
    v("ipInDelivers", "1.3.6.1.2.1.4.9", "ipInDelivers"),
    v("ipOutRequests", "1.3.6.1.2.1.4.10", "ipOutRequests"),
    v("ipOutDiscards", "1.3.6.1.2.1.4.11", "ipOutDiscards"),
    v("ipOutNoRoutes", "1.3.6.1.2.1.4.12", "ipOutNoRoutes"),
    v("icmpInMsgs", "1.3.6.1.2.1.5.1", "icmpInMsgs"),
    v(
        "icmpInDestUnreachs",
        "1.3.6.1.2.1.5.3",
        "icmpInDestUnreachs",
    ),
    v("icmpInEchos", "1.3.6.1.2.1.5.8", "icmpInEchos"),
    v("icmpOutMsgs", "1.3.6.1.2.1.5.14", "icmpOutMsgs"),
    v(
        "icmpOutDestUnreachs",
        "1.3.6.1.2.1.5.16",
        "icmpOutDestUnreachs",
    ),
    v("icmpOutEchoReps", "1.3.6.1.2.1.5.22", "icmpOutEchoReps"),
    v("tcpActiveOpens", "1.3.6.1.2.1.6.5", "tcpActiveOpens"),
    v("tcpPassiveOpens", "1.3.6.1.2.1.6.6", "tcpPassiveOpens"),
    v("tcpEstabResets", "1.3.6.1.2.1.6.8", "tcpEstabResets"),
    v("tcpCurrEstab", "1.3.6.1.2.1.6.9", "tcpCurrEstab"),
    v("tcpInSegs", "1.3.6.1.2.1.6.10", "tcpInSegs"),
    v("tcpOutSegs", "1.3.6.1.2.1.6.11", "tcpOutSegs"),
    v("tcpRetransSegs", "1.3.6.1.2.1.6.12", "tcpRetransSegs"),
    v("tcpOutRsts", "1.3.6.1.2.1.6.15", "tcpOutRsts"),
    v("udpInDatagrams", "1.3.6.1.2.1.7.1", "udpInDatagrams"),
    v("udpNoPorts", "1.3.6.1.2.1.7.2", "udpNoPorts"),
    v("udpInErrors", "1.3.6.1.2.1.7.3", "udpInErrors"),
    v("udpOutDatagrams", "1.3.6.1.2.1.7.4", "udpOutDatagrams"),
    // LibreNMS port RRD data sources (includes/polling/ports.inc.php).
    v("INOCTETS", "", "ifInOctets11"),
    v("OUTOCTETS", "", "ifOutOctets11"),
    v("INUCASTPKTS", "", "ifInUcastPkts11"),
    v("OUTUCASTPKTS", "", "ifOutUcastPkts11"),
    v("INNUCASTPKTS", "", "ifInNUcastPkts11"),
    v("OUTNUCASTPKTS", "", "ifOutNUcastPkts11"),
    v("INDISCARDS", "", "ifInDiscards11"),
    v("OUTDISCARDS", "", "ifOutDiscards11"),
    p("INMULTICASTPKTS", "", InMulticast, false),
    p("INBROADCASTPKTS", "", InBroadcast, false),
    p("OUTMULTICASTPKTS", "", OutMulticast, false),
    p("OUTBROADCASTPKTS", "", OutBroadcast, false),
    // Cacti's "Interface - Traffic" data template.
    v("traffic_in", "", "ifInOctets11"),
    v("traffic_out", "", "ifOutOctets11"),
];

/// Strip a `MODULE::` prefix (`IF-MIB::ifInOctets` → `ifInOctets`).
fn strip_module(name: &str) -> &str {
    match name.rfind("::") {
        Some(i) => &name[i + 2..],
        None => name,
    }
}

/// A name (no instance): MIB object name with or without a module prefix,
/// the schema's own spellings (`ifInOctets11`, `tcp?ActiveOpens`), LibreNMS
/// and Cacti data-source names; ASCII case-insensitive.
pub fn resolve_name(name: &str) -> Option<Known> {
    let n = strip_module(name.trim());
    let n = n.strip_suffix("_total").unwrap_or(n);
    if n.is_empty() {
        return None;
    }
    if let Some(sp) = SPELLINGS.iter().find(|s| s.name.eq_ignore_ascii_case(n)) {
        return sp.known();
    }
    let var = schema::lookup(n)?;
    let index = MIB_VARS.iter().position(|m| m.name == var.name)?;
    Some(Known::Input(Source::Var { index, hc: false }))
}

/// A metric name as Prometheus writes it, including recording-rule names
/// (`level:metric:operations`): the source, and whether the name says the
/// values are already a rate (`…:rate5m`, `…_per_second`).
pub fn resolve_metric(name: &str) -> Option<(Source, bool)> {
    let lower = name.to_ascii_lowercase();
    let rate_named = lower.contains("rate") || lower.contains("per_second");
    if let Some(Known::Input(src)) = resolve_name(name) {
        return Some((src, rate_named && name.contains(':')));
    }
    name.split(':').find_map(|part| match resolve_name(part) {
        Some(Known::Input(src)) => Some((src, rate_named)),
        _ => None,
    })
}

/// An object identifier with its instance, as snmpwalk and snmpget print it:
/// `IF-MIB::ifInOctets.2`, `ifInOctets.2`, `iso.3.6.1.2.1.2.2.1.10.2`,
/// `.1.3.6.1.2.1.2.2.1.10.2`, `TCP-MIB::tcpInSegs.0`,
/// `DISMAN-EVENT-MIB::sysUpTimeInstance`. Returns what it is and the
/// instance (`"2"`; `""` for a scalar).
pub fn resolve_oid(text: &str) -> Option<(Known, String)> {
    let t = text.trim();
    let numeric = t
        .strip_prefix("iso.")
        .map(|rest| format!("1.{rest}"))
        .or_else(|| {
            let u = t.strip_prefix('.').unwrap_or(t);
            u.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.')
                .then(|| u.to_string())
        });
    if let Some(num) = numeric {
        return resolve_numeric(&num);
    }
    let name = strip_module(t);
    if name.eq_ignore_ascii_case("sysUpTimeInstance") {
        return Some((Known::Input(Source::SysUpTime), String::new()));
    }
    let (obj, inst) = match name.find(['.', '[']) {
        Some(i) => (&name[..i], name[i..].trim_matches(['.', '[', ']'])),
        None => (name, ""),
    };
    let known = resolve_name(obj)?;
    let inst = if inst == "0" { "" } else { inst };
    Some((known, inst.to_string()))
}

fn resolve_numeric(num: &str) -> Option<(Known, String)> {
    // Longest OID prefix that is a known object; what follows is the instance.
    let mut best: Option<(&Spelling, usize)> = None;
    for sp in SPELLINGS.iter().filter(|s| !s.oid.is_empty()) {
        let l = sp.oid.len();
        if num.len() > l
            && num.starts_with(sp.oid)
            && num.as_bytes()[l] == b'.'
            && best.is_none_or(|(_, bl)| l > bl)
        {
            best = Some((sp, l));
        }
    }
    let (sp, l) = best?;
    let inst = &num[l + 1..];
    if inst.is_empty() {
        return None;
    }
    let inst = if inst == "0" { "" } else { inst };
    Some((sp.known()?, inst.to_string()))
}

/// The input a name denotes: `None` for interface labels and unknown names.
pub fn resolve_input(name: &str) -> Option<Source> {
    match resolve_name(name) {
        Some(Known::Input(s)) => Some(s),
        _ => None,
    }
}

/// Canonical schema name of a source's column (`ifInOctets11`, `tcpInSegs`),
/// or `sysUpTime`.
pub fn column_name(src: Source) -> &'static str {
    match src {
        Source::Var { index, .. } => MIB_VARS[index].name,
        Source::Piece { .. } => "",
        Source::SysUpTime => "sysUpTime",
    }
}

/// Loopback interfaces are never the default interface.
pub fn is_loopback(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    n == "lo" || n.starts_with("lo0") || n.starts_with("loopback")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str) -> Source {
        let index = MIB_VARS.iter().position(|v| v.name == name).unwrap();
        Source::Var { index, hc: false }
    }

    #[test]
    fn every_schema_variable_has_a_mib_name_and_an_oid() {
        for (index, m) in MIB_VARS.iter().enumerate() {
            let mib = m.name.strip_suffix("11").unwrap_or(m.name);
            let src = Source::Var { index, hc: false };
            assert_eq!(resolve_name(mib), Some(Known::Input(src)), "{mib}");
            assert_eq!(resolve_name(m.name), Some(Known::Input(src)), "{mib}");
            let sp = SPELLINGS.iter().find(|s| s.name == mib).unwrap();
            assert!(!sp.oid.is_empty(), "{mib} has no OID");
            let inst = if src.is_interface() { ".7" } else { ".0" };
            let (k, i) = resolve_oid(&format!(".{}{inst}", sp.oid)).unwrap();
            assert_eq!(k, Known::Input(src));
            assert_eq!(i, if src.is_interface() { "7" } else { "" });
        }
    }

    #[test]
    fn walk_spellings() {
        let inoct = Known::Input(var("ifInOctets11"));
        assert_eq!(
            resolve_oid("IF-MIB::ifInOctets.2"),
            Some((inoct, "2".into()))
        );
        assert_eq!(
            resolve_oid("iso.3.6.1.2.1.2.2.1.10.2"),
            Some((inoct, "2".into()))
        );
        assert_eq!(
            resolve_oid(".1.3.6.1.2.1.2.2.1.10.12"),
            Some((inoct, "12".into()))
        );
        assert_eq!(
            resolve_oid("1.3.6.1.2.1.31.1.1.1.6.3"),
            Some((Known::Input(Source::Var { index: 0, hc: true }), "3".into()))
        );
        assert_eq!(
            resolve_oid("TCP-MIB::tcpCurrEstab.0"),
            Some((Known::Input(var("tcpCurrEstab")), String::new()))
        );
        assert_eq!(
            resolve_oid("DISMAN-EVENT-MIB::sysUpTimeInstance"),
            Some((Known::Input(Source::SysUpTime), String::new()))
        );
        assert_eq!(
            resolve_oid("iso.3.6.1.2.1.1.3.0"),
            Some((Known::Input(Source::SysUpTime), String::new()))
        );
        assert_eq!(
            resolve_oid("IF-MIB::ifName.2"),
            Some((Known::Label(IfLabel::Name), "2".into()))
        );
        // ifXTable column 1 is ifName, not a prefix of column 10-13.
        assert_eq!(
            resolve_oid(".1.3.6.1.2.1.31.1.1.1.13.2").unwrap().0,
            Known::Input(Source::Piece {
                part: OutBroadcast,
                hc: true
            })
        );
        assert_eq!(resolve_oid(".1.3.6.1.4.1.2021.10.1.3.1"), None);
        assert_eq!(resolve_oid("UCD-SNMP-MIB::laLoad.1"), None);
        assert_eq!(resolve_oid(".1.3.6.1.2.1.2.2.1.10"), None);
    }

    #[test]
    fn tool_names() {
        assert_eq!(
            resolve_name("INOCTETS"),
            Some(Known::Input(var("ifInOctets11")))
        );
        assert_eq!(
            resolve_name("traffic_out"),
            Some(Known::Input(var("ifOutOctets11")))
        );
        assert_eq!(
            resolve_name("tcp?ActiveOpens"),
            Some(Known::Input(var("tcpActiveOpens")))
        );
        assert_eq!(
            resolve_metric("instance:ifHCInOctets:rate5m"),
            Some((Source::Var { index: 0, hc: true }, true))
        );
        assert_eq!(
            resolve_metric("ifHCInOctets"),
            Some((Source::Var { index: 0, hc: true }, false))
        );
        assert_eq!(
            resolve_metric("ifHCInOctets_total").map(|x| x.1),
            Some(false)
        );
        assert_eq!(resolve_metric("node_cpu_seconds_total"), None);
        assert_eq!(Source::SysUpTime.mib_name(), "sysUpTime");
        assert_eq!(var("ifInOctets11").mib_name(), "ifInOctets");
        assert!(is_loopback("lo") && is_loopback("Loopback0") && !is_loopback("eth0"));
    }
}
