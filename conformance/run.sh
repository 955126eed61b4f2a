#!/usr/bin/env bash
# Conformance suite entry point: drives real, unmodified S3 and Azure Blob clients against a
# freshly started Tessera gateway, one gateway (and one data directory) per scenario.
#
#   conformance/run.sh [scenario...]        default: every scenario, in the order below
#   conformance/run.sh --list               prints the scenario names
#
# Environment:
#   TESSERA_BIN             gateway binary (default <repo>/build/gateway/tessera)
#   CONF_SCENARIO_TIMEOUT   seconds per scenario before it is killed (default 300)
#   CONF_KEEP=1             keep the temp directory (gateway logs, data dirs) afterwards
#   CONF_EXPECTED_FAILURES  expected-failures file (default conformance/expected-failures.txt)
#
# Ends with exactly one line `conformance: N passed, N failed[, N skipped]` counting cases;
# exits non-zero on any failure not listed in conformance/expected-failures.txt.
set -euo pipefail

CONF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CONF_ROOT/.." && pwd)
# shellcheck source=lib/common.sh
source "$CONF_ROOT/lib/common.sh"

ALL_SCENARIOS=(awscli boto3 s3cmd rclone js region_loss
  blob_python blob_js blob_azcli blob_rclone blob_cross blob_devstorage tls)

export TESSERA_BIN=${TESSERA_BIN:-$REPO_ROOT/build/gateway/tessera}
SCENARIO_TIMEOUT=${CONF_SCENARIO_TIMEOUT:-300}

if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${ALL_SCENARIOS[@]}"
  exit 0
fi
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi

scenarios=("$@")
((${#scenarios[@]})) || scenarios=("${ALL_SCENARIOS[@]}")
for s in "${scenarios[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || {
    echo "run.sh: unknown scenario '$s' (known: ${ALL_SCENARIOS[*]})" >&2
    exit 2
  }
done

# ---------------------------------------------------------------------------------------
# Expected failures: "<scenario-or-scenario/case>  <reason>" per line; '#' comments.

declare -A XFAIL=()
XFAIL_FILE=${CONF_EXPECTED_FAILURES:-$CONF_ROOT/expected-failures.txt}
if [[ -f "$XFAIL_FILE" ]]; then
  while read -r name reason; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    [[ -n "$reason" ]] || { echo "run.sh: $XFAIL_FILE: '$name' has no reason" >&2; exit 2; }
    XFAIL[$name]=$reason
  done <"$XFAIL_FILE"
fi

xfail_reason() {  # xfail_reason scenario/case -> prints reason, or fails
  local c=$1
  if [[ -n "${XFAIL[$c]+x}" ]]; then printf '%s' "${XFAIL[$c]}"; return 0; fi
  if [[ -n "${XFAIL[${c%%/*}]+x}" ]]; then printf '%s' "${XFAIL[${c%%/*}]}"; return 0; fi
  return 1
}

# ---------------------------------------------------------------------------------------
# Temp area and loopback-only client environment.

RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/conf-run.XXXXXX")
export CONF_SRC="$RUN_TMP/src"
mkdir -p "$CONF_SRC"
CURRENT_STATE=""

cleanup() {
  if [[ -n "$CURRENT_STATE" ]]; then CONF_STATE=$CURRENT_STATE gateway_stop || true; fi
  if [[ "${CONF_KEEP:-0}" == 1 ]]; then
    echo "conformance: kept $RUN_TMP" >&2
  else
    rm -rf "$RUN_TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The gateway runs from a private copy of $TESSERA_BIN: a rebuild during the run cannot swap
# the binary between scenarios, and process-name based kills elsewhere on a shared machine
# (pkill tessera) do not hit the gateway under test.
if [[ -x "$TESSERA_BIN" ]]; then
  mkdir -p "$RUN_TMP/bin"
  cp "$TESSERA_BIN" "$RUN_TMP/bin/gw-under-test"
  export TESSERA_EXE="$RUN_TMP/bin/gw-under-test"
fi

export CONF_CLIENT_DIR="$RUN_TMP/clients"
mkdir -p "$CONF_CLIENT_DIR"
conf_client_env
export CONF_ROOT

# ---------------------------------------------------------------------------------------
# Scenarios.

# scenario_command NAME: prints the command line (one word per line) or, when a client is
# missing, "SKIP <reason>".
scenario_command() {
  case $1 in
    awscli)
      [[ -x $CONF_AWS ]] || { echo "SKIP $CONF_AWS not installed (Debian package awscli)"; return; }
      printf '%s\n' bash "$CONF_ROOT/s3/awscli.sh" ;;
    boto3)
      "$CONF_PY" -c 'import boto3' 2>/dev/null ||
        { echo "SKIP $CONF_PY cannot import boto3 (Debian package python3-boto3)"; return; }
      printf '%s\n' "$CONF_PY" "$CONF_ROOT/s3/boto3_test.py" ;;
    s3cmd)
      command -v s3cmd >/dev/null || { echo "SKIP s3cmd not installed (Debian package s3cmd)"; return; }
      printf '%s\n' bash "$CONF_ROOT/s3/s3cmd.sh" ;;
    rclone)
      command -v rclone >/dev/null || { echo "SKIP rclone not installed (Debian package rclone)"; return; }
      printf '%s\n' bash "$CONF_ROOT/s3/rclone.sh" ;;
    js)
      command -v node >/dev/null || { echo "SKIP node not installed"; return; }
      [[ -d "$CONF_ROOT/s3/js/node_modules/@aws-sdk/client-s3" ]] ||
        { echo "SKIP conformance/s3/js/node_modules missing (run: npm ci --prefix conformance/s3/js)"; return; }
      printf '%s\n' node "$CONF_ROOT/s3/js/s3_sdk_test.mjs" ;;
    region_loss)
      [[ -x $CONF_AWS ]] || { echo "SKIP $CONF_AWS not installed (Debian package awscli)"; return; }
      printf '%s\n' bash "$CONF_ROOT/s3/region_loss.sh" ;;
    blob_python)
      "$CONF_PY" -c 'import azure.storage.blob' 2>/dev/null ||
        { echo "SKIP $CONF_PY cannot import azure.storage.blob (Debian package python3-azure-storage)"; return; }
      printf '%s\n' "$CONF_PY" "$CONF_ROOT/blob/python_sdk_test.py" ;;
    blob_js)
      command -v node >/dev/null || { echo "SKIP node not installed"; return; }
      [[ -d "$CONF_ROOT/blob/js/node_modules/@azure/storage-blob" ]] ||
        { echo "SKIP conformance/blob/js/node_modules missing (run: npm ci --prefix conformance/blob/js)"; return; }
      printf '%s\n' node "$CONF_ROOT/blob/js/blob_sdk_test.mjs" ;;
    blob_azcli)
      [[ -x $CONF_AZ ]] || { echo "SKIP $CONF_AZ not installed (Debian package azure-cli)"; return; }
      printf '%s\n' bash "$CONF_ROOT/blob/azcli.sh" ;;
    blob_rclone)
      command -v rclone >/dev/null || { echo "SKIP rclone not installed (Debian package rclone)"; return; }
      "$CONF_PY" -c 'import azure.storage.blob' 2>/dev/null ||
        { echo "SKIP $CONF_PY cannot import azure.storage.blob (Debian package python3-azure-storage), which makes its SAS"; return; }
      printf '%s\n' bash "$CONF_ROOT/blob/rclone.sh" ;;
    blob_cross)
      [[ -x $CONF_AWS ]] || { echo "SKIP $CONF_AWS not installed (Debian package awscli)"; return; }
      [[ -x $CONF_AZ ]] || { echo "SKIP $CONF_AZ not installed (Debian package azure-cli)"; return; }
      "$CONF_PY" -c 'import azure.storage.blob' 2>/dev/null ||
        { echo "SKIP $CONF_PY cannot import azure.storage.blob (Debian package python3-azure-storage)"; return; }
      printf '%s\n' bash "$CONF_ROOT/blob/cross_dialect.sh" ;;
    tls)
      [[ -x $CONF_AWS ]] || { echo "SKIP $CONF_AWS not installed (Debian package awscli)"; return; }
      "$CONF_PY" -c 'import azure.storage.blob' 2>/dev/null ||
        { echo "SKIP $CONF_PY cannot import azure.storage.blob (Debian package python3-azure-storage)"; return; }
      printf '%s\n' bash "$CONF_ROOT/tls/tls.sh" ;;
    blob_devstorage)
      command -v node >/dev/null || { echo "SKIP node not installed"; return; }
      [[ -d "$CONF_ROOT/blob/js/node_modules/@azure/storage-blob" ]] ||
        { echo "SKIP conformance/blob/js/node_modules missing (run: npm ci --prefix conformance/blob/js)"; return; }
      printf '%s\n' node "$CONF_ROOT/blob/js/dev_storage_test.mjs" ;;
  esac
}

RESULTS="$RUN_TMP/results"
: >"$RESULTS"
declare -a SKIPPED=()

run_scenario() {
  local name=$1 dir="$RUN_TMP/$1"
  local -a cmd
  mapfile -t cmd < <(scenario_command "$name")
  if [[ "${cmd[0]}" == SKIP* ]]; then
    SKIPPED+=("$name: ${cmd[0]#SKIP }")
    echo "== $name: skipped: ${cmd[0]#SKIP }"
    return
  fi
  mkdir -p "$dir/work" "$dir/state"
  export CONF_SCENARIO=$name CONF_RESULTS="$dir/results" CONF_WORK="$dir/work"
  export CONF_STATE="$dir/state" TESSERA_DATA="$dir/data"
  # UseDevelopmentStorage=true means http://127.0.0.1:10000/devstoreaccount1: that scenario
  # needs the gateway on the well-known Blob port.
  unset CONF_SERVE_ARGS CONF_TLS_CERT CONF_TLS_KEY
  if [[ $name == blob_devstorage ]]; then
    export CONF_LISTEN=127.0.0.1:10000/blob
  elif [[ $name == tls ]]; then
    # A self-signed certificate for this run; https first, then a plain listener.
    export CONF_TLS_CERT="$dir/state/tls.crt" CONF_TLS_KEY="$dir/state/tls.key"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$CONF_TLS_KEY" -out "$CONF_TLS_CERT" 2>/dev/null
    export CONF_LISTEN=https://127.0.0.1:0
    export CONF_SERVE_ARGS="--listen 127.0.0.1:0/blob --tls-cert $CONF_TLS_CERT --tls-key $CONF_TLS_KEY"
  else
    export CONF_LISTEN=127.0.0.1:0
  fi
  : >"$CONF_RESULTS"
  echo "== $name"
  local start=$SECONDS rc=0
  # The private copy, when there is one: $TESSERA_BIN may be mid-rebuild by now.
  if [[ ! -x "${TESSERA_EXE:-$TESSERA_BIN}" ]]; then
    echo "  FAIL  $name/gateway-start: $TESSERA_BIN does not exist or is not executable"
    echo "FAIL $name/gateway-start" >>"$RESULTS"
    return
  fi
  CURRENT_STATE=$CONF_STATE
  if ! gateway_start; then
    echo "  FAIL  $name/gateway-start"
    echo "FAIL $name/gateway-start" >>"$RESULTS"
    CURRENT_STATE=""
    return
  fi
  set +e
  timeout --kill-after=10 "$SCENARIO_TIMEOUT" "${cmd[@]}"
  rc=$?
  set -e
  if ((rc == 124 || rc == 137)); then
    echo "  FAIL  $name/timeout: scenario ran longer than ${SCENARIO_TIMEOUT}s"
    echo "FAIL $name/timeout" >>"$CONF_RESULTS"
  elif ((rc != 0)) && ! grep -q '^FAIL ' "$CONF_RESULTS"; then
    echo "  FAIL  $name/exit: scenario exited with status $rc without reporting a failed case"
    echo "FAIL $name/exit" >>"$CONF_RESULTS"
  elif ! [[ -s "$CONF_RESULTS" ]]; then
    echo "  FAIL  $name/exit: scenario reported no cases"
    echo "FAIL $name/exit" >>"$CONF_RESULTS"
  fi
  # The gateway must have survived the scenario and must stop on SIGTERM.
  if [[ -f "$CONF_STATE/gateway.pid" ]]; then
    if ! _conf_pid_alive "$(<"$CONF_STATE/gateway.pid")"; then
      echo "  FAIL  $name/gateway-alive: the gateway process died during the scenario"
      echo "FAIL $name/gateway-alive" >>"$CONF_RESULTS"
    fi
    if gateway_stop; then
      echo "PASS $name/graceful-stop" >>"$CONF_RESULTS"
    else
      echo "  FAIL  $name/graceful-stop: SIGTERM did not stop the gateway"
      echo "FAIL $name/graceful-stop" >>"$CONF_RESULTS"
    fi
  fi
  CURRENT_STATE=""
  if grep -q '^FAIL ' "$CONF_RESULTS"; then
    echo "  -- gateway log tail ($CONF_STATE/gateway.log):"
    tail -n "${CONF_LOG_LINES:-40}" "$CONF_STATE/gateway.log" 2>/dev/null | sed 's/^/      | /'
  fi
  cat "$CONF_RESULTS" >>"$RESULTS"
  echo "== $name: $(grep -c '^PASS ' "$CONF_RESULTS" || true) ok," \
    "$(grep -c '^FAIL ' "$CONF_RESULTS" || true) failing, $((SECONDS - start))s"
  [[ "${CONF_KEEP:-0}" == 1 ]] || rm -rf "$TESSERA_DATA" "$CONF_WORK"
}

echo "conformance: gateway $TESSERA_BIN; scenarios: ${scenarios[*]}"
for s in "${scenarios[@]}"; do
  run_scenario "$s"
done

# ---------------------------------------------------------------------------------------
# Summary.

passed=0 failed=0 skipped=0
declare -a FAILED_CASES=() XPASSED=() XFAILED=()
while read -r status case_name; do
  [[ -n "$status" ]] || continue
  if reason=$(xfail_reason "$case_name"); then expected=1; else expected=0; fi
  case $status in
    PASS)
      passed=$((passed + 1))
      ((expected)) && XPASSED+=("$case_name (listed as: $reason)") ;;
    FAIL)
      if ((expected)); then
        skipped=$((skipped + 1))
        XFAILED+=("$case_name: $reason")
      else
        failed=$((failed + 1))
        FAILED_CASES+=("$case_name")
      fi ;;
  esac
done <"$RESULTS"
# A missing client is a failure: every client named in the suite must run. Set
# CONFORMANCE_ALLOW_MISSING=1 to turn that into a skip on a machine without one.
if [[ "${CONFORMANCE_ALLOW_MISSING:-0}" == 1 ]]; then
  skipped=$((skipped + ${#SKIPPED[@]}))
else
  failed=$((failed + ${#SKIPPED[@]}))
fi

echo
for x in "${SKIPPED[@]}"; do echo "client missing: $x"; done
for x in "${XFAILED[@]}"; do echo "skipped (expected failure): $x"; done
for x in "${XPASSED[@]}"; do
  echo "UNEXPECTED PASS: $x -- remove it from $XFAIL_FILE"
done
for x in "${FAILED_CASES[@]}"; do echo "FAILED: $x"; done

line="conformance: $passed passed, $failed failed"
((skipped == 0)) || line+=", $skipped skipped"
echo "$line"
((failed == 0))
