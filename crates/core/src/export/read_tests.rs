//! Tests of the reader as a whole: entities never mixed, interface choice,
//! sessions cut at gaps, reboots and resets, HC preferred, NUcast derived,
//! counters vs rates per series, limits and their messages.

use super::*;
use crate::rates::SeriesKind;

fn read(text: &str, opts: &ReadOptions) -> Result<Export, ExportError> {
    read_export(text.as_bytes(), "t", opts)
}

fn col(e: &Export, name: &str) -> Vec<f64> {
    let j = e.table.column_index(name).unwrap();
    (0..e.table.n_rows()).map(|i| e.table.row(i)[j]).collect()
}

/// Two hosts × two interfaces, line protocol, 15 s polls.
fn two_by_two() -> String {
    let mut s = String::new();
    for (k, t) in [0u64, 15, 30].iter().enumerate() {
        let ns = (1_700_000_000 + t) * 1_000_000_000;
        for (h, host) in ["r1", "r2"].iter().enumerate() {
            for (i, ifname) in ["lo", "eth0", "eth1"].iter().enumerate() {
                // eth1 is the busiest on r1, eth0 on r2; lo busiest of all.
                let busy = match (h, i) {
                    (_, 0) => 10_000,
                    (0, 2) | (1, 1) => 500,
                    _ => 50,
                };
                let v = 1000 * (h as u64 + 1) + busy * k as u64;
                s += &format!(
                    "interface,agent_host={host},ifName={ifname},ifIndex={} ifHCInOctets={v}i,ifHCOutOctets={v}i {ns}\n",
                    i + 1
                );
            }
            s += &format!("snmp,agent_host={host} tcpInSegs={}i {ns}\n", 10 * k + h);
        }
    }
    s
}

#[test]
fn hosts_and_interfaces_are_never_mixed() {
    let e = read(&two_by_two(), &ReadOptions::default()).unwrap();
    assert_eq!(e.understanding.hosts, 2);
    assert_eq!(e.understanding.interfaces, 3);
    // Busiest non-loopback per host: eth1 on r1, eth0 on r2.
    assert_eq!(
        e.table.text[0].values,
        vec!["r1", "r1", "r1", "r2", "r2", "r2"]
    );
    assert_eq!(
        e.table.text[1].values,
        vec!["eth1", "eth1", "eth1", "eth0", "eth0", "eth0"]
    );
    assert_eq!(
        col(&e, "ifInOctets11"),
        vec![1000.0, 1500.0, 2000.0, 2000.0, 2500.0, 3000.0]
    );
    assert_eq!(col(&e, "tcpInSegs"), vec![0.0, 10.0, 20.0, 1.0, 11.0, 21.0]);
    let c = captured(&e);
    assert_eq!(c.cuts.entities, 1);
    assert_eq!(c.sessions, vec![0..2, 2..4]);
    // 500 octets per 15 s on each chosen interface; never across hosts.
    assert_eq!(col_of(&c.table, "ifInOctets11"), vec![500.0 / 15.0; 4]);

    let every = ReadOptions {
        interface: InterfaceChoice::Every,
        ..ReadOptions::default()
    };
    let e = read(&two_by_two(), &every).unwrap();
    assert_eq!(e.table.n_rows(), 18);
    assert_eq!(captured(&e).sessions.len(), 6);
    assert!(
        e.understanding
            .to_string()
            .contains("2 hosts × 3 interfaces (each its own entity)")
    );

    let named = ReadOptions {
        interface: InterfaceChoice::Named("3".into()),
        ..ReadOptions::default()
    };
    let e = read(&two_by_two(), &named).unwrap();
    assert_eq!(e.table.text[1].values, vec!["eth1"; 6]);
    let missing = ReadOptions {
        interface: InterfaceChoice::Named("ge-0/0/0".into()),
        ..ReadOptions::default()
    };
    let err = read(&two_by_two(), &missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t: no interface \"ge-0/0/0\" on any host (interfaces: lo, eth0, eth1)."
    );
}

fn captured(e: &super::Export) -> crate::capture::Captured {
    crate::capture::capture(&e.table, &e.capture()).unwrap()
}

pub(super) fn col_of(t: &crate::ingest::Table, name: &str) -> Vec<f64> {
    let j = t.column_index(name).unwrap();
    (0..t.n_rows()).map(|i| t.row(i)[j]).collect()
}

#[test]
fn gap_reboot_and_reset_split_sessions_in_a_walk() {
    // Five walks; uptime: 10, 25, 40, 5 (reboot), 20; ifInOctets resets
    // between walks 1 and 2 without a reboot.
    let mut text = String::new();
    for (up, oct) in [
        (1000, 500),
        (2500, 900),
        (4000, 100),
        (500, 50),
        (2000, 350),
    ] {
        text += &format!(
            "DISMAN-EVENT-MIB::sysUpTimeInstance = Timeticks: ({up}) 0:00:00.00\nIF-MIB::ifDescr.2 = STRING: eth0\nIF-MIB::ifInOctets.2 = Counter32: {oct}\n"
        );
    }
    let e = read(&text, &ReadOptions::default()).unwrap();
    let c = captured(&e);
    let rep = c.rates.as_ref().unwrap();
    assert_eq!((rep.resets, c.cuts.reboots), (1, 1));
    // 400 octets in 15 s, then 300 in 15 s: nothing across the reset or reboot.
    assert_eq!(
        col_of(&c.table, "ifInOctets11"),
        vec![400.0 / 15.0, 300.0 / 15.0]
    );
    assert_eq!(rep.rows_out, 2);
    assert_eq!(c.sessions, vec![0..1, 1..2], "the reboot starts a session");

    // A gap in time (Telegraf): 15 s polls, then 200 s without one.
    let mut lp = String::new();
    for (t, v) in [(0u64, 10), (15, 20), (30, 30), (230, 40), (245, 50)] {
        lp += &format!("snmp,agent_host=a tcpInSegs={v}i {}\n", 1_700_000_000 + t);
    }
    let e = read(&lp, &ReadOptions::default()).unwrap();
    let c = captured(&e);
    assert_eq!(c.cuts.gaps, 1);
    assert_eq!(c.sessions, vec![0..2, 2..3]);
    assert_eq!(col_of(&c.table, "tcpInSegs"), vec![10.0 / 15.0; 3]);
}

#[test]
fn measurements_a_little_apart_join_into_one_poll() {
    // Telegraf stamps each table when it gathers it: the scalars 0.3 s
    // after the interface table, every 15 s.
    let mut lp = String::new();
    for k in 0..3u64 {
        let t = 1_700_000_000_000u64 + 15_000 * k;
        lp += &format!(
            "interface,agent_host=a,ifName=eth0 ifHCInOctets={}i {}\n",
            100 * k,
            t * 1_000_000
        );
        lp += &format!(
            "snmp,agent_host=a tcpInSegs={}i {}\n",
            10 * k,
            (t + 300) * 1_000_000
        );
    }
    let e = read(&lp, &ReadOptions::default()).unwrap();
    assert_eq!(e.table.n_rows(), 3);
    assert_eq!(col(&e, "tcpInSegs"), vec![0.0, 10.0, 20.0]);
    assert_eq!(
        col(&e, "timestamp"),
        vec![1.7e9, 1.7e9 + 15.0, 1.7e9 + 30.0]
    );
    assert_eq!(e.interval, Some(15.0));
}

#[test]
fn hc_preferred_nucast_derived_and_kinds_per_series() {
    let text = "interface,agent_host=a,ifName=eth0 ifInOctets=5i,ifHCInOctets=4294967301i,ifHCInMulticastPkts=3i,ifInBroadcastPkts=4i,ifHCInBroadcastPkts=6i 1700000000\n";
    let e = read(text, &ReadOptions::default()).unwrap();
    assert_eq!(col(&e, "ifInOctets11"), vec![4_294_967_301.0]);
    assert_eq!(col(&e, "ifInNUcastPkts11"), vec![9.0]);
    assert_eq!(e.understanding.derived, vec!["ifInNUcastPkts11"]);
    // An explicit NUcast series wins over the derivation.
    let with = text.replace("ifInOctets=5i", "ifInOctets=5i,ifInNUcastPkts=77i");
    let e = read(&with, &ReadOptions::default()).unwrap();
    assert_eq!(col(&e, "ifInNUcastPkts11"), vec![77.0]);
    assert!(e.understanding.derived.is_empty());

    // One column, counters for one host and rates for another: refused.
    let mixed = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{\"__name__\":\"tcpInSegs\",\"instance\":\"a\"},\"values\":[[1700000000,\"5\"]]},{\"metric\":{\"metric\":\"tcpInSegs\",\"instance\":\"b\"},\"values\":[[1700000000,\"0.5\"]]}]}}";
    let err = read(mixed, &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t (Prometheus query_range JSON): tcpInSegs is a raw counter for some hosts or interfaces and a per-second rate for others; export one kind."
    );
    // The override makes every input one kind.
    let rates = ReadOptions {
        kind: Some(SeriesKind::Rate),
        ..ReadOptions::default()
    };
    let e = read(&two_by_two(), &rates).unwrap();
    assert!(e.kinds.iter().all(|k| *k != SeriesKind::Counter));
    assert_eq!(e.understanding.kinds, KindSummary::Rates);
}

#[test]
fn plain_csv_reads_as_before() {
    let bytes = include_bytes!("../../../../data/lab/lab.csv");
    let e = read_export(bytes, "lab.csv", &ReadOptions::default()).unwrap();
    assert_eq!(e.format, Format::PlainCsv);
    let opts = crate::ingest::IngestOptions {
        require_label: false,
        keep_text: true,
        ..crate::ingest::IngestOptions::labelled("lab.csv")
    };
    assert_eq!(e.table, crate::ingest::read_csv(bytes, &opts).unwrap());
    assert_eq!(e.understanding.inputs.len(), 34);
    assert_eq!(e.understanding.poll_seconds.map(f64::round), Some(1.0));
    let k = |c: &str| e.kinds[e.table.column_index(c).unwrap()];
    assert_eq!(k("ifInOctets11"), SeriesKind::Counter);
    assert_eq!(k("tcpCurrEstab"), SeriesKind::Gauge);
    assert_eq!(k("timestamp"), SeriesKind::Gauge);
    let public = include_bytes!("../../../../data/snmp-mib/all_data.csv");
    let labelled = ReadOptions {
        csv: crate::ingest::IngestOptions::labelled("all_data.csv"),
        ..ReadOptions::default()
    };
    let e = read_export(public, "all_data.csv", &labelled).unwrap();
    assert_eq!(
        e.table,
        crate::ingest::read_csv(
            public,
            &crate::ingest::IngestOptions::labelled("all_data.csv")
        )
        .unwrap()
    );
    // The CSV reader's own messages come through unchanged.
    let err = read_export(b"a,b,class\n1,x,y\n", "c.csv", &labelled).unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.csv, row 2, column \"b\": \"x\" is not a number."
    );
    let err = read_export(b"", "e.csv", &labelled).unwrap_err();
    assert_eq!(err.to_string(), "e.csv: the file is empty.");
}

#[test]
fn fuzz_findings_read_without_panic() {
    // export_detect crash bf4d5a19: a backslash before a multi-byte
    // character in a label value sliced inside the character.
    let bytes = include_bytes!("../../../../fuzz/seeds/export_detect/regress-label-escape");
    let err = read_export(bytes, "f", &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, ExportError::Malformed { .. }), "{err}");
    // export_rrd timeout d5adf714: a row's time `17001e2000020` read as
    // infinity, and the tidy step's grouping of polls never moved past it.
    let bytes = include_bytes!("../../../../fuzz/seeds/export_rrd/regress-infinite-time");
    let err =
        crate::export::read_export_as(&bytes[1..], "f", Format::RrdXport, &ReadOptions::default())
            .unwrap_err();
    assert!(err.to_string().contains("is not a finite number"), "{err}");
}

#[test]
fn unrecognised_files_and_limits_have_messages() {
    let err = read("<html><body>hello</body></html>", &ReadOptions::default()).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "t: not a format mibwatch reads (it starts \"<html><body>hello</body></html>\")"
        ),
        "{err}"
    );
    let big = vec![b' '; limits::MAX_FILE_BYTES + 1];
    assert!(matches!(
        read_export(&big, "big", &ReadOptions::default()),
        Err(ExportError::TooLarge { .. })
    ));
    // Too many labels on one series.
    let labels: String = (0..=limits::MAX_SERIES_LABELS)
        .map(|i| format!("l{i}=\"v\""))
        .collect::<Vec<_>>()
        .join(",");
    let text = format!("# TYPE tcpInSegs counter\ntcpInSegs{{{labels}}} 1\n");
    let err = read(&text, &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t, line 2 (Prometheus text exposition): a series with 65 labels; mibwatch reads at most 64."
    );
    // Labels too long.
    let text = format!(
        "# TYPE tcpInSegs counter\ntcpInSegs{{a=\"{}\"}} 1\n",
        "x".repeat(limits::MAX_LABEL_BYTES)
    );
    let err = read(&text, &ReadOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("labels are 4097 bytes long; mibwatch reads at most 4096"),
        "{err}"
    );
    // Too many entities (host/interface pairs).
    let mut lp = String::new();
    for i in 0..=limits::MAX_ENTITIES {
        lp += &format!("interface,agent_host=h{i},ifName=eth0 ifHCInOctets=1i 1700000000\n");
    }
    let err = read(&lp, &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t: 10001 host/interface pairs; mibwatch reads at most 10000 from one file."
    );
    // Too many series.
    let mut lp = String::new();
    for i in 0..limits::MAX_EXPORT_SERIES / 2 + 1 {
        lp += &format!(
            "interface,agent_host=h,ifName=e{i} ifHCInOctets=1i,ifHCOutOctets=1i 1700000000\n"
        );
    }
    let err = read(&lp, &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("more than 100000 series"), "{err}");
}
