#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang (ASan and UBSan) into build-fuzz and
# runs each for SECONDS (default 30), two at a time. Each starts from its corpus in
# fuzz/corpus/<name> and adds what it finds there (commit what is worth keeping); a crash
# leaves its input in build-fuzz/crashes and fails the run.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
bash scripts/configure-sanitized.sh
harnesses=(request auth chunked xml)
cmake --build build-fuzz -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"
mkdir -p build-fuzz/crashes
run() {
  local name="$1"
  mkdir -p "fuzz/corpus/$name"
  if build-fuzz/fuzz/"fuzz_$name" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$name-" \
      "fuzz/corpus/$name" >"build-fuzz/fuzz_$name.log" 2>&1; then
    echo "fuzz_$name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' \
      "build-fuzz/fuzz_$name.log" | grep -o '[0-9]*$') runs in ${seconds}s)"
  else
    echo "fuzz_$name: FAILED"; tail -40 "build-fuzz/fuzz_$name.log"; return 1
  fi
}
status=0
for ((i = 0; i < ${#harnesses[@]}; i += 2)); do
  pids=()
  for name in "${harnesses[@]:i:2}"; do run "$name" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
done
exit "$status"
