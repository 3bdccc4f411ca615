#!/usr/bin/env python3
"""Write the layouts of tools not packaged in Debian (Telegraf, Grafana,
Cacti) from the lab's real captures, following each tool's own source:

- Telegraf line protocol: docs.influxdata.com line protocol reference and
  telegraf plugins/inputs/snmp README (measurement `interface` with tags
  agent_host, host, ifIndex, ifName; measurement `snmp` for scalars; integer
  fields with `i`; nanosecond timestamps; tags sorted by key).
- Telegraf JSON: telegraf plugins/serializers/json README (one object per
  metric: fields, name, tags, timestamp in seconds; batch `{"metrics":[…]}`).
- Grafana CSV: packages/grafana-data/src/utils/csv.ts `toCSV` (quoted header
  names, CRLF, blank line after the frame, `sep=,` with useExcelHeader),
  public/app/features/inspector/utils/download.ts (Excel compatibility:
  UTF-16LE with BOM and tabs), display names from the Prometheus data
  source's createLabelInfo + grafana-data formatLabels (`name{k="v", …}`,
  keys sorted) or the legend.
- Cacti graph CSV: cacti graph_xport.php (BOM, "Title"/"Vertical
  Label"/"Start Date"/"End Date"/"Step"/"Total Rows"/"Graph ID"/"Host ID"
  lines, `""`, `"Date",…` header, quoted cells).

Sources of the values: prometheus-query_range-raw.json and -rate.json (the
lab's Prometheus) and rrdtool-xport.xml (rrdtool fed from the lab poller).
"""
import json
import re
import sys
import time
from collections import defaultdict

out = sys.argv[1]
raw = json.load(open(f"{out}/prometheus-query_range-raw.json"))["data"]["result"]
rate = json.load(open(f"{out}/prometheus-query_range-rate.json"))["data"]["result"]

IF_FIELDS = ["ifHCInOctets", "ifHCOutOctets", "ifInOctets", "ifOutOctets", "ifHCInUcastPkts",
             "ifHCOutUcastPkts", "ifInDiscards", "ifOutDiscards", "ifHCInMulticastPkts",
             "ifHCInBroadcastPkts", "ifHCOutMulticastPkts", "ifHCOutBroadcastPkts"]

# --- Telegraf: one `interface` metric per agent/interface/time, one `snmp` per agent/time.
metrics = defaultdict(dict)  # (name, tags tuple, ts) -> fields
for s in raw:
    m = s["metric"]
    name = m["__name__"]
    agent = m["instance"]
    if "ifIndex" in m:
        tags = (("agent_host", agent), ("host", "mwl-client"), ("ifIndex", m["ifIndex"]),
                ("ifName", m.get("ifName", "")))
        meas = "interface"
    else:
        tags = (("agent_host", agent), ("host", "mwl-client"))
        meas = "snmp"
    for t, v in s["values"]:
        metrics[(meas, tags, int(t))][name] = int(float(v))

def line(meas, tags, ts, fields):
    tag = ",".join(f"{k}={v.replace(' ', chr(92) + ' ').replace(',', chr(92) + ',')}" for k, v in sorted(tags))
    fs = ",".join(f"{k}={fields[k]}i" for k in sorted(fields))
    return f"{meas},{tag} {fs} {ts * 1_000_000_000}"

keys = sorted(metrics, key=lambda k: (k[2], k[0], k[1]))
with open(f"{out}/telegraf-snmp.influx", "w") as f:
    for k in keys:
        f.write(line(k[0], k[1], k[2], metrics[k]) + "\n")
objs = [{"fields": {k: v for k, v in sorted(metrics[key].items())}, "name": key[0],
         "tags": dict(sorted(key[1])), "timestamp": key[2]} for key in keys]
with open(f"{out}/telegraf-snmp.json", "w") as f:
    for o in objs:
        f.write(json.dumps(o, separators=(",", ":")) + "\n")
with open(f"{out}/telegraf-snmp-batch.json", "w") as f:
    half = len(objs) // 2
    for part in (objs[:half], objs[half:]):
        f.write(json.dumps({"metrics": part}, separators=(",", ":")) + "\n")

# --- Grafana: series joined by time; Time in epoch ms.
def display(m):
    labels = {k: v for k, v in m.items() if k != "__name__"}
    body = ", ".join(f'{k}="{labels[k]}"' for k in sorted(labels))
    return f'{m.get("__name__", "")}{{{body}}}'

def joined(series, names, fmt_time=None, sep=","):
    times = sorted({int(float(t) * 1000) for s in series for t, _ in s["values"]})
    cols = [{int(float(t) * 1000): v for t, v in s["values"]} for s in series]
    rows = ['"Time"' + sep + sep.join('"' + n.replace('"', '""') + '"' for n in names)]
    for t in times:
        tt = fmt_time(t) if fmt_time else str(t)
        rows.append(tt + sep + sep.join(c.get(t, "") for c in cols))
    return "\r\n".join(rows) + "\r\n\r\n"

pick = ["ifHCInOctets", "ifHCOutOctets", "ifHCInUcastPkts", "ifHCOutUcastPkts", "tcpInSegs",
        "tcpOutSegs", "tcpCurrEstab", "udpInDatagrams", "sysUpTime"]
sel = [s for s in raw if s["metric"]["__name__"] in pick
       and s["metric"].get("ifName", "eth0") != "lo"]
sel.sort(key=lambda s: (s["metric"]["instance"], pick.index(s["metric"]["__name__"])))
names = [display(s["metric"]) for s in sel]
plain = joined(sel, names)
open(f"{out}/grafana-joined.csv", "w", newline="").write(plain)
open(f"{out}/grafana-excel-sep.csv", "w", newline="", encoding="utf-8").write("\ufeffsep=,\r\n" + plain)
tabbed = joined(sel, names, sep="\t")
open(f"{out}/grafana-excel-utf16.csv", "wb").write(("\ufeff" + tabbed).encode("utf-16-le"))
fmt = lambda ms: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000))
open(f"{out}/grafana-formatted-time.csv", "w", newline="").write(joined(sel, names, fmt))
# After rate(), with the legend "{{metric}} {{ifName}}" (host-wide inputs: "{{metric}}").
rsel = [s for s in rate if s["metric"]["instance"] == "10.77.9.10" and s["metric"].get("ifName", "x") != "lo"]
rsel.sort(key=lambda s: s["metric"]["metric"])
legends = [f'{s["metric"]["metric"]} {s["metric"]["ifName"]}' if "ifName" in s["metric"]
           else s["metric"]["metric"] for s in rsel]
open(f"{out}/grafana-rate-legend.csv", "w", newline="").write(joined(rsel, legends))

# --- Cacti: "Interface - Traffic (bits/sec)" from rrdtool xport's octet rates × 8.
xml = open(f"{out}/rrdtool-xport.xml").read()
legend = re.findall(r"<entry>(.*?)</entry>", xml)
ri, ro = legend.index("victim eth0 INOCTETS"), legend.index("victim eth0 OUTOCTETS")
step = int(re.search(r"<step>(\d+)</step>", xml).group(1))
start = int(re.search(r"<start>(\d+)</start>", xml).group(1))
data = []
for k, row in enumerate(re.findall(r"<row>(.*?)</row>", xml)):
    # rrdtool 1.7 xport rows carry no <t> (without --showtime): start + k·step.
    shown = re.search(r"<t>(\d+)</t>", row)
    t = int(shown.group(1)) if shown else start + k * step
    v = re.findall(r"<v>(.*?)</v>", row)
    conv = lambda x: "NaN" if "nan" in x.lower() else "%.10e" % (float(x) * 8)
    data.append((t, conv(v[ri]), conv(v[ro])))
d = lambda t: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
lines = ['"Title","victim - Traffic - eth0"', '"Vertical Label","bits per second"',
         f'"Start Date","{d(data[0][0])}"', f'"End Date","{d(data[-1][0])}"', f'"Step","{step}"',
         f'"Total Rows","{len(data)}"', '"Graph ID","1"', '"Host ID","1"', '""',
         '"Date","Inbound","Outbound"']
lines += [f'"{d(t)}","{a}","{b}"' for t, a, b in data]
open(f"{out}/cacti-traffic.csv", "w", newline="", encoding="utf-8").write("\ufeff" + "\n".join(lines) + "\n")
print("exports_convert: wrote telegraf, grafana and cacti layouts", file=sys.stderr)
