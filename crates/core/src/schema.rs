//! The 34 SNMP MIB-II variables of the public SNMP-MIB dataset, their groups,
//! kinds (counter or gauge), one-line descriptions, header aliases, and the
//! class names found in the data.

use serde::{Deserialize, Serialize};

/// MIB-II group a variable belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MibGroup {
    Interface,
    Ip,
    Tcp,
    Udp,
    Icmp,
}

impl MibGroup {
    pub const ALL: [MibGroup; 5] = [
        MibGroup::Interface,
        MibGroup::Ip,
        MibGroup::Tcp,
        MibGroup::Udp,
        MibGroup::Icmp,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MibGroup::Interface => "Interface",
            MibGroup::Ip => "IP",
            MibGroup::Tcp => "TCP",
            MibGroup::Udp => "UDP",
            MibGroup::Icmp => "ICMP",
        }
    }
}

/// How an SNMP variable behaves over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VarKind {
    /// Cumulative counter that only grows and wraps (Counter32 or Counter64).
    /// Models see it as a per-second rate between consecutive polls.
    Counter,
    /// Instantaneous value (e.g. tcpCurrEstab): passed through as it is.
    Gauge,
}

/// One MIB variable of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MibVar {
    /// Canonical name (the MIB object name).
    pub name: &'static str,
    pub group: MibGroup,
    pub kind: VarKind,
    pub description: &'static str,
    /// Other spellings found in data files' headers.
    pub aliases: &'static [&'static str],
}

impl MibVar {
    /// Unit of the model input derived from this variable.
    pub fn unit(&self) -> &'static str {
        match self.kind {
            VarKind::Counter => "per second",
            VarKind::Gauge => "gauge",
        }
    }
}

const fn c(
    name: &'static str,
    group: MibGroup,
    description: &'static str,
    aliases: &'static [&'static str],
) -> MibVar {
    MibVar {
        name,
        group,
        kind: VarKind::Counter,
        description,
        aliases,
    }
}

use MibGroup::*;

/// The 34 variables, in the column order of `data/snmp-mib/all_data.csv`.
pub const MIB_VARS: [MibVar; 34] = [
    c(
        "ifInOctets11",
        Interface,
        "Octets received on interface 11",
        &[],
    ),
    c(
        "ifOutOctets11",
        Interface,
        "Octets sent on interface 11",
        &[],
    ),
    c(
        "ifOutDiscards11",
        Interface,
        "Outbound packets discarded on interface 11 without an error",
        &["ifoutDiscards11"],
    ),
    c(
        "ifInUcastPkts11",
        Interface,
        "Unicast packets delivered up from interface 11",
        &[],
    ),
    c(
        "ifInNUcastPkts11",
        Interface,
        "Broadcast and multicast packets delivered up from interface 11",
        &[],
    ),
    c(
        "ifInDiscards11",
        Interface,
        "Inbound packets discarded on interface 11 without an error",
        &[],
    ),
    c(
        "ifOutUcastPkts11",
        Interface,
        "Unicast packets sent on interface 11",
        &[],
    ),
    c(
        "ifOutNUcastPkts11",
        Interface,
        "Broadcast and multicast packets sent on interface 11",
        &[],
    ),
    c(
        "tcpOutRsts",
        Tcp,
        "TCP segments sent with the RST flag",
        &[],
    ),
    c(
        "tcpInSegs",
        Tcp,
        "TCP segments received, including errors",
        &[],
    ),
    c(
        "tcpOutSegs",
        Tcp,
        "TCP segments sent, excluding retransmissions",
        &[],
    ),
    c(
        "tcpPassiveOpens",
        Tcp,
        "TCP connections opened from LISTEN (incoming)",
        &[],
    ),
    c("tcpRetransSegs", Tcp, "TCP segments retransmitted", &[]),
    MibVar {
        name: "tcpCurrEstab",
        group: Tcp,
        kind: VarKind::Gauge,
        description: "TCP connections now ESTABLISHED or CLOSE-WAIT",
        aliases: &[],
    },
    c(
        "tcpEstabResets",
        Tcp,
        "TCP connections reset from ESTABLISHED or CLOSE-WAIT",
        &[],
    ),
    c(
        "tcpActiveOpens",
        Tcp,
        "TCP connections opened from CLOSED (outgoing)",
        &["tcp?ActiveOpens"],
    ),
    c(
        "udpInDatagrams",
        Udp,
        "UDP datagrams delivered to local users",
        &[],
    ),
    c("udpOutDatagrams", Udp, "UDP datagrams sent", &[]),
    c(
        "udpInErrors",
        Udp,
        "UDP datagrams not delivered for reasons other than no port",
        &[],
    ),
    c(
        "udpNoPorts",
        Udp,
        "UDP datagrams received for a port with no listener",
        &[],
    ),
    c(
        "ipInReceives",
        Ip,
        "IP datagrams received from all interfaces, including errors",
        &[],
    ),
    c(
        "ipInDelivers",
        Ip,
        "IP datagrams delivered to local protocols (ICMP, TCP, UDP)",
        &[],
    ),
    c(
        "ipOutRequests",
        Ip,
        "IP datagrams handed down by local protocols for sending",
        &[],
    ),
    c(
        "ipOutDiscards",
        Ip,
        "Outbound IP datagrams discarded without an error (e.g. no buffer)",
        &[],
    ),
    c(
        "ipInDiscards",
        Ip,
        "Inbound IP datagrams discarded without an error (e.g. no buffer)",
        &[],
    ),
    c(
        "ipForwDatagrams",
        Ip,
        "IP datagrams forwarded to another host (router traffic)",
        &[],
    ),
    c(
        "ipOutNoRoutes",
        Ip,
        "IP datagrams discarded because no route was found",
        &[],
    ),
    c(
        "ipInAddrErrors",
        Ip,
        "IP datagrams discarded for an invalid destination address",
        &[],
    ),
    c(
        "icmpInMsgs",
        Icmp,
        "ICMP messages received, including errors",
        &[],
    ),
    c(
        "icmpInDestUnreachs",
        Icmp,
        "ICMP Destination Unreachable messages received",
        &[],
    ),
    c("icmpOutMsgs", Icmp, "ICMP messages sent", &[]),
    c(
        "icmpOutDestUnreachs",
        Icmp,
        "ICMP Destination Unreachable messages sent",
        &[],
    ),
    c(
        "icmpInEchos",
        Icmp,
        "ICMP Echo (ping) requests received",
        &[],
    ),
    c("icmpOutEchoReps", Icmp, "ICMP Echo replies sent", &[]),
];

/// The class of normal traffic in the public dataset; everything else is an attack.
pub const NORMAL_CLASS: &str = "normal";

/// Class names as found in `data/snmp-mib/all_data.csv`, in file order.
pub const DATASET_CLASSES: [&str; 8] = [
    "normal",
    "icmp-echo",
    "tcp-syn",
    "udp-flood",
    "httpFlood",
    "slowloris",
    "slowpost",
    "bruteForce",
];

/// Default name of the label column.
pub const LABEL_COLUMN: &str = "class";

/// Binary view of a class: normal traffic or an anomaly (attack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Normal,
    Anomalous,
}

impl Verdict {
    pub fn of_class(class: &str) -> Verdict {
        if class.eq_ignore_ascii_case(NORMAL_CLASS) {
            Verdict::Normal
        } else {
            Verdict::Anomalous
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Normal => "Normal",
            Verdict::Anomalous => "Anomalous",
        }
    }
}

/// Find a variable by a header name: canonical name or alias, ASCII case-insensitive,
/// surrounding whitespace ignored.
pub fn lookup(header: &str) -> Option<&'static MibVar> {
    let h = header.trim();
    MIB_VARS.iter().find(|v| {
        v.name.eq_ignore_ascii_case(h) || v.aliases.iter().any(|a| a.eq_ignore_ascii_case(h))
    })
}

/// Canonical name for a header if it is a schema variable, else the header trimmed.
pub fn canonical_name(header: &str) -> String {
    lookup(header)
        .map(|v| v.name.to_string())
        .unwrap_or_else(|| header.trim().to_string())
}

/// Kind of a column by name: schema variables have a known kind; unknown columns
/// are treated as counters unless their name says gauge-like "Curr".
pub fn kind_of(name: &str) -> VarKind {
    lookup(name).map(|v| v.kind).unwrap_or(VarKind::Counter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn thirty_four_unique_variables_in_five_groups() {
        assert_eq!(MIB_VARS.len(), 34);
        let names: HashSet<_> = MIB_VARS.iter().map(|v| v.name.to_lowercase()).collect();
        assert_eq!(names.len(), 34);
        let count = |g| MIB_VARS.iter().filter(|v| v.group == g).count();
        assert_eq!(count(Interface), 8);
        assert_eq!(count(Tcp), 8);
        assert_eq!(count(Udp), 4);
        assert_eq!(count(Ip), 8);
        assert_eq!(count(Icmp), 6);
        assert!(MIB_VARS.iter().all(|v| !v.description.is_empty()));
    }

    #[test]
    fn only_tcp_curr_estab_is_a_gauge() {
        let gauges: Vec<_> = MIB_VARS
            .iter()
            .filter(|v| v.kind == VarKind::Gauge)
            .map(|v| v.name)
            .collect();
        assert_eq!(gauges, vec!["tcpCurrEstab"]);
        assert_eq!(lookup("tcpCurrEstab").unwrap().unit(), "gauge");
        assert_eq!(lookup("tcpInSegs").unwrap().unit(), "per second");
    }

    #[test]
    fn dataset_header_quirks_are_aliases() {
        assert_eq!(lookup("tcp?ActiveOpens").unwrap().name, "tcpActiveOpens");
        assert_eq!(lookup("ifoutDiscards11").unwrap().name, "ifOutDiscards11");
        assert_eq!(lookup(" IPINRECEIVES ").unwrap().name, "ipInReceives");
        assert!(lookup("class").is_none());
        assert_eq!(canonical_name(" tcp?ActiveOpens"), "tcpActiveOpens");
        assert_eq!(canonical_name(" other "), "other");
    }

    #[test]
    fn binary_view() {
        assert_eq!(Verdict::of_class("normal"), Verdict::Normal);
        assert_eq!(Verdict::of_class("Normal"), Verdict::Normal);
        for c in &DATASET_CLASSES[1..] {
            assert_eq!(Verdict::of_class(c), Verdict::Anomalous);
        }
    }
}
