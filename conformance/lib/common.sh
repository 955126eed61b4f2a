# shellcheck shell=bash
# Shared helpers for the conformance runner and the shell scenarios. Sourced, never run.
#
# Environment provided by run.sh to every scenario:
#   TESSERA_BIN        gateway binary as given; TESSERA_EXE: the private copy that is run
#   CONF_SCENARIO      scenario name (e.g. awscli); case names are "$CONF_SCENARIO/<case>"
#   CONF_RESULTS       file the scenario appends "PASS <case>" / "FAIL <case>" lines to
#   CONF_WORK          scratch directory of this scenario (removed afterwards)
#   CONF_SRC           directory with shared source files (big.bin is made once per run)
#   CONF_STATE         gateway state directory: gateway.pid, ready, gateway.log
#   TESSERA_DATA       gateway data directory
#   TESSERA_ENDPOINT   e.g. http://127.0.0.1:43567 (first line of the ready file)
#   AWS_*              development credentials, region, config files on temp paths
#   CONF_BLOB_URL      Blob account URL, path style: $TESSERA_ENDPOINT/devstoreaccount1
#   CONF_BLOB_CONN     the same account as a connection string
#   AZURE_CONFIG_DIR   az CLI state directory (temp); AZURE_CORE_COLLECT_TELEMETRY=false

CONF_ACCESS_KEY="devstoreaccount1"
CONF_SECRET_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CONF_REGION="us-east-1"
CONF_BIG_SIZE=$((100 * 1024 * 1024))
CONF_PY=/usr/bin/python3
# shellcheck disable=SC2034  # used by the scripts that source this file
CONF_AWS=/usr/bin/aws
# shellcheck disable=SC2034
CONF_AZ=/usr/bin/az

# ---------------------------------------------------------------------------------------
# Output.

conf_log() { printf '[%s] %s\n' "${CONF_SCENARIO:-conformance}" "$*" >&2; }

# ---------------------------------------------------------------------------------------
# Gateway lifecycle. The pid lives in $CONF_STATE/gateway.pid so that whoever started the
# gateway (run.sh, or a scenario that restarts it) can be stopped by anyone.

_conf_pid_alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n "$stat" && "$stat" != Z* ]]
}

# gateway_start: starts `tessera serve` on $TESSERA_DATA and waits for its ready file.
# Exports TESSERA_ENDPOINT. Returns non-zero (after printing the gateway log tail) when the
# gateway exits early or does not become ready within CONF_START_TIMEOUT seconds.
gateway_start() {
  local ready="$CONF_STATE/ready" log="$CONF_STATE/gateway.log" timeout=${CONF_START_TIMEOUT:-30}
  rm -f "$ready"
  mkdir -p "$TESSERA_DATA"
  local exe=${TESSERA_EXE:-$TESSERA_BIN}
  # CONF_LISTEN: where to listen (default an ephemeral loopback port).
  local listen=${CONF_LISTEN:-127.0.0.1:0}
  printf '==== %s: %s serve --data %s --listen %s --ready-file %s %s\n' \
    "$(date +%T)" "$exe" "$TESSERA_DATA" "$listen" "$ready" "${CONF_SERVE_ARGS:-}" >>"$log"
  # CONF_SERVE_ARGS: more flags (words split on spaces), e.g. a second listener and TLS files.
  local -a extra
  read -r -a extra <<<"${CONF_SERVE_ARGS:-}"
  "$exe" serve --data "$TESSERA_DATA" --listen "$listen" --ready-file "$ready" "${extra[@]}" \
    >>"$log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$CONF_STATE/gateway.pid"
  local deadline=$((SECONDS + timeout))
  while [[ ! -s "$ready" ]]; do
    if ! _conf_pid_alive "$pid"; then
      wait "$pid" 2>/dev/null
      conf_log "gateway exited before becoming ready (exit status $?); log tail:"
      tail -n 40 "$log" >&2
      rm -f "$CONF_STATE/gateway.pid"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      conf_log "gateway did not write $ready within ${timeout}s; log tail:"
      tail -n 40 "$log" >&2
      gateway_stop || true
      return 1
    fi
    sleep 0.1
  done
  TESSERA_ENDPOINT=$(grep -m1 -E '^https?://' "$ready" || true)
  if [[ -z "$TESSERA_ENDPOINT" ]]; then
    conf_log "ready file has no http(s) endpoint line:"
    cat "$ready" >&2
    gateway_stop || true
    return 1
  fi
  export TESSERA_ENDPOINT
  conf_write_client_configs
  conf_log "gateway pid $pid ready at $TESSERA_ENDPOINT"
}

# conf_reload_endpoint: re-reads TESSERA_ENDPOINT from the ready file (after a gateway
# restart that happened in a subshell, e.g. inside a case).
conf_reload_endpoint() {
  TESSERA_ENDPOINT=$(grep -m1 -E '^https?://' "$CONF_STATE/ready" 2>/dev/null || true)
  export TESSERA_ENDPOINT
}

# gateway_stop: SIGTERM, then waits up to CONF_STOP_TIMEOUT seconds; SIGKILL after that.
# Returns 0 on a graceful stop, 1 when the gateway had to be killed.
gateway_stop() {
  local pidfile="$CONF_STATE/gateway.pid" pid rc=0
  [[ -f "$pidfile" ]] || return 0
  pid=$(<"$pidfile")
  rm -f "$pidfile"
  _conf_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ${CONF_STOP_TIMEOUT:-20}))
  while _conf_pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      conf_log "gateway pid $pid ignored SIGTERM for ${CONF_STOP_TIMEOUT:-20}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      rc=1
      break
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null || true  # reaps it when it is our child
  printf '==== %s: stopped pid %s\n' "$(date +%T)" "$pid" >>"$CONF_STATE/gateway.log"
  return $rc
}

# ---------------------------------------------------------------------------------------
# Client environment: everything on loopback, nothing read from $HOME.

conf_client_env() {
  export AWS_ACCESS_KEY_ID="$CONF_ACCESS_KEY"
  export AWS_SECRET_ACCESS_KEY="$CONF_SECRET_KEY"
  export AWS_DEFAULT_REGION="$CONF_REGION" AWS_REGION="$CONF_REGION"
  export AWS_EC2_METADATA_DISABLED=true
  export AZURE_CORE_COLLECT_TELEMETRY=false
  export AWS_PAGER=""
  # The pinned JS SDK supports Node 20; its notice about later SDK versions is noise here.
  export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
  export AWS_CONFIG_FILE="$CONF_CLIENT_DIR/aws-config"
  export AWS_SHARED_CREDENTIALS_FILE="$CONF_CLIENT_DIR/aws-credentials"
  export S3CMD_CONFIG="$CONF_CLIENT_DIR/s3cmd.cfg"
  export RCLONE_CONFIG="$CONF_CLIENT_DIR/rclone.conf"
  export AZURE_CONFIG_DIR="$CONF_CLIENT_DIR/azure"
  export AZURE_CORE_ONLY_SHOW_ERRORS=true AZURE_CORE_NO_COLOR=true
  unset AZURE_STORAGE_ACCOUNT AZURE_STORAGE_KEY AZURE_STORAGE_SAS_TOKEN AZURE_STORAGE_AUTH_MODE
  unset AWS_CA_BUNDLE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
  unset AWS_SECURITY_TOKEN HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
  export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"
}

# Writes the per-endpoint client configs (called after every gateway start, because the
# port changes).
conf_write_client_configs() {
  local hostport=${TESSERA_ENDPOINT#http://}
  hostport=${hostport#https://}
  mkdir -p "$CONF_CLIENT_DIR"
  cat >"$AWS_CONFIG_FILE" <<EOF
[default]
region = $CONF_REGION
s3 =
    addressing_style = path
EOF
  cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[default]
aws_access_key_id = $CONF_ACCESS_KEY
aws_secret_access_key = $CONF_SECRET_KEY
EOF
  cat >"$S3CMD_CONFIG" <<EOF
[default]
access_key = $CONF_ACCESS_KEY
secret_key = $CONF_SECRET_KEY
host_base = $hostport
host_bucket = $hostport
bucket_location = $CONF_REGION
use_https = False
signature_v2 = False
check_ssl_certificate = False
proxy_host =
proxy_port = 0
EOF
  cat >"$RCLONE_CONFIG" <<EOF
[tessera]
type = s3
provider = Other
env_auth = false
access_key_id = $CONF_ACCESS_KEY
secret_access_key = $CONF_SECRET_KEY
region = $CONF_REGION
endpoint = $TESSERA_ENDPOINT
force_path_style = true
EOF
  export CONF_BLOB_URL="$TESSERA_ENDPOINT/$CONF_ACCESS_KEY"
  export CONF_BLOB_CONN="DefaultEndpointsProtocol=http;\
AccountName=$CONF_ACCESS_KEY;AccountKey=$CONF_SECRET_KEY;BlobEndpoint=$CONF_BLOB_URL;"
  mkdir -p "$AZURE_CONFIG_DIR"
  chmod 600 "$AWS_SHARED_CREDENTIALS_FILE" "$S3CMD_CONFIG" "$RCLONE_CONFIG"
}

# conf_account_sas PERMISSIONS [HOURS]: an account SAS token (services b, resource types
# sco) for the development account, made by the Python SDK; HOURS (default 2) until expiry.
conf_account_sas() {
  "$CONF_PY" -c '
import datetime, sys
from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas
expiry = datetime.datetime.utcnow() + datetime.timedelta(hours=float(sys.argv[4]))
print(generate_account_sas(sys.argv[1], sys.argv[2],
                           ResourceTypes(service=True, container=True, object=True),
                           AccountSasPermissions.from_string(sys.argv[3]), expiry))
' "$CONF_ACCESS_KEY" "$CONF_SECRET_KEY" "$1" "${2:-2}"
}

# ---------------------------------------------------------------------------------------
# Data.

# conf_make_file PATH BYTES: random content, created once (reused when the size matches).
conf_make_file() {
  local path=$1 size=$2
  if [[ -f "$path" ]] && (($(stat -c %s "$path") == size)); then return 0; fi
  head -c "$size" /dev/urandom >"$path.tmp"
  mv "$path.tmp" "$path"
}

conf_sha() { sha256sum "$1" | cut -d' ' -f1; }
conf_md5() { md5sum "$1" | cut -d' ' -f1; }

# conf_range_sha FILE FIRST LAST: SHA-256 of bytes FIRST..LAST (inclusive) of FILE.
conf_range_sha() {
  tail -c +"$(($2 + 1))" "$1" | head -c "$(($3 - $2 + 1))" | sha256sum | cut -d' ' -f1
}

# conf_multipart_etag PART...: the S3 ETag of a multipart object made of these part files,
# quoted: "<MD5 of the concatenated binary part MD5s>-<part count>".
conf_multipart_etag() {
  "$CONF_PY" -c '
import hashlib, sys
md5s = b"".join(hashlib.md5(open(p, "rb").read()).digest() for p in sys.argv[1:])
print("\"%s-%d\"" % (hashlib.md5(md5s).hexdigest(), len(sys.argv) - 1))
' "$@"
}

# conf_big_file: path of the shared 100 MiB source file.
conf_big_file() {
  conf_make_file "$CONF_SRC/big.bin" "$CONF_BIG_SIZE"
  echo "$CONF_SRC/big.bin"
}

# ---------------------------------------------------------------------------------------
# Cases. A case is a shell function run in a subshell with `set -euo pipefail -x`; its
# output is kept and printed only when it fails. Cases run in order; a failing case does
# not stop the scenario (so one report lists every failure), but cases that need an
# earlier one should check for what they need and fail with a clear message. Output lines
# starting with "NOTE: " are shown even when the case passes.

CONF_CASE_FAILURES=0

# run_case NAME FUNCTION [ARGS...]
run_case() {
  local name=$1
  shift
  local log="$CONF_WORK/case-$name.log" rc start=$SECONDS
  set +e
  (
    set -euo pipefail
    PS4='+ '
    set -x
    "$@"
  ) >"$log" 2>&1
  rc=$?
  set -e
  if ((rc == 0)); then
    echo "PASS $CONF_SCENARIO/$name" >>"$CONF_RESULTS"
    printf '  ok    %-40s (%ss)\n' "$CONF_SCENARIO/$name" "$((SECONDS - start))"
    grep '^NOTE: ' "$log" | sed 's/^NOTE: /        note: /' || true
  else
    echo "FAIL $CONF_SCENARIO/$name" >>"$CONF_RESULTS"
    CONF_CASE_FAILURES=$((CONF_CASE_FAILURES + 1))
    printf '  FAIL  %-40s (%ss, exit %s); output:\n' "$CONF_SCENARIO/$name" \
      "$((SECONDS - start))" "$rc"
    sed -e 's/^/      | /' "$log" | tail -n "${CONF_LOG_LINES:-80}"
  fi
}

# Assertions (use inside cases).

fail() {
  echo "ASSERTION FAILED: $*" >&2
  exit 1
}

expect_eq() {  # expect_eq ACTUAL EXPECTED WHAT
  [[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"
}

expect_contains() {  # expect_contains HAYSTACK NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || fail "$3: '$2' not found in: $1"
}

expect_file_contains() {  # expect_file_contains FILE NEEDLE WHAT
  grep -qF -- "$2" "$1" || fail "$3: '$2' not found in the response body $1"
}

expect_same_file() {  # expect_same_file GOT WANT
  [[ -f "$1" ]] || fail "missing downloaded file $1"
  local got want
  got=$(conf_sha "$1")
  want=$(conf_sha "$2")
  [[ "$got" == "$want" ]] || fail "SHA-256 of $1 ($(stat -c %s "$1") bytes) is $got; \
source $2 ($(stat -c %s "$2") bytes) is $want"
}

# expect_fail_with CODE CMD...: CMD must exit non-zero and print CODE (an S3 error code or
# HTTP status) in its output.
expect_fail_with() {
  { local xtrace=$-; set +x; } 2>/dev/null
  local code=$1 out rc
  shift
  echo "+ $* (expecting failure with $code)" >&2
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  printf '%s\n' "$out" | head -c 4000 | tr -cd '[:print:]\n\t' >&2
  ((rc != 0)) || fail "command succeeded but should have failed with $code: $*"
  [[ "$out" == *"$code"* ]] || fail "command failed (exit $rc) but without '$code' in its output"
  [[ $xtrace != *x* ]] || set -x
}

# conf_show_body FILE: prints a response body for the log, printable characters only, at
# most 2000 bytes.
conf_show_body() {
  { head -c 2000 "$1" | tr -cd '[:print:]\n\t'; echo; } >&2
}

# json_get JSON PYTHON-EXPR: evaluates EXPR with `d` bound to the parsed JSON ('' -> {}).
json_get() {
  { local xtrace=$- rc=0; set +x; } 2>/dev/null
  "$CONF_PY" -c '
import json, sys
text = sys.argv[1].strip()
d = json.loads(text) if text else {}
v = eval(sys.argv[2], {"d": d})
print(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v)
' "$1" "$2" || rc=$?
  [[ $xtrace != *x* ]] || set -x
  return $rc
}
