#!/usr/bin/env bash
# Scenario awscli: Debian's aws CLI v2 (/usr/bin/aws) against the gateway, high-level
# `aws s3` commands (client-side multipart, recursive delete, presign) and the `aws s3api`
# calls one by one. Run by conformance/run.sh, which provides the environment described
# in conformance/lib/common.sh.
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

B=conf-awscli         # main bucket
L=conf-awscli-list    # listing bucket: exactly a/1 a/2 b/1 top
V=conf-awscli-versions  # versioning bucket (versions-enabled .. versions-cleanup)
W=$CONF_WORK

aws_() { "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" --cli-read-timeout 120 "$@"; }

conf_make_file "$W/small.bin" 10000
conf_make_file "$W/part1.bin" $((5 * 1024 * 1024))
conf_make_file "$W/part2.bin" 1234567
BIG=$(conf_big_file)

case_bucket_create() {
  aws_ s3 mb "s3://$B"
  aws_ s3api create-bucket --bucket "$L"
  local out
  out=$(aws_ s3 ls)
  expect_contains "$out" " $B" "aws s3 ls"
  out=$(aws_ s3api list-buckets)
  expect_eq "$(json_get "$out" '"'$B'" in [b["Name"] for b in d["Buckets"]]')" true "list-buckets has $B"
  expect_eq "$(json_get "$out" '"'$L'" in [b["Name"] for b in d["Buckets"]]')" true "list-buckets has $L"
  aws_ s3api head-bucket --bucket "$B"
}

case_bucket_create_duplicate() {
  # Same owner creating again: us-east-1 S3 answers 200 (legacy) or BucketAlreadyOwnedByYou.
  local out rc=0
  out=$(aws_ s3api create-bucket --bucket "$B" 2>&1) || rc=$?
  echo "$out"
  ((rc == 0)) || expect_contains "$out" BucketAlreadyOwnedByYou "duplicate create-bucket"
}

case_put_small_with_metadata() {
  aws_ s3 cp "$W/small.bin" "s3://$B/dir/small.bin" --content-type text/x-conformance \
    --metadata color=blue,shape=round-square
  local out
  out=$(aws_ s3api head-object --bucket "$B" --key dir/small.bin)
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" 10000 "ContentLength"
  expect_eq "$(json_get "$out" 'd["ContentType"]')" text/x-conformance "ContentType"
  expect_eq "$(json_get "$out" 'd["Metadata"]')" '{"color": "blue", "shape": "round-square"}' "Metadata"
  expect_eq "$(json_get "$out" 'd["ETag"]')" "\"$(conf_md5 "$W/small.bin")\"" "ETag (MD5)"
  json_get "$out" 'd["LastModified"]' >/dev/null
}

case_put_large_multipart() {
  aws_ s3 cp "$BIG" "s3://$B/big.bin" --only-show-errors
  local out etag
  out=$(aws_ s3api head-object --bucket "$B" --key big.bin)
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" "$CONF_BIG_SIZE" "ContentLength"
  etag=$(json_get "$out" 'd["ETag"]')
  # The CLI uses 8 MiB parts: 100 MiB -> 13 parts -> ETag "<md5 of part md5s>-13".
  [[ "$etag" =~ ^\"[0-9a-f]{32}-13\"$ ]] || fail "multipart ETag $etag is not \"<hex>-13\""
}

case_get_full() {
  aws_ s3 cp "s3://$B/dir/small.bin" "$W/small.out" --only-show-errors
  expect_same_file "$W/small.out" "$W/small.bin"
  aws_ s3 cp "s3://$B/big.bin" "$W/big.out" --only-show-errors
  expect_same_file "$W/big.out" "$BIG"
  rm -f "$W/big.out"
  # s3api get-object, metadata included in the GET response.
  local out
  out=$(aws_ s3api get-object --bucket "$B" --key dir/small.bin "$W/small.out2")
  expect_same_file "$W/small.out2" "$W/small.bin"
  expect_eq "$(json_get "$out" 'd["Metadata"]["color"]')" blue "GET metadata"
  expect_eq "$(json_get "$out" 'd["ContentType"]')" text/x-conformance "GET ContentType"
}

case_get_ranges() {
  local out size=$CONF_BIG_SIZE
  out=$(aws_ s3api get-object --bucket "$B" --key big.bin --range bytes=1000-1999999 "$W/r1")
  expect_eq "$(json_get "$out" 'd["ContentRange"]')" "bytes 1000-1999999/$size" "ContentRange"
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" 1999000 "ranged ContentLength"
  expect_eq "$(conf_sha "$W/r1")" "$(conf_range_sha "$BIG" 1000 1999999)" "range 1000-1999999"
  # A range crossing a part boundary (8 MiB) and a stripe, open-ended and suffix ranges.
  local a=$((8 * 1024 * 1024 - 7)) b=$((8 * 1024 * 1024 + 70000))
  aws_ s3api get-object --bucket "$B" --key big.bin --range "bytes=$a-$b" "$W/r2" >/dev/null
  expect_eq "$(conf_sha "$W/r2")" "$(conf_range_sha "$BIG" $a $b)" "range across parts"
  aws_ s3api get-object --bucket "$B" --key big.bin --range "bytes=$((size - 5000))-" "$W/r3" >/dev/null
  expect_eq "$(conf_sha "$W/r3")" "$(conf_range_sha "$BIG" $((size - 5000)) $((size - 1)))" "open range"
  aws_ s3api get-object --bucket "$B" --key big.bin --range "bytes=-777" "$W/r4" >/dev/null
  expect_eq "$(conf_sha "$W/r4")" "$(conf_range_sha "$BIG" $((size - 777)) $((size - 1)))" "suffix range"
  aws_ s3api get-object --bucket "$B" --key dir/small.bin --range bytes=0-0 "$W/r5" >/dev/null
  expect_eq "$(conf_sha "$W/r5")" "$(conf_range_sha "$W/small.bin" 0 0)" "one-byte range"
  expect_fail_with InvalidRange aws_ s3api get-object --bucket "$B" --key dir/small.bin \
    --range bytes=20000-30000 "$W/r6"
}

case_list_prefix_delimiter() {
  # One recursive upload of a local tree makes the keys a/1 a/2 b/1 top.
  mkdir -p "$W/tree/a" "$W/tree/b"
  cp "$W/small.bin" "$W/tree/a/1"
  cp "$W/small.bin" "$W/tree/a/2"
  cp "$W/small.bin" "$W/tree/b/1"
  cp "$W/small.bin" "$W/tree/top"
  aws_ s3 cp --recursive "$W/tree/" "s3://$L/" --only-show-errors
  local out
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --delimiter / --no-paginate)
  expect_eq "$(json_get "$out" '[p["Prefix"] for p in d.get("CommonPrefixes", [])]')" '["a/", "b/"]' "CommonPrefixes"
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" '["top"]' "Contents"
  expect_eq "$(json_get "$out" 'd["KeyCount"]')" 3 "KeyCount"
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --prefix a/ --delimiter / --no-paginate)
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" '["a/1", "a/2"]' "prefix a/"
  expect_eq "$(json_get "$out" 'd.get("CommonPrefixes", [])')" '[]' "no prefixes under a/"
  expect_eq "$(json_get "$out" '[c["Size"] for c in d["Contents"]]')" '[10000, 10000]' "sizes"
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --prefix a)
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" '["a/1", "a/2"]' "prefix a"
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --prefix nothing-here)
  expect_eq "$(json_get "$out" 'd.get("Contents", [])')" '[]' "empty listing"
  # ListObjects (v1) with delimiter.
  out=$(aws_ s3api list-objects --bucket "$L" --delimiter / --no-paginate)
  expect_eq "$(json_get "$out" '[p["Prefix"] for p in d.get("CommonPrefixes", [])]')" '["a/", "b/"]' "v1 CommonPrefixes"
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" '["top"]' "v1 Contents"
  # aws s3 ls (delimiter listing) and recursive listing.
  out=$(aws_ s3 ls "s3://$L/")
  expect_contains "$out" "PRE a/" "s3 ls"
  expect_contains "$out" "PRE b/" "s3 ls"
  out=$(aws_ s3 ls --recursive "s3://$L/" | awk '{print $4}' | tr '\n' ' ')
  expect_eq "$out" "a/1 a/2 b/1 top " "s3 ls --recursive"
}

case_list_pagination() {
  local out token
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --max-keys 2 --no-paginate)
  expect_eq "$(json_get "$out" '[c["Key"] for c in d["Contents"]]')" '["a/1", "a/2"]' "page 1"
  expect_eq "$(json_get "$out" 'd["IsTruncated"]')" true "page 1 IsTruncated"
  expect_eq "$(json_get "$out" 'd["KeyCount"]')" 2 "page 1 KeyCount"
  token=$(json_get "$out" 'd["NextContinuationToken"]')
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --max-keys 2 --no-paginate --continuation-token "$token")
  expect_eq "$(json_get "$out" '[c["Key"] for c in d["Contents"]]')" '["b/1", "top"]' "page 2"
  expect_eq "$(json_get "$out" 'd["IsTruncated"]')" false "page 2 IsTruncated"
  # The CLI's own paginator, one key per page.
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --page-size 1)
  expect_eq "$(json_get "$out" '[c["Key"] for c in d["Contents"]]')" '["a/1", "a/2", "b/1", "top"]' "paginator"
  out=$(aws_ s3api list-objects-v2 --bucket "$L" --start-after a/2)
  expect_eq "$(json_get "$out" '[c["Key"] for c in d["Contents"]]')" '["b/1", "top"]' "start-after"
  # v1 marker pagination.
  out=$(aws_ s3api list-objects --bucket "$L" --max-items 10 --page-size 3)
  expect_eq "$(json_get "$out" '[c["Key"] for c in d["Contents"]]')" '["a/1", "a/2", "b/1", "top"]' "v1 paginator"
}

case_versions_api() {
  # An unversioned bucket: its objects are listed as versions "null", all latest.
  local out
  out=$(aws_ s3api get-bucket-versioning --bucket "$B")
  # A bucket that never had versioning configured has no Status.
  expect_eq "$(json_get "$out" 'd.get("Status", "")')" "" "new bucket versioning status"
  out=$(aws_ s3api list-object-versions --bucket "$L")
  expect_eq "$(json_get "$out" '[v["Key"] for v in d.get("Versions", [])]')" '["a/1", "a/2", "b/1", "top"]' "Versions"
  expect_eq "$(json_get "$out" 'all(v["IsLatest"] for v in d["Versions"])')" true "IsLatest"
  expect_eq "$(json_get "$out" 'sorted(set(v["VersionId"] for v in d["Versions"]))')" '["null"]' "VersionId null"
  out=$(aws_ s3api list-object-versions --bucket "$L" --prefix a/ --delimiter /)
  expect_eq "$(json_get "$out" '[v["Key"] for v in d.get("Versions", [])]')" '["a/1", "a/2"]' "Versions prefix"
}

# Versioning on its own bucket ($V): the state of one case is used by the next, so the
# version ids are kept in $W/versions.env (cases run in subshells).
case_versions_enabled() {
  local out i vid dm
  local -a vids=()
  for i in 1 2 3; do
    printf 'version %s of doc, %s\n' "$i" "$(head -c $((i * 100)) /dev/zero | tr '\0' "$i")" >"$W/ver$i.txt"
  done
  aws_ s3api create-bucket --bucket "$V" >/dev/null
  out=$(aws_ s3api get-bucket-versioning --bucket "$V")
  expect_eq "$(json_get "$out" 'd.get("Status", "")')" "" "fresh bucket versioning Status"
  aws_ s3api put-bucket-versioning --bucket "$V" --versioning-configuration Status=Enabled
  out=$(aws_ s3api get-bucket-versioning --bucket "$V")
  expect_eq "$(json_get "$out" 'd.get("Status", "")')" Enabled "Status after Enabled"

  # Three writes of one key: three distinct version ids.
  for i in 1 2 3; do
    out=$(aws_ s3api put-object --bucket "$V" --key doc --body "$W/ver$i.txt")
    vid=$(json_get "$out" 'd["VersionId"]')
    [[ -n "$vid" && "$vid" != null ]] || fail "put-object $i: VersionId '$vid'"
    vids+=("$vid")
  done
  expect_eq "$(printf '%s\n' "${vids[@]}" | sort -u | wc -l)" 3 "distinct version ids"
  printf 'V1=%q\nV2=%q\nV3=%q\n' "${vids[@]}" >"$W/versions.env"

  # Newest first, only the last write is latest.
  out=$(aws_ s3api list-object-versions --bucket "$V" --prefix doc)
  expect_eq "$(json_get "$out" '[v["VersionId"] for v in d.get("Versions", []) if v["Key"] == "doc"]')" \
    "[\"${vids[2]}\", \"${vids[1]}\", \"${vids[0]}\"]" "versions of doc, newest first"
  expect_eq "$(json_get "$out" '[v["IsLatest"] for v in d["Versions"]]')" '[true, false, false]' "IsLatest"
  expect_eq "$(json_get "$out" 'd.get("DeleteMarkers", [])')" '[]' "no delete markers yet"

  # Reads of an older version, by id; the current version without one.
  out=$(aws_ s3api get-object --bucket "$V" --key doc --version-id "${vids[0]}" "$W/ver1.out")
  expect_same_file "$W/ver1.out" "$W/ver1.txt"
  expect_eq "$(json_get "$out" 'd["VersionId"]')" "${vids[0]}" "get-object --version-id VersionId"
  out=$(aws_ s3api get-object --bucket "$V" --key doc "$W/cur.out")
  expect_same_file "$W/cur.out" "$W/ver3.txt"
  expect_eq "$(json_get "$out" 'd["VersionId"]')" "${vids[2]}" "current VersionId"
  out=$(aws_ s3api head-object --bucket "$V" --key doc --version-id "${vids[1]}")
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" "$(stat -c %s "$W/ver2.txt")" "head-object v2 size"

  # A simple delete adds a delete marker: the key is gone for reads and listings, its
  # versions are not.
  out=$(aws_ s3api delete-object --bucket "$V" --key doc)
  expect_eq "$(json_get "$out" 'd.get("DeleteMarker")')" true "delete-object DeleteMarker"
  dm=$(json_get "$out" 'd["VersionId"]')
  [[ -n "$dm" && "$dm" != null ]] || fail "delete marker VersionId '$dm'"
  printf 'DM=%q\n' "$dm" >>"$W/versions.env"
  expect_fail_with NoSuchKey aws_ s3api get-object --bucket "$V" --key doc "$W/gone.out"
  expect_fail_with 404 aws_ s3api head-object --bucket "$V" --key doc
  out=$(aws_ s3api head-object --bucket "$V" --key doc --version-id "${vids[0]}")
  expect_eq "$(json_get "$out" 'd["VersionId"]')" "${vids[0]}" "head-object of an older version"
  # GET of a delete marker by its id: 405 MethodNotAllowed.
  expect_fail_with MethodNotAllowed aws_ s3api get-object --bucket "$V" --key doc \
    --version-id "$dm" "$W/marker.out"
  out=$(aws_ s3api list-object-versions --bucket "$V")
  expect_eq "$(json_get "$out" '[(m["Key"], m["VersionId"], m["IsLatest"]) for m in d.get("DeleteMarkers", [])]')" \
    "[[\"doc\", \"$dm\", true]]" "DeleteMarkers"
  expect_eq "$(json_get "$out" '[v["IsLatest"] for v in d["Versions"]]')" '[false, false, false]' \
    "no version is latest under a delete marker"
  out=$(aws_ s3api list-objects-v2 --bucket "$V")
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" '[]' "list-objects-v2 after delete"

  # Deleting the marker by id brings the newest version back.
  out=$(aws_ s3api delete-object --bucket "$V" --key doc --version-id "$dm")
  expect_eq "$(json_get "$out" 'd.get("VersionId")')" "$dm" "deleted marker VersionId"
  expect_eq "$(json_get "$out" 'd.get("DeleteMarker")')" true "deleted version was a marker"
  aws_ s3api get-object --bucket "$V" --key doc "$W/back.out" >/dev/null
  expect_same_file "$W/back.out" "$W/ver3.txt"
  out=$(aws_ s3api list-object-versions --bucket "$V")
  expect_eq "$(json_get "$out" 'd.get("DeleteMarkers", [])')" '[]' "marker gone"

  # Deleting one older version removes only it.
  out=$(aws_ s3api delete-object --bucket "$V" --key doc --version-id "${vids[0]}")
  expect_eq "$(json_get "$out" 'd.get("VersionId")')" "${vids[0]}" "deleted version's VersionId"
  expect_eq "$(json_get "$out" 'd.get("DeleteMarker", False)')" false "deleted version was no marker"
  out=$(aws_ s3api list-object-versions --bucket "$V")
  expect_eq "$(json_get "$out" '[(v["VersionId"], v["IsLatest"]) for v in d["Versions"]]')" \
    "[[\"${vids[2]}\", true], [\"${vids[1]}\", false]]" "versions after deleting v1"
  expect_fail_with NoSuchVersion aws_ s3api get-object --bucket "$V" --key doc \
    --version-id "${vids[0]}" "$W/v1gone.out"

  # CopyObject from an older version.
  out=$(aws_ s3api copy-object --bucket "$V" --key doc-copy \
    --copy-source "$V/doc?versionId=${vids[1]}")
  expect_eq "$(json_get "$out" 'd.get("CopySourceVersionId")')" "${vids[1]}" "CopySourceVersionId"
  vid=$(json_get "$out" 'd.get("VersionId", "")')
  [[ -n "$vid" && "$vid" != null ]] || fail "copy-object into a versioned bucket: VersionId '$vid'"
  printf 'VC=%q\n' "$vid" >>"$W/versions.env"
  expect_eq "$(json_get "$out" 'd["CopyObjectResult"]["ETag"]')" "\"$(conf_md5 "$W/ver2.txt")\"" "copy ETag"
  aws_ s3api get-object --bucket "$V" --key doc-copy "$W/copy.out" >/dev/null
  expect_same_file "$W/copy.out" "$W/ver2.txt"
}

case_versions_suspended() {
  [[ -f "$W/versions.env" ]] || fail "needs versions-enabled"
  # shellcheck source=/dev/null
  source "$W/versions.env"
  local out i
  aws_ s3api put-bucket-versioning --bucket "$V" --versioning-configuration Status=Suspended
  out=$(aws_ s3api get-bucket-versioning --bucket "$V")
  expect_eq "$(json_get "$out" 'd.get("Status", "")')" Suspended "Status after Suspended"
  # Writes now make (and then replace) the version "null"; the versions made while
  # versioning was enabled stay.
  for i in 1 2; do
    printf 'suspended write %s\n' "$i" >"$W/susp$i.txt"
    out=$(aws_ s3api put-object --bucket "$V" --key doc --body "$W/susp$i.txt")
    # S3 omits x-amz-version-id here (the PutObject reference's "versioning suspended"
    # example); "null" is accepted too.
    expect_eq "$(json_get "$out" 'd.get("VersionId", "null")')" null "put-object VersionId while suspended"
    out=$(aws_ s3api put-object --bucket "$V" --key fresh --body "$W/susp$i.txt")
    expect_eq "$(json_get "$out" 'd.get("VersionId", "null")')" null "put-object VersionId (new key)"
  done
  out=$(aws_ s3api list-object-versions --bucket "$V")
  expect_eq "$(json_get "$out" '[(v["VersionId"], v["IsLatest"]) for v in d["Versions"] if v["Key"] == "doc"]')" \
    "[[\"null\", true], [\"$V3\", false], [\"$V2\", false]]" "versions of doc"
  expect_eq "$(json_get "$out" '[(v["VersionId"], v["IsLatest"], v["Size"]) for v in d["Versions"] if v["Key"] == "fresh"]')" \
    "[[\"null\", true, $(stat -c %s "$W/susp2.txt")]]" "versions of fresh: one null version"
  aws_ s3api get-object --bucket "$V" --key doc --version-id null "$W/null.out" >/dev/null
  expect_same_file "$W/null.out" "$W/susp2.txt"
  aws_ s3api get-object --bucket "$V" --key doc --version-id "$V3" "$W/v3.out" >/dev/null
  expect_same_file "$W/v3.out" "$W/ver3.txt"
}

case_versions_cleanup() {
  [[ -f "$W/versions.env" ]] || fail "needs versions-enabled"
  # shellcheck source=/dev/null
  source "$W/versions.env"
  local out k
  # A simple delete of every key while versioning is suspended: each key's null version is
  # replaced by a delete marker whose id is "null"; the older versions stay. Only noncurrent
  # versions and delete markers are left, which still keep the bucket from being deleted.
  for k in doc doc-copy fresh; do
    out=$(aws_ s3api delete-object --bucket "$V" --key "$k")
    expect_eq "$(json_get "$out" 'd.get("DeleteMarker")')" true "delete-object $k DeleteMarker"
    expect_eq "$(json_get "$out" 'd.get("VersionId", "null")')" null "delete-object $k marker VersionId"
  done
  out=$(aws_ s3api list-objects-v2 --bucket "$V")
  expect_eq "$(json_get "$out" '[c["Key"] for c in d.get("Contents", [])]')" '[]' "no current objects"
  out=$(aws_ s3api list-object-versions --bucket "$V")
  expect_eq "$(json_get "$out" '[(m["Key"], m["VersionId"], m["IsLatest"]) for m in d.get("DeleteMarkers", [])]')" \
    '[["doc", "null", true], ["doc-copy", "null", true], ["fresh", "null", true]]' "delete markers"
  expect_eq "$(json_get "$out" '[(v["Key"], v["VersionId"], v["IsLatest"]) for v in d.get("Versions", [])]')" \
    "[[\"doc\", \"$V3\", false], [\"doc\", \"$V2\", false], [\"doc-copy\", \"$VC\", false]]" \
    "noncurrent versions (the null versions replaced by the markers)"
  expect_fail_with BucketNotEmpty aws_ s3api delete-bucket --bucket "$V"
  # Empty it the way test harnesses do: every version and marker in one DeleteObjects.
  "$CONF_PY" - "$out" >"$W/delete-all.json" <<'PYEOF'
import json, sys
d = json.loads(sys.argv[1])
objs = [{"Key": v["Key"], "VersionId": v["VersionId"]}
        for v in d.get("Versions", []) + d.get("DeleteMarkers", [])]
print(json.dumps({"Objects": objs}))
PYEOF
  cat "$W/delete-all.json"
  out=$(aws_ s3api delete-objects --bucket "$V" --delete "$(cat "$W/delete-all.json")")
  expect_eq "$(json_get "$out" 'd.get("Errors", [])')" '[]' "delete-objects Errors"
  expect_eq "$(json_get "$out" 'sorted((x["Key"], x.get("VersionId")) for x in d.get("Deleted", []))')" \
    "$(json_get "$(cat "$W/delete-all.json")" 'sorted((x["Key"], x["VersionId"]) for x in d["Objects"])')" \
    "delete-objects Deleted"
  expect_eq "$(json_get "$out" 'sorted(x["Key"] for x in d["Deleted"] if x.get("DeleteMarker"))')" \
    '["doc", "doc-copy", "fresh"]' "delete-objects: the deleted markers have DeleteMarker=true"
  out=$(aws_ s3api list-object-versions --bucket "$V")
  expect_eq "$(json_get "$out" 'd.get("Versions", []) + d.get("DeleteMarkers", [])')" '[]' "no versions left"
  aws_ s3api delete-bucket --bucket "$V"
  expect_fail_with 404 aws_ s3api head-bucket --bucket "$V"
}

case_copy() {
  # Server-side copy of a small object: content, metadata and content type carried over.
  aws_ s3 cp "s3://$B/dir/small.bin" "s3://$B/copies/small.bin"
  local out
  out=$(aws_ s3api head-object --bucket "$B" --key copies/small.bin)
  expect_eq "$(json_get "$out" 'd["Metadata"]')" '{"color": "blue", "shape": "round-square"}' "copied Metadata"
  expect_eq "$(json_get "$out" 'd["ContentType"]')" text/x-conformance "copied ContentType"
  expect_eq "$(json_get "$out" 'd["ETag"]')" "\"$(conf_md5 "$W/small.bin")\"" "copied ETag"
  aws_ s3 cp "s3://$B/copies/small.bin" "$W/copy.out" --only-show-errors
  expect_same_file "$W/copy.out" "$W/small.bin"
  # CopyObject with REPLACE.
  out=$(aws_ s3api copy-object --bucket "$B" --key copies/replaced.bin \
    --copy-source "$B/dir/small.bin" --metadata-directive REPLACE \
    --content-type application/x-replaced --metadata flavour=new)
  json_get "$out" 'd["CopyObjectResult"]["ETag"]'
  out=$(aws_ s3api head-object --bucket "$B" --key copies/replaced.bin)
  expect_eq "$(json_get "$out" 'd["Metadata"]')" '{"flavour": "new"}' "REPLACE Metadata"
  expect_eq "$(json_get "$out" 'd["ContentType"]')" application/x-replaced "REPLACE ContentType"
  # Across buckets.
  aws_ s3api copy-object --bucket "$L" --key zz-copied --copy-source "$B/dir/small.bin" >/dev/null
  aws_ s3api get-object --bucket "$L" --key zz-copied "$W/copy2.out" >/dev/null
  expect_same_file "$W/copy2.out" "$W/small.bin"
  aws_ s3api delete-object --bucket "$L" --key zz-copied
}

case_tagging() {
  # Object tags: on upload, through the tagging API, and kept by a copy.
  local out
  aws_ s3api put-object --bucket "$B" --key tags/obj --body "$W/small.bin" \
    --tagging 'team=storage&stage=test' >/dev/null
  out=$(aws_ s3api get-object-tagging --bucket "$B" --key tags/obj)
  expect_eq "$(json_get "$out" 'sorted((t["Key"], t["Value"]) for t in d["TagSet"])')" \
    '[["stage", "test"], ["team", "storage"]]' "tags from put-object"
  aws_ s3api put-object-tagging --bucket "$B" --key tags/obj \
    --tagging 'TagSet=[{Key=owner,Value=ops team}]'
  out=$(aws_ s3api get-object-tagging --bucket "$B" --key tags/obj)
  expect_eq "$(json_get "$out" '[(t["Key"], t["Value"]) for t in d["TagSet"]]')" \
    '[["owner", "ops team"]]' "tags replaced"
  out=$(aws_ s3api get-object --bucket "$B" --key tags/obj "$W/tags.out")
  expect_eq "$(json_get "$out" 'd["TagCount"]')" 1 "TagCount on GET"
  aws_ s3api copy-object --bucket "$B" --key tags/copy --copy-source "$B/tags/obj" >/dev/null
  out=$(aws_ s3api get-object-tagging --bucket "$B" --key tags/copy)
  expect_eq "$(json_get "$out" '[t["Key"] for t in d["TagSet"]]')" '["owner"]' "copy keeps tags"
  expect_fail_with InvalidTag aws_ s3api put-object-tagging --bucket "$B" --key tags/obj \
    --tagging 'TagSet=[{Key=bad!,Value=x}]'
  aws_ s3api delete-object-tagging --bucket "$B" --key tags/obj
  out=$(aws_ s3api get-object-tagging --bucket "$B" --key tags/obj)
  expect_eq "$(json_get "$out" 'd["TagSet"]')" '[]' "tags deleted"
  aws_ s3api delete-object --bucket "$B" --key tags/obj
  aws_ s3api delete-object --bucket "$B" --key tags/copy
}

case_acl() {
  # Only the owner has access: the ACLs read that way, and only that ACL can be set.
  aws_ s3api put-object --bucket "$B" --key acl/obj --body "$W/small.bin" >/dev/null
  local out
  out=$(aws_ s3api get-bucket-acl --bucket "$B")
  expect_eq "$(json_get "$out" '[g["Permission"] for g in d["Grants"]]')" '["FULL_CONTROL"]' "bucket grants"
  expect_eq "$(json_get "$out" 'd["Owner"]["ID"] == d["Grants"][0]["Grantee"]["ID"]')" true "grantee is the owner"
  out=$(aws_ s3api get-object-acl --bucket "$B" --key acl/obj)
  expect_eq "$(json_get "$out" '[g["Permission"] for g in d["Grants"]]')" '["FULL_CONTROL"]' "object grants"
  aws_ s3api put-object-acl --bucket "$B" --key acl/obj --acl private
  aws_ s3api put-bucket-acl --bucket "$B" --acl private
  expect_fail_with NotImplemented aws_ s3api put-object-acl --bucket "$B" --key acl/obj --acl public-read
  aws_ s3api delete-object --bucket "$B" --key acl/obj >/dev/null
}

case_copy_large() {
  # Objects above the CLI's multipart threshold are copied with UploadPartCopy (ranges).
  aws_ s3 cp "s3://$B/big.bin" "s3://$B/copies/big.bin" --only-show-errors
  aws_ s3 cp "s3://$B/copies/big.bin" "$W/bigcopy.out" --only-show-errors
  expect_same_file "$W/bigcopy.out" "$BIG"
  rm -f "$W/bigcopy.out"
}

case_multipart_api() {
  local out id etag1 etag2
  out=$(aws_ s3api create-multipart-upload --bucket "$B" --key mpu/obj \
    --content-type application/x-mpu --metadata stage=mpu)
  id=$(json_get "$out" 'd["UploadId"]')
  etag1=$(json_get "$(aws_ s3api upload-part --bucket "$B" --key mpu/obj --upload-id="$id" \
    --part-number 1 --body "$W/part1.bin")" 'd["ETag"]')
  expect_eq "$etag1" "\"$(conf_md5 "$W/part1.bin")\"" "part 1 ETag"
  etag2=$(json_get "$(aws_ s3api upload-part --bucket "$B" --key mpu/obj --upload-id="$id" \
    --part-number 2 --body "$W/part2.bin")" 'd["ETag"]')
  out=$(aws_ s3api list-parts --bucket "$B" --key mpu/obj --upload-id="$id")
  expect_eq "$(json_get "$out" '[p["PartNumber"] for p in d["Parts"]]')" '[1, 2]' "list-parts numbers"
  expect_eq "$(json_get "$out" '[p["Size"] for p in d["Parts"]]')" '[5242880, 1234567]' "list-parts sizes"
  out=$(aws_ s3api list-multipart-uploads --bucket "$B")
  expect_eq "$(json_get "$out" '[(u["Key"], u["UploadId"]) for u in d.get("Uploads", [])]')" \
    "[[\"mpu/obj\", \"$id\"]]" "list-multipart-uploads"
  "$CONF_PY" - "$W/parts.json" "$etag1" "$etag2" <<'EOF'
import json, sys
json.dump({"Parts": [{"PartNumber": 1, "ETag": sys.argv[2]}, {"PartNumber": 2, "ETag": sys.argv[3]}]},
          open(sys.argv[1], "w"))
EOF
  out=$(aws_ s3api complete-multipart-upload --bucket "$B" --key mpu/obj --upload-id="$id" \
    --multipart-upload "file://$W/parts.json")
  local want_etag
  want_etag=$(conf_multipart_etag "$W/part1.bin" "$W/part2.bin")
  expect_eq "$(json_get "$out" 'd["ETag"]')" "$want_etag" "multipart ETag"
  cat "$W/part1.bin" "$W/part2.bin" >"$W/mpu.src"
  out=$(aws_ s3api get-object --bucket "$B" --key mpu/obj "$W/mpu.out")
  expect_same_file "$W/mpu.out" "$W/mpu.src"
  expect_eq "$(json_get "$out" 'd["ContentType"]')" application/x-mpu "multipart ContentType"
  expect_eq "$(json_get "$out" 'd["Metadata"]')" '{"stage": "mpu"}' "multipart Metadata"
  out=$(aws_ s3api list-multipart-uploads --bucket "$B")
  expect_eq "$(json_get "$out" 'len(d.get("Uploads", []))')" 0 "no uploads after complete"
}

case_multipart_abort() {
  local out id
  id=$(json_get "$(aws_ s3api create-multipart-upload --bucket "$B" --key mpu/aborted)" 'd["UploadId"]')
  aws_ s3api upload-part --bucket "$B" --key mpu/aborted --upload-id="$id" --part-number 1 \
    --body "$W/part2.bin" >/dev/null
  aws_ s3api abort-multipart-upload --bucket "$B" --key mpu/aborted --upload-id="$id"
  out=$(aws_ s3api list-multipart-uploads --bucket "$B")
  expect_eq "$(json_get "$out" '[u["UploadId"] for u in d.get("Uploads", [])]')" '[]' "uploads after abort"
  expect_fail_with NoSuchUpload aws_ s3api list-parts --bucket "$B" --key mpu/aborted --upload-id="$id"
  expect_fail_with 404 aws_ s3api head-object --bucket "$B" --key mpu/aborted
}

case_multipart_too_small() {
  # Every part but the last must be at least 5 MiB.
  local id e1 e2 rc=0
  id=$(json_get "$(aws_ s3api create-multipart-upload --bucket "$B" --key mpu/small)" 'd["UploadId"]')
  e1=$(json_get "$(aws_ s3api upload-part --bucket "$B" --key mpu/small --upload-id="$id" \
    --part-number 1 --body "$W/small.bin")" 'd["ETag"]')
  e2=$(json_get "$(aws_ s3api upload-part --bucket "$B" --key mpu/small --upload-id="$id" \
    --part-number 2 --body "$W/small.bin")" 'd["ETag"]')
  "$CONF_PY" -c 'import json,sys; print(json.dumps({"Parts": [{"PartNumber": 1, "ETag": sys.argv[1]}, {"PartNumber": 2, "ETag": sys.argv[2]}]}))' \
    "$e1" "$e2" >"$W/small-parts.json"
  (expect_fail_with EntityTooSmall aws_ s3api complete-multipart-upload --bucket "$B" \
    --key mpu/small --upload-id="$id" --multipart-upload "file://$W/small-parts.json") || rc=$?
  aws_ s3api abort-multipart-upload --bucket "$B" --key mpu/small --upload-id="$id"
  ((rc == 0)) || fail "CompleteMultipartUpload with a 10000-byte first part did not fail with EntityTooSmall"
}

case_errors() {
  expect_fail_with 404 aws_ s3api head-object --bucket "$B" --key no/such/key
  expect_fail_with NoSuchKey aws_ s3api get-object --bucket "$B" --key no/such/key "$W/nothing"
  expect_fail_with NoSuchBucket aws_ s3api list-objects-v2 --bucket conf-no-such-bucket
  expect_fail_with NoSuchBucket aws_ s3api put-object --bucket conf-no-such-bucket --key k \
    --body "$W/small.bin"
  expect_fail_with 404 aws_ s3api head-bucket --bucket conf-no-such-bucket
  expect_fail_with BucketNotEmpty aws_ s3api delete-bucket --bucket "$L"
  expect_fail_with InvalidBucketName aws_ s3api create-bucket --bucket 'Bad_Bucket_Name'
}

case_auth_errors() {
  expect_fail_with SignatureDoesNotMatch env AWS_SECRET_ACCESS_KEY=wrong-secret-key \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" \
    s3api list-buckets
  expect_fail_with SignatureDoesNotMatch env AWS_SECRET_ACCESS_KEY=wrong-secret-key \
    "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api get-object --bucket "$B" \
    --key dir/small.bin "$W/nothing"
  expect_fail_with InvalidAccessKeyId env AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 \
    "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api list-buckets
  # Anonymous request to a private bucket.
  local code
  code=$(curl -s -o "$W/anon.xml" -w '%{http_code}' "$TESSERA_ENDPOINT/$B/dir/small.bin")
  conf_show_body "$W/anon.xml"
  expect_eq "$code" 403 "anonymous GET status"
  expect_file_contains "$W/anon.xml" AccessDenied "anonymous GET error code"
}

case_presign() {
  local url code
  url=$(aws_ s3 presign "s3://$B/dir/small.bin" --expires-in 300)
  echo "$url"
  code=$(curl -s -o "$W/presigned.out" -w '%{http_code}' "$url")
  expect_eq "$code" 200 "presigned GET status"
  expect_same_file "$W/presigned.out" "$W/small.bin"
  # Ranged presigned GET.
  code=$(curl -s -o "$W/presigned.range" -w '%{http_code}' -H 'Range: bytes=10-99' "$url")
  expect_eq "$code" 206 "presigned ranged GET status"
  expect_eq "$(conf_sha "$W/presigned.range")" "$(conf_range_sha "$W/small.bin" 10 99)" "presigned range"
  # Tampered signature: flip the last hex digit.
  local sig bad
  sig=$(sed -n 's/.*X-Amz-Signature=\([0-9a-f]*\).*/\1/p' <<<"$url")
  [[ ${#sig} == 64 ]] || fail "no X-Amz-Signature in $url"
  if [[ ${sig: -1} == 0 ]]; then bad="${sig:0:63}1"; else bad="${sig:0:63}0"; fi
  code=$(curl -s -o "$W/presigned.bad" -w '%{http_code}' "${url/$sig/$bad}")
  conf_show_body "$W/presigned.bad"
  expect_eq "$code" 403 "tampered presigned GET status"
  expect_file_contains "$W/presigned.bad" SignatureDoesNotMatch "tampered presigned GET code"
  # Another key than the one signed.
  code=$(curl -s -o "$W/presigned.other" -w '%{http_code}' "${url/dir\/small.bin/big.bin}")
  expect_eq "$code" 403 "presigned URL used for another key"
  # Expired URL.
  url=$(aws_ s3 presign "s3://$B/dir/small.bin" --expires-in 1)
  sleep 2
  code=$(curl -s -o "$W/presigned.expired" -w '%{http_code}' "$url")
  conf_show_body "$W/presigned.expired"
  expect_eq "$code" 403 "expired presigned GET status"
}

case_delete() {
  aws_ s3 rm "s3://$B/copies/replaced.bin"
  expect_fail_with 404 aws_ s3api head-object --bucket "$B" --key copies/replaced.bin
  # Deleting a missing key succeeds (204).
  aws_ s3api delete-object --bucket "$B" --key copies/never-existed
  # Multi-object delete (DeleteObjects, Content-MD5 body), including a missing key.
  local out
  out=$(aws_ s3api delete-objects --bucket "$B" \
    --delete '{"Objects":[{"Key":"copies/small.bin"},{"Key":"copies/big.bin"},{"Key":"not-there"}]}')
  expect_eq "$(json_get "$out" 'sorted(x["Key"] for x in d.get("Deleted", []))')" \
    '["copies/big.bin", "copies/small.bin", "not-there"]' "Deleted"
  expect_eq "$(json_get "$out" 'd.get("Errors", [])')" '[]' "Errors"
  out=$(aws_ s3api list-objects-v2 --bucket "$B" --prefix copies/)
  expect_eq "$(json_get "$out" 'd.get("Contents", [])')" '[]' "copies/ empty"
  # Quiet mode.
  aws_ s3api put-object --bucket "$B" --key quiet/1 --body "$W/small.bin" >/dev/null
  out=$(aws_ s3api delete-objects --bucket "$B" --delete '{"Objects":[{"Key":"quiet/1"}],"Quiet":true}')
  expect_eq "$(json_get "$out" 'd.get("Deleted", [])')" '[]' "quiet Deleted"
  # Recursive delete through the listing.
  aws_ s3 rm --recursive "s3://$L/"
  out=$(aws_ s3api list-objects-v2 --bucket "$L")
  expect_eq "$(json_get "$out" 'd.get("KeyCount", 0)')" 0 "bucket emptied"
}

case_bucket_delete() {
  aws_ s3api delete-bucket --bucket "$L"
  expect_fail_with NoSuchBucket aws_ s3api list-objects-v2 --bucket "$L"
  aws_ s3 rb --force "s3://$B"
  local out
  out=$(aws_ s3api list-buckets)
  expect_eq "$(json_get "$out" '[b["Name"] for b in d.get("Buckets", []) if b["Name"].startswith("conf-awscli")]')" \
    '[]' "buckets gone"
}

run_case bucket-create case_bucket_create
run_case bucket-create-duplicate case_bucket_create_duplicate
run_case put-small-metadata case_put_small_with_metadata
run_case put-100MiB-multipart case_put_large_multipart
run_case get-full case_get_full
run_case get-ranges case_get_ranges
run_case list-prefix-delimiter case_list_prefix_delimiter
run_case list-pagination case_list_pagination
run_case versions-api case_versions_api
run_case versions-enabled case_versions_enabled
run_case versions-suspended case_versions_suspended
run_case versions-cleanup case_versions_cleanup
run_case copy case_copy
run_case tagging case_tagging
run_case acl case_acl
run_case copy-100MiB case_copy_large
run_case multipart-api case_multipart_api
run_case multipart-abort case_multipart_abort
run_case multipart-entity-too-small case_multipart_too_small
run_case errors case_errors
run_case auth-errors case_auth_errors
run_case presign case_presign
run_case delete case_delete
run_case bucket-delete case_bucket_delete
((CONF_CASE_FAILURES == 0))
