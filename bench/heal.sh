#!/usr/bin/env bash
# Healing figures, measured on a fresh gateway over S3 (not a test):
#   1. heal throughput: 1 GiB of 32 MiB objects, region 3 replaced by empty drives while the
#      gateway is stopped, then the gateway started with an unthrottled healer: rebuilt bytes
#      per second until the healer goes quiet;
#   2. foreground impact: tessera-bench PUT/GET 1 MiB rows with nothing to heal, then again
#      while the healer refills a replaced region at its default rate.
# Usage: bench/heal.sh [path/to/tessera]   (default: build/gateway/tessera)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/gateway/tessera}
BENCH=$(dirname "$BIN")/../bench/tessera-bench
KEY=devstoreaccount1
SECRET='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
DIR=$(mktemp -d /tmp/tessera-heal-XXXXXX)
PID=
trap '[[ -n "$PID" ]] && kill $PID 2>/dev/null; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT

start() {  # HEAL_MIB_PER_S
  echo "{\"store\": {\"probe_interval_ms\": 200, \"heal_mib_per_s\": $1}}" >"$DIR/config.json"
  "$BIN" serve --data "$DIR/data" --listen 127.0.0.1:0 --ready-file "$DIR/ready" \
    --config "$DIR/config.json" >>"$DIR/log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do [[ -s "$DIR/ready" ]] && break; sleep 0.1; done
  URL=$(head -n1 "$DIR/ready")
}
stop() { kill "$PID"; wait "$PID" || true; PID=; rm -f "$DIR/ready"; }
s3() {  # METHOD PATH [FILE]
  local args=(-sS -o /dev/null -w "%{http_code}" --aws-sigv4 "aws:amz:us-east-1:s3" -u "$KEY:$SECRET"
              -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$1")
  [[ $# -ge 3 ]] && args+=(-H "Content-Type: application/octet-stream" --data-binary "@$3")
  curl "${args[@]}" "$URL$2"
}
replace_region3() {
  for d in "$DIR"/data/regions/region-3/drive-*; do rm -rf "$d"; mkdir -p "$d"; done
}
healed() { grep -c "healed extent" "$DIR/log" || true; }
wait_quiet() {  # until no extent is healed for 2 s
  local last=-1 now quiet=0
  while ((quiet < 20)); do
    sleep 0.1
    now=$(healed)
    if [[ "$now" == "$last" ]]; then quiet=$((quiet + 1)); else quiet=0; last=$now; fi
  done
}

head -c $((32 * 1024 * 1024)) /dev/urandom >"$DIR/32m"
start 64
s3 PUT /heal >/dev/null
for i in $(seq 0 31); do s3 PUT "/heal/o$i" "$DIR/32m" >/dev/null; done
stop

replace_region3
: >"$DIR/log"
t0=$(date +%s.%N)
start 0
wait_quiet
t1=$(date +%s.%N)
stop
bytes=$(grep -o "extents healed ([0-9]* bytes)" "$DIR/log" | grep -o "[0-9]*" | tail -n1)
awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v n="$(grep -c 'healed extent' "$DIR/log")" \
  'BEGIN { printf "heal: %d extents, %.0f MB rebuilt in %.1f s (start to quiet, 2 s of it quiet): %.0f MB/s\n", n, b / 1e6, t1 - t0 - 2, b / 1e6 / (t1 - t0 - 2) }'

echo "foreground, nothing to heal:"
start 64
"$BENCH" --endpoint "$URL" --pid "$PID" --dialect s3 --size 1MiB --seconds 4 | grep -E "^(op|PUT|GET)"
stop
replace_region3
echo "foreground, while the healer refills region 3 at its default 64 MiB/s:"
start 64
"$BENCH" --endpoint "$URL" --pid "$PID" --dialect s3 --size 1MiB --seconds 4 | grep -E "^(op|PUT|GET)"
stop
