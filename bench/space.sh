#!/usr/bin/env bash
# Space figures of the drive store, measured on a fresh gateway over S3 (not a test):
#   1. files under the data directory after 1,000 objects of 200 KiB;
#   2. bytes on the drives per byte of 1 MiB objects once destaged (100 of them, so that
#      their tails share stripes as they do in steady state);
#   3. 2 GiB written (1 MiB objects), half of it overwritten, then everything deleted and
#      the stopped gateway's directory compacted: its size against its peak.
# Usage: bench/space.sh [path/to/tessera]   (default: build/gateway/tessera)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/gateway/tessera}
KEY=devstoreaccount1
SECRET='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
DIR=$(mktemp -d /tmp/tessera-space-XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT

start() {
  "$BIN" serve --data "$DIR/data" --listen 127.0.0.1:0 --ready-file "$DIR/ready" >>"$DIR/log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do [[ -s "$DIR/ready" ]] && break; sleep 0.1; done
  URL=$(head -n1 "$DIR/ready")
}
stop() { kill "$PID"; wait "$PID" || true; rm -f "$DIR/ready"; }
s3() {  # METHOD PATH [FILE]
  local args=(-sS -o /dev/null -w "%{http_code}" --aws-sigv4 "aws:amz:us-east-1:s3" -u "$KEY:$SECRET"
              -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$1")
  [[ $# -ge 3 ]] && args+=(-H "Content-Type: application/octet-stream" --data-binary "@$3")
  curl "${args[@]}" "$URL$2"
}
# Runs "$@" for i in 0..COUNT-1 (as $i), 8 at a time; `wait` alone would wait for the gateway.
each() {  # COUNT COMMAND...
  local count=$1 i pids=()
  shift
  for ((i = 0; i < count; i++)); do
    "$@" "$i" >/dev/null &
    pids+=($!)
    if ((${#pids[@]} == 8)); then wait "${pids[@]}"; pids=(); fi
  done
  ((${#pids[@]} == 0)) || wait "${pids[@]}"
}
put_one() { s3 PUT "/$1/$2$4" "$3"; }   # BUCKET PREFIX FILE I
del_one() { s3 DELETE "/$1/$2$3"; }     # BUCKET PREFIX I
drive_bytes() { du -s --block-size=1 "$DIR"/data/regions/*/drive-* | awk '{ s += $1 } END { print s }'; }
all_bytes() { du -s --block-size=1 "$DIR/data" | cut -f1; }

head -c $((200 * 1024)) /dev/urandom >"$DIR/200k"
head -c $((1024 * 1024)) /dev/urandom >"$DIR/1m"
start
s3 PUT /files >/dev/null
each 1000 put_one files o "$DIR/200k"
echo "1000 objects of 200 KiB: $(find "$DIR/data" -type f | wc -l) files under the data directory"
s3 PUT /single >/dev/null
sleep 3  # the buffer drains while idle
before=$(drive_bytes)
each 100 put_one single o "$DIR/1m"
sleep 3
after=$(drive_bytes)
awk -v b="$before" -v a="$after" 'BEGIN { printf "1 MiB objects, destaged: %.3fx their size on the drives\n", (a - b) / 100 / 1048576 }'

s3 PUT /churn >/dev/null
each 2048 put_one churn k "$DIR/1m"
each 1024 put_one churn k "$DIR/1m"  # overwrites half
peak=$(all_bytes)
each 2048 del_one churn k
each 1000 del_one files o
each 100 del_one single o
stop
"$BIN" compact --data "$DIR/data"
final=$(all_bytes)
awk -v p="$peak" -v f="$final" 'BEGIN { printf "2 GiB written, half overwritten, all deleted, compacted: %.1f MiB of a %.1f MiB peak (%.1f%%)\n", f / 1048576, p / 1048576, 100 * f / p }'
