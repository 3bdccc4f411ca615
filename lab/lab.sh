#!/usr/bin/env bash
# mibwatch traffic lab: network namespaces joined by veth pairs through a
# bridge, a victim host running Debian's snmpd (net-snmp) and nginx, a client
# host making normal traffic, an attacker host; a poller reading the 34
# schema variables from the victim's agent every interval into a labelled CSV
# of raw totals (the layout of data/snmp-mib/all_data.csv + class, timestamp,
# session). Needs root. Everything stays inside the lab namespaces.
#
#   lab/lab.sh up                 build the lab (tears down a previous one first)
#   lab/lab.sh down               remove every namespace, veth and process of the lab
#   lab/lab.sh smoke              < 2 min: normal, tcp-syn and slowpost blocks, checked;
#                                 skips (exit 0) without root or network namespaces
#   lab/lab.sh campaign [--seed N] [--sessions N] [--block S] [--interval S] [--out DIR]
#                                 the full labelled campaign → DIR/lab.csv + manifest
#   lab/lab.sh normal [--minutes M] [--seed N] [--interval S] [--out DIR]
#                                 one long normal capture, no attacks
#                                 → DIR/normal-long.csv + normal-long.manifest.json
#   lab/lab.sh status
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
RUN="${MWLAB_RUN:-/run/mibwatch-lab}"
NSS=(mwl-victim mwl-client mwl-attacker mwl-sw)
NET=10.77.9
VICTIM=$NET.10 CLIENT=$NET.20 ATTACKER=$NET.30
export CARGO_TARGET_DIR="$root/target/lab"
BIN="$CARGO_TARGET_DIR/debug/mibwatch-lab"
SNMP_OPTS=(-v2c -M /nonexistent -m "")
export MIBS=""

say() { printf 'lab: %s\n' "$*" >&2; }
vx() { ip netns exec mwl-victim "$@"; }
cx() { ip netns exec mwl-client "$@"; }
ax() { ip netns exec mwl-attacker "$@"; }

# --- teardown: idempotent, also after Ctrl-C or a failure ----------------------
down() {
  local ns pids
  for ns in "${NSS[@]}"; do
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || continue
    # Every process inside a lab namespace was started by the lab.
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -TERM $pids 2>/dev/null || true
  done
  sleep 0.5
  for ns in "${NSS[@]}"; do
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || continue
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    # Deleting a namespace deletes the veth ends and the bridge inside it.
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$RUN"
}

can_run() { # root and working network namespaces?
  [ "$(id -u)" = 0 ] || { echo "not root"; return 1; }
  command -v ip >/dev/null || { echo "no iproute2"; return 1; }
  local probe="mwl-probe-$$"
  if ! ip netns add "$probe" 2>/dev/null; then echo "ip netns add fails here"; return 1; fi
  ip netns del "$probe"
}

need_tools() {
  local missing=() t
  for t in snmpd snmpget snmpset hping3 slowhttptest hydra nginx ping openssl timeout; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "missing: ${missing[*]} (scripts/setup.sh lab installs them)"; return 1
  fi
}

build() {
  say "cargo build -p mibwatch-lab"
  (cd "$root" && cargo build -q -p mibwatch-lab)
}

lab_in_use() { ip netns list 2>/dev/null | awk '{print $1}' | grep -q '^mwl-'; }

up() {
  need_tools
  if lab_in_use; then
    say "a lab is already up (namespaces mwl-*): another run? 'lab/lab.sh down' removes it"; return 1
  fi
  build
  mkdir -p "$RUN"/www/admin "$RUN"/nginx "$RUN"/snmp
  chmod 755 "$RUN"
  for ns in "${NSS[@]}"; do ip netns add "$ns"; done
  ip -n mwl-sw link add br0 type bridge
  ip -n mwl-sw link set br0 up
  local host ip
  for host in victim client attacker; do
    case $host in victim) ip=$VICTIM ;; client) ip=$CLIENT ;; attacker) ip=$ATTACKER ;; esac
    # Both ends are created inside lab namespaces: nothing touches the host's.
    ip link add eth0 netns "mwl-$host" type veth peer name "$host" netns mwl-sw
    ip -n mwl-sw link set "$host" master br0 up
    ip -n "mwl-$host" addr add "$ip/24" dev eth0
    ip -n "mwl-$host" link set lo up
    ip -n "mwl-$host" link set eth0 up
  done

  # snmpd: read-only community for the lab subnet on the lab address; a
  # random read-write community on the victim's loopback only, used once below
  # to turn off the agent's 3-5 s statistics caches (else 1 s polls repeat values).
  RO_COMMUNITY="mibwatch-lab"
  local rw; rw="rw$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
  cat > "$RUN/snmpd.conf" <<CONF
agentAddress udp:$VICTIM:161,udp:127.0.0.1:161
rocommunity $RO_COMMUNITY $NET.0/24
rwcommunity $rw 127.0.0.1
sysLocation mibwatch traffic lab (victim namespace)
CONF
  SNMP_PERSISTENT_DIR="$RUN/snmp" vx snmpd -C -c "$RUN/snmpd.conf" -M /nonexistent -m "" \
    -Lf "$RUN/snmpd.log" -p "$RUN/snmpd.pid"
  local i
  for i in $(seq 1 50); do
    cx snmpget "${SNMP_OPTS[@]}" -c "$RO_COMMUNITY" -t 0.2 -r 0 "$VICTIM" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break
    sleep 0.1
  done
  local oid
  for oid in 1.3.6.1.2.1.2.2 1.3.6.1.2.1.4 1.3.6.1.2.1.5 1.3.6.1.2.1.6 1.3.6.1.2.1.7; do
    vx snmpset "${SNMP_OPTS[@]}" -c "$rw" -t 1 127.0.0.1 ".1.3.6.1.4.1.8072.1.5.3.1.2.$oid" i 0 >/dev/null
  done

  # nginx: static pages, a basic-auth /admin/ (the brute-force target), /form for POSTs.
  printf '<html><body><h1>lab</h1>%s</body></html>\n' "$(head -c 3000 /dev/zero | tr '\0' x)" > "$RUN/www/index.html"
  for p in news about; do printf '<html><body>%s</body></html>\n' "$(head -c 12000 /dev/zero | tr '\0' y)" > "$RUN/www/$p.html"; done
  head -c 200000 /dev/urandom > "$RUN/www/big.bin"
  echo secret > "$RUN/www/admin/index.html"
  printf 'admin:%s\n' "$(openssl passwd -apr1 "lab-$(od -An -N6 -tx8 /dev/urandom | tr -d ' ')")" > "$RUN/htpasswd"
  chmod -R a+rX "$RUN/www" "$RUN/htpasswd"
  cat > "$RUN/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 120s;
  keepalive_requests 100000;
  client_body_temp_path $RUN/nginx/body;
  proxy_temp_path $RUN/nginx/proxy;
  fastcgi_temp_path $RUN/nginx/fastcgi;
  uwsgi_temp_path $RUN/nginx/uwsgi;
  scgi_temp_path $RUN/nginx/scgi;
  default_type text/html;
  server {
    listen $VICTIM:80;
    root $RUN/www;
    location /admin/ { auth_basic "lab admin"; auth_basic_user_file $RUN/htpasswd; }
    # /form hands the POST to an application (a second server on the
    # victim's loopback), so nginx reads the whole body first, as in front of
    # a real web application: a slow body holds its connection until the body
    # is complete or client_body_timeout passes between two reads. (A bare
    # "return" answers before the body is read and drops the connection
    # within seconds, and slowpost then holds nothing.)
    location /form { client_max_body_size 10m; client_body_timeout 30s; proxy_pass http://127.0.0.1:8080; }
  }
  server {
    listen 127.0.0.1:8080;
    location / { return 200 "ok\n"; }
  }
}
CONF
  vx nginx -c "$RUN/nginx.conf" -p "$RUN/nginx"
  # DNS-style UDP responder (port 53) on the victim.
  vx "$BIN" udp-server --bind "$VICTIM" --seconds 14400 > "$RUN/udp-server.log" 2>&1 &
  IF_INDEX=$(vx cat /sys/class/net/eth0/ifindex)
  echo "$IF_INDEX" > "$RUN/if-index"
  echo "$RO_COMMUNITY" > "$RUN/community"
  for i in $(seq 1 50); do
    cx timeout 1 bash -c "exec 3<>/dev/tcp/$VICTIM/80" 2>/dev/null && break
    sleep 0.1
  done
  say "up: victim $VICTIM (snmpd, nginx, udp/53; eth0 ifIndex $IF_INDEX), client $CLIENT, attacker $ATTACKER"
}

# --- attacks: bounded in packets and time, stopping by themselves -------------
# attack CLASS SECONDS: runs in the attacker namespace, only at the victim.
FLOOD_GAP_US=1000 # hping3 floods: 1,000 packets/s
attack() {
  local class=$1 secs=$2 count=$(( $2 * 1000000 / FLOOD_GAP_US ))
  case $class in
    normal) sleep "$secs" ;;
    tcp-syn) ax timeout -k 3 "$secs" hping3 -q -S -p 80 --rand-source -i "u$FLOOD_GAP_US" -c "$count" "$VICTIM" ;;
    udp-flood) ax timeout -k 3 "$secs" hping3 -q --udp -p 9 -d 64 -i "u$FLOOD_GAP_US" -c "$count" "$VICTIM" ;;
    icmp-echo) ax timeout -k 3 "$secs" hping3 -q --icmp -d 56 -i "u$FLOOD_GAP_US" -c "$count" "$VICTIM" ;;
    httpFlood) ax timeout -k 3 "$secs" "$BIN" http-flood --target "$VICTIM" --rate 250 --workers 6 --seconds "$secs" --seed "$RANDOM" ;;
    slowloris) ax timeout -k 3 "$((secs + 2))" slowhttptest -H -c 400 -r 80 -i 10 -x 24 -p 3 -l "$secs" -u "http://$VICTIM/" ;;
    slowpost) ax timeout -k 3 "$((secs + 2))" slowhttptest -B -c 400 -r 80 -i 10 -s 65536 -x 10 -p 3 -l "$secs" -u "http://$VICTIM/form" ;;
    bruteForce) (cd "$RUN" && ax timeout -k 3 "$secs" hydra -I -q -l admin -P "$RUN/words.txt" -t 4 -s 80 "$VICTIM" http-get /admin/) ;;
    *) say "unknown class $class"; return 1 ;;
  esac
}

wordlist() { # 50,000 guesses, none of them the random password
  [ -s "$RUN/words.txt" ] || awk 'BEGIN { split("admin password letmein qwerty dragon monkey secret welcome shadow master", w, " ");
    for (i = 0; i < 50000; i++) printf "%s%d\n", w[i % 10 + 1], i }' > "$RUN/words.txt"
}

# record_block SESSION CLASS WARM BLOCK COOL
record_block() {
  local session=$1 class=$2 warm=$3 block=$4 cool=$5
  attack "$class" $((warm + block + 2)) >> "$RUN/attacks.log" 2>&1 &
  local apid=$!
  sleep "$warm"
  echo "$class $session" > "$RUN/state"
  sleep "$block"
  echo "-" > "$RUN/state"
  kill "$apid" 2>/dev/null || true
  wait "$apid" 2>/dev/null || true
  sleep "$cool"
}

start_background() { # normal client traffic + poller, for SECONDS
  local secs=$1 interval=$2 out=$3 seed=$4
  echo "-" > "$RUN/state"
  cx "$BIN" normal --target "$VICTIM" --seed "$seed" --seconds "$secs" --rate 4 --long-lived 4 > "$RUN/normal.log" 2>&1 &
  cx "$BIN" poll --agent "$VICTIM" --community "$(cat "$RUN/community")" --if-index "$(cat "$RUN/if-index")" \
    --interval "$interval" --state "$RUN/state" --out "$out" --max-seconds "$((secs + 60))" \
    --info "$RUN/nucast-source" > "$RUN/poll.log" 2>&1 &
  POLL_PID=$!
}

cleanup() { trap - EXIT INT TERM; say "tearing down"; down; }

smoke() {
  local why
  if ! why=$(can_run); then
    echo "lab smoke: SKIPPED ($why): the traffic lab needs root and network namespaces"; exit 0
  fi
  need_tools || { echo "lab smoke: SKIPPED (lab tools missing; run scripts/setup.sh lab)"; exit 0; }
  if lab_in_use; then
    echo "lab smoke: SKIPPED (a lab run is in progress: namespaces mwl-* exist; it is left alone)"; exit 0
  fi
  local t0=$SECONDS out="$root/target/lab/smoke.csv"
  trap 'cleanup; exit 130' INT TERM
  trap cleanup EXIT
  up
  rm -f "$out"
  start_background 60 1 "$out" 7
  sleep 3
  record_block 1 normal 1 15 0
  record_block 2 tcp-syn 2 15 1
  record_block 3 slowpost 3 15 1
  kill "$POLL_PID" 2>/dev/null || true
  wait "$POLL_PID" 2>/dev/null || true
  "$BIN" check "$out" --classes normal,tcp-syn,slowpost --min-rows 10 --attack tcp-syn --factor 5 \
    --holds slowpost --holds-factor 10
  echo "lab smoke: passed in $((SECONDS - t0)) s"
}

campaign() {
  local seed=1 sessions=6 block=60 warm=3 cool=3 interval=1 out="$root/data/lab"
  while [ $# -gt 0 ]; do
    case $1 in
      --seed) seed=$2 ;; --sessions) sessions=$2 ;; --block) block=$2 ;;
      --interval) interval=$2 ;; --out) out=$2 ;; *) say "unknown option $1"; exit 2 ;;
    esac
    shift 2
  done
  local why
  why=$(can_run) || { say "cannot run the lab: $why"; exit 1; }
  if lab_in_use; then say "a lab is already up (namespaces mwl-*): 'lab/lab.sh down' first"; exit 1; fi
  trap 'cleanup; exit 130' INT TERM
  trap cleanup EXIT
  up
  wordlist
  mkdir -p "$out"
  local csv="$out/lab.csv"
  rm -f "$csv"
  "$BIN" schedule --seed "$seed" --sessions "$sessions" > "$RUN/schedule.txt"
  local n; n=$(wc -l < "$RUN/schedule.txt")
  local total=$(( n * (warm + block + cool + 2) + 30 ))
  say "campaign: $n blocks of $block s (seed $seed), poll every $interval s; about $((total / 60)) min"
  local started; started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  start_background "$total" "$interval" "$csv" "$seed"
  sleep 5
  local session class k=0
  while read -r session class; do
    k=$((k + 1))
    say "block $k/$n: session $session $class"
    record_block "$session" "$class" "$warm" "$block" "$cool"
  done < "$RUN/schedule.txt"
  kill "$POLL_PID" 2>/dev/null || true
  wait "$POLL_PID" 2>/dev/null || true
  local finished; finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  "$BIN" check "$csv" > "$RUN/check.txt"
  cat "$RUN/check.txt" >&2
  write_manifest "$out/manifest.json" "$seed" "$sessions" "$block" "$warm" "$cool" "$interval" "$started" "$finished"
  say "campaign done: $csv, $out/manifest.json"
  # The slow attacks held their connections (median tcpCurrEstab ≥ 10× normal's).
  "$BIN" check "$csv" --holds slowloris,slowpost --holds-factor 10 > /dev/null
  say "check: slowloris and slowpost held their connections"
}

# One long capture of normal client traffic (no attacks): the rows a baseline
# of "your normal" is fitted and judged on. One session, label normal.
normal_capture() {
  local minutes=35 seed=7 interval=1 out="$root/data/lab"
  while [ $# -gt 0 ]; do
    case $1 in
      --minutes) minutes=$2 ;; --seed) seed=$2 ;; --interval) interval=$2 ;;
      --out) out=$2 ;; *) say "unknown option $1"; exit 2 ;;
    esac
    shift 2
  done
  local why
  why=$(can_run) || { say "cannot run the lab: $why"; exit 1; }
  if lab_in_use; then say "a lab is already up (namespaces mwl-*): 'lab/lab.sh down' first"; exit 1; fi
  trap 'cleanup; exit 130' INT TERM
  trap cleanup EXIT
  up
  mkdir -p "$out"
  local csv="$out/normal-long.csv" secs=$((minutes * 60))
  rm -f "$csv"
  say "normal capture: $minutes min of normal client traffic, poll every $interval s"
  local started; started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  start_background "$((secs + 30))" "$interval" "$csv" "$seed"
  sleep 5
  echo "normal 1" > "$RUN/state"
  sleep "$secs"
  echo "-" > "$RUN/state"
  kill "$POLL_PID" 2>/dev/null || true
  wait "$POLL_PID" 2>/dev/null || true
  local finished; finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  "$BIN" check "$csv" > "$RUN/check.txt"
  cat "$RUN/check.txt" >&2
  local rows; rows=$(( $(wc -l < "$csv") - 1 ))
  cat > "$out/normal-long.manifest.json" <<JSON
{
  "dataset": "mibwatch traffic lab: one long capture of normal client traffic (no attacks), raw SNMP MIB-II totals polled from net-snmp's snmpd on the victim namespace",
  "file": "normal-long.csv",
  "command": "lab/lab.sh normal --minutes $minutes --seed $seed --interval $interval --out <dir>",
  "columns": "the 34 columns of data/snmp-mib/all_data.csv (same names and order), then class (always normal), timestamp (unix seconds, midway through the poll), session (always 1)",
  "rows": $rows,
  "minutes": $minutes,
  "interval_seconds": $interval,
  "seed": $seed,
  "started_utc": "$started",
  "finished_utc": "$finished",
$(common_manifest)
}
JSON
  say "normal capture done: $csv, $out/normal-long.manifest.json"
}

ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo unknown; }

# The manifest lines every lab file shares: set-up, traffic, tools and versions.
common_manifest() {
  local nucast; nucast=$(cat "$RUN/nucast-source" 2>/dev/null || echo unknown)
  cat <<JSON
  "interface_columns": "the victim's lab-facing veth (eth0 in the victim namespace, ifIndex $(cat "$RUN/if-index"))",
  "nucast_source": "$nucast (IfTable: the agent answered ifInNUcastPkts/ifOutNUcastPkts; IfXTableMulticastPlusBroadcast: derived from ifXTable multicast + broadcast counters)",
  "agent_caches": "the agent's ifTable/ip/icmp/tcp/udp cache timeouts set to 0 via NET-SNMP-AGENT-MIB nsCacheTimeout (loopback-only read-write community), so each poll reads the kernel's counters",
  "victim_services": "nginx (static pages, basic-auth /admin/, /form proxied to an application server on the victim's loopback), a DNS-style UDP responder on port 53",
  "topology": "namespaces mwl-victim $VICTIM, mwl-client $CLIENT (normal traffic and the poller), mwl-attacker $ATTACKER, joined by veth pairs to a bridge in mwl-sw; no routes out",
  "normal_traffic": "mibwatch-lab normal: ~4 actions/s drifting ±50% over 7 min: HTTP GETs on fresh connections (60%), DNS-style UDP queries to port 53 (37%), ping -c 3 (3%), plus 4 long-lived keep-alive TCP sessions; runs throughout, attacks included",

  "versions": {
    "kernel": "$(uname -r)",
    "snmpd": "$(ver snmpd)",
    "snmp": "$(ver snmp)",
    "hping3": "$(ver hping3)",
    "slowhttptest": "$(ver slowhttptest)",
    "hydra": "$(ver hydra)",
    "nginx": "$(ver nginx-light) (nginx-light)",
    "iproute2": "$(ver iproute2)",
    "mibwatch-lab": "$(cd "$root" && git log -1 --format=%h -- lab 2>/dev/null || echo unknown) (last commit changing lab/; worktree HEAD $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown))"
  }
JSON
}

write_manifest() {
  local f=$1 seed=$2 sessions=$3 block=$4 warm=$5 cool=$6 interval=$7 started=$8 finished=$9
  local rows; rows=$(( $(wc -l < "$(dirname "$f")/lab.csv") - 1 ))
  local sched; sched=$(awk '{printf "%s[%s, \"%s\"]", (NR > 1 ? ", " : ""), $1, $2}' "$RUN/schedule.txt")
  local per_class; per_class=$(awk '/ rows in /{printf "%s\"%s\": {\"rows\": %s, \"sessions\": %s}", (n++ ? ", " : ""), $1, $2, $5}' "$RUN/check.txt")
  cat > "$f" <<JSON
{
  "dataset": "mibwatch traffic lab: raw SNMP MIB-II totals polled from net-snmp's snmpd on a victim network namespace",
  "file": "lab.csv",
  "columns": "the 34 columns of data/snmp-mib/all_data.csv (same names and order), then class, timestamp (unix seconds, midway through the poll), session (1-based block number)",
  "rows": $rows,
  "per_class": { $per_class },
  "interval_seconds": $interval,
  "seed": $seed,
  "sessions_per_class": $sessions,
  "block_seconds": $block,
  "warmup_seconds": $warm,
  "cooldown_seconds": $cool,
  "started_utc": "$started",
  "finished_utc": "$finished",
  "schedule": [$sched],
  "attacks": {
    "tcp-syn": "hping3 -S -p 80 --rand-source -i u$FLOOD_GAP_US -c <1000/s x block>",
    "udp-flood": "hping3 --udp -p 9 -d 64 -i u$FLOOD_GAP_US -c <1000/s x block>",
    "icmp-echo": "hping3 --icmp -d 56 -i u$FLOOD_GAP_US -c <1000/s x block>",
    "httpFlood": "mibwatch-lab http-flood --rate 250 --workers 6 (fresh connection per GET, random query)",
    "slowloris": "slowhttptest -H -c 400 -r 80 -i 10 -x 24 -p 3 -l <block>",
    "slowpost": "slowhttptest -B -c 400 -r 80 -i 10 -s 65536 -x 10 -p 3 -l <block> (POST /form: nginx reads the whole body before handing it to the application behind it, so each connection stays open while its body trickles in)",
    "bruteForce": "hydra -l admin -P <50,000 guesses> -t 4 http-get /admin/ (nginx basic auth)"
  },
$(common_manifest)
}
JSON
}

status() {
  local ns
  for ns in "${NSS[@]}"; do
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns"; then
      echo "$ns: $(ip netns pids "$ns" | wc -l) processes"
    else
      echo "$ns: absent"
    fi
  done
}

case "${1:-}" in
  up) why=$(can_run) || { say "cannot run the lab: $why"; exit 1; }; up ;;
  down) down; say "down" ;;
  smoke) smoke ;;
  campaign) shift; campaign "$@" ;;
  normal) shift; normal_capture "$@" ;;
  status) status ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
