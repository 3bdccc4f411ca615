#!/usr/bin/env bash
# Export fixtures from the traffic lab, made by the real tools against the
# lab's net-snmp agents while normal traffic and two attacks run:
#   snmpwalk/snmpget (MIB names, numeric iso.…, -On), snmptable -Cf , -Ci,
#   prometheus-snmp-exporter (text exposition scraped with curl),
#   prometheus (query_range JSON from its HTTP API, raw and after rate()),
#   rrdtool (fetch and xport) fed from the lab poller's polls.
# Then lab/exports_convert.py writes the Telegraf, Grafana and Cacti layouts
# (tools not packaged in Debian) from the Prometheus and rrdtool captures.
#
#   MIBDIRS=/path/to/net-snmp/mibs lab/exports.sh [OUT_DIR]
#
# OUT_DIR defaults to tests/fixtures/exports. Needs root, the lab's tools
# (scripts/setup.sh lab) and Debian's snmp, prometheus,
# prometheus-snmp-exporter and rrdtool packages. Debian ships no IETF MIB
# files (snmp-mibs-downloader is non-free): MIBDIRS must point at
# net-snmp's own mibs/ directory (the source tree's mibs/) for the
# MIB-named walks, snmptable and the exporter's generated snmp.yml; without
# it those fixtures are skipped. Takes about 5 minutes; holds the lab lock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/tests/fixtures/exports}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
LOCK=/tmp/mibwatch-lab.lock
if [ -z "${MWL_EXPORTS_LOCKED:-}" ]; then
  export MWL_EXPORTS_LOCKED=1
  exec flock "$LOCK" "$0" "$@"
fi

VICTIM=10.77.9.10 CLIENT=10.77.9.20 ATTACKER=10.77.9.30
RUN=/run/mibwatch-lab
W=$(mktemp -d /tmp/mibwatch-exports.XXXXXX)
BIN="$root/target/lab/debug/mibwatch-lab"
C=mibwatch-lab
MIBS="${MIBDIRS:-}"
say() { printf 'exports: %s\n' "$*" >&2; }
cx() { ip netns exec mwl-client "$@"; }
ax() { ip netns exec mwl-attacker "$@"; }
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  "$root/lab/lab.sh" down || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

"$root/lab/lab.sh" up

# A second agent in the client namespace: two hosts in every capture.
cat > "$W/snmpd-client.conf" <<CONF
agentAddress udp:$CLIENT:161
rocommunity $C 10.77.9.0/24
sysLocation mibwatch traffic lab (client namespace)
CONF
mkdir -p "$W/snmp-client"
SNMP_PERSISTENT_DIR="$W/snmp-client" cx snmpd -C -c "$W/snmpd-client.conf" -M /nonexistent -m "" \
  -Lf "$W/snmpd-client.log" -p "$W/snmpd-client.pid"

# snmp_exporter config from the real generator, and a Prometheus scraping both agents every 5 s.
have_mibs=0
if [ -n "$MIBS" ] && [ -f "$MIBS/IF-MIB.txt" ]; then
  have_mibs=1
  (cd "$W" && cp "$root/lab/exports/generator.yml" . && MIBDIRS="$MIBS" prometheus-snmp-generator generate >/dev/null 2>&1)
else
  say "MIBDIRS unset or without IF-MIB.txt: MIB-named walks, snmptable and Prometheus fixtures skipped"
fi
if [ $have_mibs = 1 ]; then
  cx prometheus-snmp-exporter --config.file="$W/snmp.yml" --web.listen-address=127.0.0.1:9116 \
    > "$W/exporter.log" 2>&1 &
  PIDS+=($!)
  cat > "$W/prometheus.yml" <<YML
global:
  scrape_interval: 5s
  scrape_timeout: 4s
scrape_configs:
YML
  for job in if_mib mibwatch_mib2; do
    cat >> "$W/prometheus.yml" <<YML
  - job_name: snmp_$job
    metrics_path: /snmp
    params: {module: [$job]}
    static_configs: [{targets: ['$VICTIM', '$CLIENT']}]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: '127.0.0.1:9116'}
YML
  done
  cx prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
    --web.listen-address=127.0.0.1:9090 > "$W/prometheus.log" 2>&1 &
  PIDS+=($!)
fi

# Normal traffic throughout; the lab poller every 2 s for rrdtool.
echo "normal 1" > "$RUN/state"
cx "$BIN" normal --target "$VICTIM" --seed 11 --seconds 200 --rate 4 --long-lived 4 > "$W/normal.log" 2>&1 &
PIDS+=($!)
cx "$BIN" poll --agent "$VICTIM" --community "$C" --if-index "$(cat "$RUN/if-index")" --interval 2 \
  --state "$RUN/state" --out "$W/poll.csv" --max-seconds 185 > "$W/poll.log" 2>&1 &
PIDS+=($!)

SCALARS=(1.3.6.1.2.1.1.3.0)
for o in 4.3 4.5 4.6 4.8 4.9 4.10 4.11 4.12 5.1 5.3 5.8 5.14 5.16 5.22 6.5 6.6 6.8 6.9 6.10 6.11 6.12 6.15 7.1 7.2 7.3 7.4; do
  SCALARS+=("1.3.6.1.2.1.$o.0")
done
snmp_round() { # one poll of one agent in three spellings and as tables
  local host=$1 k=$2
  if [ $have_mibs = 1 ]; then
    local m=(-v2c -c "$C" -M "$MIBS" -m ALL)
    { cx snmpget "${m[@]}" "$host" "${SCALARS[@]}"
      cx snmpwalk "${m[@]}" "$host" IF-MIB::ifTable
      cx snmpwalk "${m[@]}" "$host" IF-MIB::ifXTable; } >> "$W/walk-names-$host.txt" 2>>"$W/snmp.err"
    { cx snmptable "${m[@]}" -Cf , -Ci "$host" IF-MIB::ifTable
      cx snmptable "${m[@]}" -Cf , -Ci "$host" IF-MIB::ifXTable; } >> "$W/table-$host.csv" 2>>"$W/snmp.err"
  fi
  if [ "$k" -le 6 ]; then
    local n=(-v2c -c "$C" -M /nonexistent -m "")
    { cx snmpget "${n[@]}" "$host" "${SCALARS[@]}"
      cx snmpwalk "${n[@]}" "$host" 1.3.6.1.2.1.2.2.1; } >> "$W/walk-numeric-$host.txt" 2>>"$W/snmp.err"
    { cx snmpget "${n[@]}" -On "$host" "${SCALARS[@]}"
      cx snmpwalk "${n[@]}" -On "$host" 1.3.6.1.2.1.31.1.1.1; } >> "$W/walk-On-$host.txt" 2>>"$W/snmp.err"
  fi
}

t_start=$(date +%s)
say "capturing for 180 s (tcp-syn at 60-90 s, udp-flood at 120-140 s)"
k=0
for tick in $(seq 0 10 170); do
  k=$((k + 1))
  case $tick in
    60) echo "tcp-syn 2" > "$RUN/state"
        ax timeout -k 3 30 hping3 -q -S -p 80 --rand-source -i u1000 -c 30000 "$VICTIM" >/dev/null 2>&1 & ;;
    90) echo "normal 3" > "$RUN/state" ;;
    120) echo "udp-flood 4" > "$RUN/state"
         ax timeout -k 3 20 hping3 -q --udp -p 9 -d 64 -i u1000 -c 20000 "$VICTIM" >/dev/null 2>&1 & ;;
    140) echo "normal 5" > "$RUN/state" ;;
  esac
  snmp_round "$VICTIM" "$k"
  snmp_round "$CLIENT" "$k"
  if [ $have_mibs = 1 ] && [ $((tick % 20)) = 0 ] && [ "$tick" -ge 20 ] && [ "$tick" -le 80 ]; then
    cx curl -s "http://127.0.0.1:9116/snmp?target=$VICTIM&module=if_mib" >> "$W/exporter-if_mib.prom"
  fi
  sleep $((t_start + tick + 10 - $(date +%s))) 2>/dev/null || true
done
t_end=$(date +%s)

if [ $have_mibs = 1 ]; then
  api() { cx curl -s -G "http://127.0.0.1:9090/api/v1/query_range" --data-urlencode "query=$1" \
      --data-urlencode "start=$((t_start + 10))" --data-urlencode "end=$((t_end - 5))" --data-urlencode "step=5"; }
  api '{__name__=~"ifHCInOctets|ifHCOutOctets|ifInOctets|ifOutOctets|ifHCInUcastPkts|ifHCOutUcastPkts|ifInDiscards|ifOutDiscards|ifHCInMulticastPkts|ifHCInBroadcastPkts|ifHCOutMulticastPkts|ifHCOutBroadcastPkts|sysUpTime|tcp.*|udp.*|ip(In|Out|Forw).*|icmp.*"}' \
    > "$W/query_range-raw.json"
  q=""
  for m in ifHCInOctets ifHCOutOctets ifHCInUcastPkts ifHCOutUcastPkts tcpInSegs tcpOutSegs tcpPassiveOpens udpInDatagrams; do
    q+="${q:+ or }label_replace(rate($m[30s]), \"metric\", \"$m\", \"\", \"\")"
  done
  api "$q" > "$W/query_range-rate.json"
fi
kill "${PIDS[@]}" 2>/dev/null || true
wait 2>/dev/null || true
"$root/lab/lab.sh" down
trap - EXIT INT TERM

# rrdtool fed from the lab poller's polls: a LibreNMS-style port RRD and a
# netstats-style RRD with MIB-named data sources (DERIVE, min 0).
python3 - "$W/poll.csv" "$W" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
port = {"INOCTETS": "ifInOctets11", "OUTOCTETS": "ifOutOctets11", "INUCASTPKTS": "ifInUcastPkts11",
        "OUTUCASTPKTS": "ifOutUcastPkts11", "INNUCASTPKTS": "ifInNUcastPkts11",
        "OUTNUCASTPKTS": "ifOutNUcastPkts11", "INDISCARDS": "ifInDiscards11", "OUTDISCARDS": "ifoutDiscards11"}
tcp = ["tcpActiveOpens", "tcpPassiveOpens", "tcpInSegs", "tcpOutSegs", "tcpOutRsts", "tcpRetransSegs"]
with open(sys.argv[2] + "/rrd-updates.txt", "w") as f:
    last = None
    for r in rows:
        t = int(round(float(r["timestamp"])))
        if last is not None and t <= last:
            continue
        last = t
        f.write("%d:%s %d:%s\n" % (t, ":".join(r[c] for c in port.values()),
                                   t, ":".join(r["tcp?ActiveOpens" if c == "tcpActiveOpens" else c] for c in tcp)))
PY
first=$(head -1 "$W/rrd-updates.txt" | cut -d: -f1)
last=$(tail -1 "$W/rrd-updates.txt" | cut -d: -f1)
ds() { for n in "$@"; do printf 'DS:%s:DERIVE:10:0:U ' "$n"; done; }
rrdtool create "$W/port-2.rrd" --start $((first - 1)) --step 5 \
  $(ds INOCTETS OUTOCTETS INUCASTPKTS OUTUCASTPKTS INNUCASTPKTS OUTNUCASTPKTS INDISCARDS OUTDISCARDS) RRA:AVERAGE:0.5:1:200
rrdtool create "$W/netstats-tcp.rrd" --start $((first - 1)) --step 5 \
  $(ds tcpActiveOpens tcpPassiveOpens tcpInSegs tcpOutSegs tcpOutRsts tcpRetransSegs) RRA:AVERAGE:0.5:1:200
while read -r a b; do
  rrdtool update "$W/port-2.rrd" "$a"
  rrdtool update "$W/netstats-tcp.rrd" "$b"
done < "$W/rrd-updates.txt"
s=$(( (first / 5 + 2) * 5 )); e=$(( (last / 5) * 5 ))
rrdtool fetch "$W/port-2.rrd" AVERAGE -s "$s" -e "$e" > "$out/rrdtool-fetch-port.txt"
rrdtool fetch "$W/netstats-tcp.rrd" AVERAGE -s "$s" -e "$e" > "$out/rrdtool-fetch-netstats-tcp.txt"
x=()
for n in INOCTETS OUTOCTETS INUCASTPKTS OUTUCASTPKTS INNUCASTPKTS OUTNUCASTPKTS INDISCARDS OUTDISCARDS; do
  x+=("DEF:$n=$W/port-2.rrd:$n:AVERAGE" "XPORT:$n:victim eth0 $n")
done
for n in tcpActiveOpens tcpPassiveOpens tcpInSegs tcpOutSegs; do
  x+=("DEF:$n=$W/netstats-tcp.rrd:$n:AVERAGE" "XPORT:$n:victim $n")
done
rrdtool xport -s "$s" -e "$e" --step 5 "${x[@]}" > "$out/rrdtool-xport.xml"

# Keep the captures (victim and client walks concatenated: one file per spelling).
if [ $have_mibs = 1 ]; then
  cp "$W/walk-names-$VICTIM.txt" "$out/snmpwalk-names.txt"
  cp "$W/table-$VICTIM.csv" "$out/snmptable.csv"
  cp "$W/exporter-if_mib.prom" "$out/snmp-exporter-if_mib.prom"
  cp "$W/query_range-raw.json" "$out/prometheus-query_range-raw.json"
  cp "$W/query_range-rate.json" "$out/prometheus-query_range-rate.json"
fi
cp "$W/walk-numeric-$VICTIM.txt" "$out/snmpwalk-numeric.txt"
cp "$W/walk-On-$VICTIM.txt" "$out/snmpwalk-On.txt"
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo unknown; }
cat > "$out/versions.txt" <<V
made by lab/exports.sh at $(cd "$root" && git rev-parse --short HEAD) on $(date -u +%Y-%m-%dT%H:%M:%SZ), capture $t_start..$t_end (unix s)
snmp (snmpwalk, snmpget, snmptable) $(ver snmp)
snmpd $(ver snmpd)
prometheus $(ver prometheus)
prometheus-snmp-exporter $(ver prometheus-snmp-exporter)
rrdtool $(ver rrdtool)
hping3 $(ver hping3)
kernel $(uname -r)
MIB files: ${MIBS:-none}
V
if [ $have_mibs = 1 ]; then
  python3 "$root/lab/exports_convert.py" "$out"
fi
say "fixtures in $out (work files in $W)"
