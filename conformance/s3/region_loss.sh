#!/usr/bin/env bash
# Scenario region_loss: the default embedded profile is RS(6,3) over 3 simulated regions
# with at most 3 fragments per region, so every object must survive corrupt fragments and
# the loss of one whole region. With the aws CLI:
#   1. upload small (possibly inlined in metadata) and large (erasure-coded, multipart)
#      objects and read them back;
#   2. stop the gateway, flip one byte in one fragment file on each drive of region 1,
#      restart, read everything back (chunk CRCs must catch the damage; degraded reads
#      rebuild the data);
#   3. stop the gateway, delete region 1's drive directories, restart on the same data
#      directory, read, list and range-read everything back.
# Run by conformance/run.sh (environment in lib/common.sh).
#
# Data directory layout: the embedded gateway creates DATA/regions/<region>/<drive>/...
# (e.g. regions/region-1/drive-2/segments) beside DATA/meta (LMDB). region_dirs() below
# finds the regions at run time: the children of DATA/regions, or else the first directory
# under DATA whose subdirectories are named like regions ("region*"), each holding drive
# directories. "Region 1" is the first region in natural sort order. CONF_REGION1_DRIVES
# (space-separated absolute paths) overrides the discovery.
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

B=conf-region-loss
W=$CONF_WORK
aws_() { "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" --cli-read-timeout 120 "$@"; }

# name:size pairs. 1000 B and 100 KiB may be inlined in metadata; 3 MiB is one erasure-coded
# extent; 24 MiB goes up as a 3-part multipart upload (8 MiB parts).
OBJECTS=(tiny:1000 small:102400 medium:3145728 odd:5000001 large:25165824)
mkdir -p "$W/src"
for spec in "${OBJECTS[@]}"; do
  conf_make_file "$W/src/${spec%%:*}" "${spec##*:}"
done

# Prints region 1's drive directories, one per line.
region1_drives() {
  if [[ -n "${CONF_REGION1_DRIVES:-}" ]]; then
    tr -s ' ' '\n' <<<"$CONF_REGION1_DRIVES"
    return
  fi
  "$CONF_PY" - "$TESSERA_DATA" <<'EOF'
import os, re, sys

data = sys.argv[1]

def subdirs(p):
    return sorted((os.path.join(p, d) for d in os.listdir(p)
                   if os.path.isdir(os.path.join(p, d))),
                  key=lambda s: [int(t) if t.isdigit() else t
                                 for t in re.split(r"(\d+)", os.path.basename(s))])

def looks_like_regions(p):
    kids = subdirs(p)
    return (len(kids) >= 2 and all(subdirs(k) for k in kids)
            and not any(f.endswith(".mdb") for k in kids for f in os.listdir(k)))

root = os.path.join(data, "regions")
if not (os.path.isdir(root) and looks_like_regions(root)):
    root = None
    for dirpath, dirnames, _ in os.walk(data):
        if dirpath[len(data):].count(os.sep) > 3:
            continue
        names = [d for d in dirnames if re.match(r"(?i)region", d)]
        if len(names) >= 2 and looks_like_regions(dirpath):
            root = dirpath
            break
if root is None:
    sys.stderr.write("cannot find the region directories under %s; layout:\n" % data)
    for dirpath, dirnames, files in os.walk(data):
        sys.stderr.write("  %s/ (%d files)\n" % (dirpath, len(files)))
    sys.exit(1)
regions = subdirs(root)
sys.stderr.write("regions: %s\n" % ", ".join(os.path.basename(r) for r in regions))
for d in subdirs(regions[0]):
    print(d)
EOF
}

# Downloads every object (one recursive `aws s3 cp`, parallel GETs) and compares SHA-256
# with its source; then ranged reads of the erasure-coded objects.
verify_all() {
  local spec name first last
  rm -rf "$W/out"
  aws_ s3 cp --recursive "s3://$B/" "$W/out/" --only-show-errors
  for spec in "${OBJECTS[@]}"; do
    expect_same_file "$W/out/${spec%%:*}" "$W/src/${spec%%:*}"
  done
  for spec in medium:3145728 large:25165824; do
    name=${spec%%:*}
    first=$((${spec##*:} / 3))
    last=$((${spec##*:} - ${spec##*:} / 5))
    aws_ s3api get-object --bucket "$B" --key "$name" --range "bytes=$first-$last" "$W/$name.range" >/dev/null
    expect_eq "$(conf_sha "$W/$name.range")" "$(conf_range_sha "$W/src/$name" "$first" "$last")" \
      "$name bytes=$first-$last"
  done
  rm -rf "$W/out" "$W"/*.range
}

case_upload() {
  aws_ s3 mb "s3://$B"
  aws_ s3 cp --recursive "$W/src/" "s3://$B/" --only-show-errors
  verify_all
}

case_stop_and_corrupt() {
  gateway_stop || fail "the gateway did not stop on SIGTERM"
  local drives
  drives=$(region1_drives)
  [[ -n "$drives" ]] || fail "no drive directories found for region 1"
  echo "NOTE: region 1 drives: ${drives//$'\n'/ }"
  # One flipped byte in the middle of the largest segment of each region-1 drive (and of its
  # write buffer, when that still holds a log). Every extent has exactly one fragment on each
  # region-1 drive (3 per region, 9 drives), so the flips damage at most 3 chunks of any
  # stripe (m = 3), and a buffered extent keeps its copies in the other regions: everything
  # must still read back.
  local d f
  while read -r d; do
    f=$(find "$d" -type f -printf '%s %p\n' | sort -rn | head -n1 | cut -d' ' -f2-)
    if [[ -z "$f" ]]; then
      # The write buffer is empty once everything has been destaged (it usually is after a
      # clean stop); drives are never empty here.
      [[ "$(basename "$d")" == buffer ]] && continue
      fail "drive $d holds no files"
    fi
    "$CONF_PY" - "$f" <<'EOF'
import os, sys
path = sys.argv[1]
size = os.path.getsize(path)
off = size // 2
with open(path, "r+b") as fh:
    fh.seek(off)
    old = fh.read(1)[0]
    fh.seek(off)
    fh.write(bytes([old ^ 0xFF]))
print(f"NOTE: flipped byte {off} of {path} ({size} bytes): {old:#04x} -> {old ^ 0xFF:#04x}")
EOF
  done <<<"$drives"
}

case_restart() {
  gateway_start || fail "the gateway did not restart on the existing data directory"
}

case_read_with_corruption() {
  verify_all
}

case_stop_and_lose_region() {
  gateway_stop || fail "the gateway did not stop on SIGTERM"
  local drives d
  drives=$(region1_drives)
  [[ -n "$drives" ]] || fail "no drive directories found for region 1"
  while read -r d; do
    echo "NOTE: removing $d ($(du -sh "$d" | cut -f1))"
    rm -rf "$d"
  done <<<"$drives"
  echo "$drives" >"$CONF_WORK/lost-drives"
}

case_restart_without_region() {
  if ! gateway_start; then
    # Record the failure, but bring the gateway up with empty drive directories (a
    # replaced region) so the read checks below still say something.
    local d
    while read -r d; do mkdir -p "$d"; done <"$CONF_WORK/lost-drives"
    gateway_start || true
    fail "the gateway did not start with region 1's drive directories missing"
  fi
}

case_read_without_region() {
  verify_all
  local out
  out=$(aws_ s3api list-objects-v2 --bucket "$B")
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" \
    '["large", "medium", "odd", "small", "tiny"]' "listing"
  out=$(aws_ s3api head-object --bucket "$B" --key large)
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" 25165824 "HEAD large"
}

gateway_down() { fail "no gateway is running (see the restart case above)"; }

# Restarts happen inside cases (subshells): re-read the endpoint after each.
running_or() {  # running_or FUNCTION: FUNCTION if a gateway is up, else gateway_down
  if [[ -n "$TESSERA_ENDPOINT" && -f "$CONF_STATE/gateway.pid" ]]; then echo "$1"; else echo gateway_down; fi
}

run_case upload-and-verify case_upload
run_case corrupt-one-fragment-per-drive case_stop_and_corrupt
run_case restart-after-corruption case_restart
conf_reload_endpoint
run_case read-with-corrupt-fragments "$(running_or case_read_with_corruption)"
run_case delete-region-1 case_stop_and_lose_region
run_case restart-without-region-1 case_restart_without_region
conf_reload_endpoint
run_case read-without-region-1 "$(running_or case_read_without_region)"
((CONF_CASE_FAILURES == 0))
