//! Every fixture in tests/fixtures/exports read to its expected table
//! (tests/fixtures/exports/expected/<file>.csv and .kinds), and values
//! checked by hand: each check finds the value in the raw fixture with plain
//! string handling, independently of the reader, and compares.

use std::path::PathBuf;

use super::*;
use crate::ingest::{IngestOptions, read_csv};
use crate::rates::SeriesKind;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/exports")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

fn read(name: &str) -> Export {
    read_export(&fixture(name), name, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The value of `column` in the first row of `host` (and time `t`, if given).
fn cell(e: &Export, host: &str, t: Option<f64>, column: &str) -> f64 {
    let tab = &e.table;
    let j = tab
        .column_index(column)
        .unwrap_or_else(|| panic!("no {column}"));
    let tj = tab.column_index(TIMESTAMP);
    (0..tab.n_rows())
        .find(|&i| {
            tab.text[0].values[i] == host
                && t.is_none_or(|t| tj.is_some_and(|tj| tab.row(i)[tj] == t))
        })
        .map(|i| tab.row(i)[j])
        .unwrap_or_else(|| panic!("no row for {host} at {t:?}"))
}

/// The number after `prefix` on the first line starting with it.
fn after(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix}"));
    line[prefix.len()..]
        .trim()
        .split([' ', ')'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

const FIXTURES: &[(&str, Format, usize, &str)] = &[
    ("cacti-traffic.csv", Format::CactiCsv, 34, "rates"),
    ("grafana-excel-sep.csv", Format::GrafanaCsv, 68, "counters"),
    (
        "grafana-excel-utf16.csv",
        Format::GrafanaCsv,
        68,
        "counters",
    ),
    (
        "grafana-formatted-time.csv",
        Format::GrafanaCsv,
        68,
        "counters",
    ),
    ("grafana-joined.csv", Format::GrafanaCsv, 68, "counters"),
    ("grafana-rate-legend.csv", Format::GrafanaCsv, 33, "rates"),
    (
        "prometheus-query_range-rate.json",
        Format::PrometheusJson,
        66,
        "rates",
    ),
    (
        "prometheus-query_range-raw.json",
        Format::PrometheusJson,
        68,
        "counters",
    ),
    (
        "rrdtool-fetch-netstats-tcp.txt",
        Format::RrdFetch,
        34,
        "rates",
    ),
    ("rrdtool-fetch-port.txt", Format::RrdFetch, 34, "rates"),
    ("rrdtool-xport.xml", Format::RrdXport, 34, "rates"),
    (
        "snmp-exporter-if_mib.prom",
        Format::PrometheusText,
        4,
        "counters",
    ),
    ("snmptable.csv", Format::SnmpTable, 18, "counters"),
    ("snmpwalk-On.txt", Format::SnmpWalk, 6, "counters"),
    ("snmpwalk-names.txt", Format::SnmpWalk, 18, "counters"),
    ("snmpwalk-numeric.txt", Format::SnmpWalk, 6, "counters"),
    (
        "telegraf-snmp-batch.json",
        Format::TelegrafJson,
        68,
        "counters",
    ),
    ("telegraf-snmp.influx", Format::TelegrafLine, 68, "counters"),
    ("telegraf-snmp.json", Format::TelegrafJson, 68, "counters"),
];

#[test]
fn every_fixture_reads_to_its_expected_table() {
    let expected_dir = dir().join("expected");
    for &(name, format, rows, kinds) in FIXTURES {
        let e = read(name);
        assert_eq!(e.format, format, "{name}");
        assert_eq!(e.table.n_rows(), rows, "{name}");
        let summary = match e.understanding.kinds {
            KindSummary::Counters => "counters",
            KindSummary::Rates => "rates",
            KindSummary::Mixed => "mixed",
            KindSummary::Gauges => "gauges",
        };
        assert_eq!(summary, kinds, "{name}");
        let bytes = std::fs::read(expected_dir.join(format!("{name}.csv"))).unwrap();
        let opts = IngestOptions {
            require_label: false,
            keep_text: true,
            columns: Some(e.table.columns.clone()),
            ..IngestOptions::labelled(name)
        };
        let want = read_csv(&bytes, &opts).unwrap();
        assert_eq!(e.table.columns, want.columns, "{name}");
        assert_eq!(e.table.values, want.values, "{name}");
        // Text columns: an empty host is an empty cell.
        for (got, want) in e.table.text.iter().zip(&want.text) {
            assert_eq!(got.name, want.name, "{name}");
            assert_eq!(got.values, want.values, "{name}");
        }
        let kinds = std::fs::read_to_string(expected_dir.join(format!("{name}.kinds"))).unwrap();
        let got: Vec<String> = e
            .table
            .columns
            .iter()
            .zip(&e.kinds)
            .map(|(c, k)| format!("{c},{}", k.label()))
            .collect();
        assert_eq!(got, kinds.lines().collect::<Vec<_>>(), "{name}");
        // Rows never mix entities: each entity's rows are contiguous.
        let ent: Vec<(String, String)> = (0..e.table.n_rows())
            .map(|i| {
                (
                    e.table.text[0].values[i].clone(),
                    e.table.text[1].values[i].clone(),
                )
            })
            .collect();
        let runs = crate::split::sessions_by_key(&ent);
        let mut seen: Vec<&(String, String)> = runs.iter().map(|r| &ent[r.start]).collect();
        let n = seen.len();
        seen.dedup();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), n, "{name}: an entity's rows are split");
    }
}

#[test]
fn walks_checked_by_hand() {
    // MIB names: the HC counter of ifIndex 2 (eth0, the busiest) feeds
    // ifInOctets11; uptime from sysUpTimeInstance's ticks.
    let raw = text("snmpwalk-names.txt");
    let e = read("snmpwalk-names.txt");
    assert_eq!(e.table.text[1].values[0], "eth0");
    assert_eq!(
        cell(&e, "", None, "ifInOctets11"),
        after(&raw, "IF-MIB::ifHCInOctets.2 = Counter64: ")
    );
    assert_eq!(
        cell(&e, "", None, "sysUpTime"),
        after(
            &raw,
            "DISMAN-EXPRESSION-MIB::sysUpTimeInstance = Timeticks: ("
        ) / 100.0
    );
    assert_eq!(
        cell(&e, "", None, "tcpCurrEstab"),
        after(&raw, "TCP-MIB::tcpCurrEstab.0 = Gauge32: ")
    );
    assert_eq!(
        cell(&e, "", None, "ipInReceives"),
        after(&raw, "RFC1213-MIB::ipInReceives.0 = Counter32: ")
    );
    // One row per walk: as many rows as sysUpTime lines.
    assert_eq!(
        raw.lines()
            .filter(|l| l.contains("sysUpTimeInstance"))
            .count(),
        e.table.n_rows()
    );
    // Rates over sysUpTime: (second - first) / (uptime2 - uptime1) for row 1.
    let vals: Vec<f64> = raw
        .lines()
        .filter_map(|l| l.strip_prefix("IF-MIB::ifHCInOctets.2 = Counter64: "))
        .map(|v| v.trim().parse().unwrap())
        .collect();
    let ups: Vec<f64> = raw
        .lines()
        .filter(|l| l.contains("sysUpTimeInstance"))
        .filter_map(|l| l.split_once("Timeticks: (").map(|x| x.1))
        .map(|v| v.split(')').next().unwrap().parse::<f64>().unwrap() / 100.0)
        .collect();
    let r = crate::capture::capture(&e.table, &e.capture())
        .unwrap()
        .table;
    let j = r.column_index("ifInOctets11").unwrap();
    assert!((r.row(0)[j] - (vals[1] - vals[0]) / (ups[1] - ups[0])).abs() < 1e-9);

    // Numeric (no MIBs): only ifTable walked, so the 32-bit counter.
    let raw = text("snmpwalk-numeric.txt");
    let e = read("snmpwalk-numeric.txt");
    assert_eq!(
        cell(&e, "", None, "ifInOctets11"),
        after(&raw, "iso.3.6.1.2.1.2.2.1.10.2 = Counter32: ")
    );
    assert_eq!(
        cell(&e, "", None, "udpInDatagrams"),
        after(&raw, "iso.3.6.1.2.1.7.1.0 = Counter32: ")
    );
    // -On: ifXTable walked, the HC counter.
    let raw = text("snmpwalk-On.txt");
    let e = read("snmpwalk-On.txt");
    assert_eq!(
        cell(&e, "", None, "ifInOctets11"),
        after(&raw, ".1.3.6.1.2.1.31.1.1.1.6.2 = Counter64: ")
    );
    assert_eq!(e.understanding.hc.len(), 4);

    // snmptable: eth0's ifHCInOctets cell of the first ifXTable block.
    let raw = text("snmptable.csv");
    let e = read("snmptable.csv");
    let block = raw.split("SNMP table: IF-MIB::ifXTable").nth(1).unwrap();
    let mut lines = block.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let eth0: Vec<&str> = lines
        .find(|l| l.starts_with("2,"))
        .unwrap()
        .split(',')
        .collect();
    let at = header.iter().position(|h| *h == "ifHCInOctets").unwrap();
    assert_eq!(
        cell(&e, "", None, "ifInOctets11"),
        eth0[at].parse::<f64>().unwrap()
    );
    assert_eq!(e.interval, None);
}

#[test]
fn prometheus_checked_by_hand() {
    let raw = text("snmp-exporter-if_mib.prom");
    let e = read("snmp-exporter-if_mib.prom");
    let first = raw
        .lines()
        .find(|l| l.starts_with("ifHCInOctets{") && l.contains("ifName=\"eth0\""))
        .unwrap();
    let v: f64 = first.rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(cell(&e, "", None, "ifInOctets11"), v);
    assert_eq!(
        cell(&e, "", None, "sysUpTime"),
        after(&raw, "sysUpTime ") / 100.0
    );
    // net-snmp answers the deprecated ifInNUcastPkts: read, not derived.
    assert!(e.understanding.derived.is_empty());
    let nu = raw
        .lines()
        .find(|l| l.starts_with("ifInNUcastPkts{") && l.contains("ifName=\"eth0\""))
        .unwrap();
    assert_eq!(
        cell(&e, "", None, "ifInNUcastPkts11"),
        nu.rsplit(' ').next().unwrap().parse::<f64>().unwrap()
    );

    // query_range: the first value of the victim's eth0 ifHCInOctets series.
    let doc: serde_json::Value =
        serde_json::from_slice(&fixture("prometheus-query_range-raw.json")).unwrap();
    let series = doc["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["metric"]["__name__"] == "ifHCInOctets"
                && s["metric"]["instance"] == "10.77.9.20"
                && s["metric"]["ifName"] == "eth0"
        })
        .unwrap();
    let (t, v) = (
        series["values"][3][0].as_f64().unwrap(),
        series["values"][3][1]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
    );
    let e = read("prometheus-query_range-raw.json");
    assert_eq!(cell(&e, "10.77.9.20", Some(t), "ifInOctets11"), v);
    assert_eq!(e.understanding.hosts, 2);
    assert_eq!(e.understanding.inputs.len(), 34);
    assert_eq!(e.interval, Some(5.0));
    // Counters of the two hosts never meet in a rate: two sessions at least.
    let c = crate::capture::capture(&e.table, &e.capture()).unwrap();
    assert!(
        c.sessions.len() >= 2 && c.cuts.entities == 1,
        "{:?}",
        c.cuts
    );

    // After rate(): the values pass through as per-second rates.
    let doc: serde_json::Value =
        serde_json::from_slice(&fixture("prometheus-query_range-rate.json")).unwrap();
    let series = doc["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"]["metric"] == "tcpInSegs" && s["metric"]["instance"] == "10.77.9.10")
        .unwrap();
    let t = series["values"][0][0].as_f64().unwrap();
    let v: f64 = series["values"][0][1].as_str().unwrap().parse().unwrap();
    let e = read("prometheus-query_range-rate.json");
    let k = e.table.column_index("tcpInSegs").unwrap();
    assert_eq!(e.kinds[k], SeriesKind::Rate);
    assert_eq!(cell(&e, "10.77.9.10", Some(t), "tcpInSegs"), v);
    let c = crate::capture::capture(&e.table, &e.capture()).unwrap();
    assert!(c.rates.is_none(), "rates pass through");
    assert_eq!(c.table.n_rows(), e.table.n_rows(), "every row kept");
    let col_of = super::read_tests::col_of;
    assert_eq!(col_of(&c.table, "tcpInSegs"), col_of(&e.table, "tcpInSegs"));
}

#[test]
fn telegraf_grafana_cacti_and_rrd_checked_by_hand() {
    // Telegraf: the first interface line of 10.77.9.20's eth0.
    let raw = text("telegraf-snmp.influx");
    let line = raw
        .lines()
        .find(|l| l.starts_with("interface,agent_host=10.77.9.20,") && l.contains("ifName=eth0 "))
        .unwrap();
    let ts: f64 = line.rsplit(' ').next().unwrap().parse::<f64>().unwrap() / 1e9;
    let field = line.split("ifHCOutOctets=").nth(1).unwrap();
    let v: f64 = field.split('i').next().unwrap().parse().unwrap();
    for name in [
        "telegraf-snmp.influx",
        "telegraf-snmp.json",
        "telegraf-snmp-batch.json",
    ] {
        let e = read(name);
        assert_eq!(
            cell(&e, "10.77.9.20", Some(ts), "ifOutOctets11"),
            v,
            "{name}"
        );
    }
    // The three Telegraf layouts and the four Grafana ones read the same.
    assert_eq!(
        read("telegraf-snmp.json").table.values,
        read("telegraf-snmp.influx").table.values
    );
    let joined = read("grafana-joined.csv");
    for name in [
        "grafana-excel-sep.csv",
        "grafana-excel-utf16.csv",
        "grafana-formatted-time.csv",
    ] {
        assert_eq!(read(name).table.values, joined.table.values, "{name}");
    }
    // Grafana: second data row, first series column (victim eth0 ifHCInOctets).
    let raw = text("grafana-joined.csv");
    let row: Vec<&str> = raw.lines().nth(2).unwrap().split(',').collect();
    let t = row[0].parse::<f64>().unwrap() / 1000.0;
    assert_eq!(
        cell(&joined, "10.77.9.10", Some(t), "ifInOctets11"),
        row[1].parse::<f64>().unwrap()
    );
    // Grafana after rate() with a legend: values pass through, as in the JSON.
    let legend = read("grafana-rate-legend.csv");
    let raw = text("grafana-rate-legend.csv");
    let row: Vec<&str> = raw.lines().nth(1).unwrap().split(',').collect();
    let t = row[0].parse::<f64>().unwrap() / 1000.0;
    assert_eq!(
        cell(&legend, "", Some(t), "ifInOctets11"),
        row[1].parse::<f64>().unwrap()
    );
    assert_eq!(legend.table.text[1].values[0], "eth0");

    // rrdtool fetch: the first row's INOCTETS, a per-second rate.
    let raw = text("rrdtool-fetch-port.txt");
    let first = raw.lines().find(|l| l.contains(": ")).unwrap();
    let (t, vals) = first.split_once(": ").unwrap();
    let v: f64 = vals.split_whitespace().next().unwrap().parse().unwrap();
    let e = read("rrdtool-fetch-port.txt");
    assert_eq!(cell(&e, "", Some(t.parse().unwrap()), "ifInOctets11"), v);
    // xport: the same RRD, rows at start + k·step (rrdtool 1.7 writes no <t>).
    let x = read("rrdtool-xport.xml");
    assert_eq!(
        cell(&x, "victim", Some(t.parse().unwrap()), "ifInOctets11"),
        v
    );
    // Cacti: Inbound in bits per second, read back as octets per second.
    let c = read("cacti-traffic.csv");
    let raw = text("cacti-traffic.csv");
    let row = raw.lines().find(|l| l.starts_with("\"20")).unwrap();
    let bits: f64 = row
        .split(',')
        .nth(1)
        .unwrap()
        .trim_matches('"')
        .parse()
        .unwrap();
    assert_eq!(c.table.values[1], bits / 8.0);
    assert!((c.table.values[1] - x.table.values[1]).abs() < 1e-6);
    assert_eq!(c.table.text[0].values[0], "victim");
    assert_eq!(c.interval, Some(5.0));
}
