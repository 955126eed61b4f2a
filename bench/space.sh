#!/usr/bin/env bash
# Space figures of the drive store, measured on a fresh gateway over S3 (not a test):
#   1. files under the data directory after 1,000 objects of 200 KiB;
#   2. bytes on the drives per byte of a 1 MiB object;
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
  local args=(-sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" -u "$KEY:$SECRET" -X "$1")
  [[ $# -ge 3 ]] && args+=(-H "Content-Type: application/octet-stream" --data-binary "@$3")
  curl "${args[@]}" "$URL$2"
}
put_many() {  # BUCKET PREFIX COUNT FILE: COUNT PUTs, 8 at a time
  local i
  for ((i = 0; i < $3; i++)); do
    s3 PUT "/$1/$2$i" "$4" >/dev/null &
    (( (i + 1) % 8 == 0 )) && wait
  done
  wait
}
drive_bytes() { du -sb "$DIR/data/regions" | cut -f1; }
all_bytes() { du -sb "$DIR/data" | cut -f1; }

head -c $((200 * 1024)) /dev/urandom >"$DIR/200k"
head -c $((1024 * 1024)) /dev/urandom >"$DIR/1m"
start
s3 PUT /files >/dev/null
put_many files o 1000 "$DIR/200k"
echo "1000 objects of 200 KiB: $(find "$DIR/data" -type f | wc -l) files under the data directory"
s3 PUT /one >/dev/null
before=$(drive_bytes)
s3 PUT /one/object "$DIR/1m" >/dev/null
after=$(drive_bytes)
awk -v b="$before" -v a="$after" 'BEGIN { printf "one 1 MiB object: %.2fx its size on the drives\n", (a - b) / 1048576 }'

s3 PUT /churn >/dev/null
put_many churn k 2048 "$DIR/1m"
put_many churn k 1024 "$DIR/1m"  # overwrites half
peak=$(all_bytes)
for ((i = 0; i < 2048; i++)); do s3 DELETE "/churn/k$i" >/dev/null & (( (i + 1) % 16 == 0 )) && wait; done; wait
for b in files one; do
  for ((i = 0; i < 1000; i++)); do s3 DELETE "/$b/o$i" >/dev/null & (( (i + 1) % 16 == 0 )) && wait; done; wait
done
s3 DELETE /one/object >/dev/null
stop
"$BIN" compact --data "$DIR/data"
final=$(all_bytes)
awk -v p="$peak" -v f="$final" 'BEGIN { printf "2 GiB written, half overwritten, all deleted, compacted: %.1f MiB of a %.1f MiB peak (%.1f%%)\n", f / 1048576, p / 1048576, 100 * f / p }'
