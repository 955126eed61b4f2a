#!/usr/bin/env bash
# Scenario rclone: Debian's rclone (s3 backend, provider Other, path style, config in a temp
# file) against the gateway: its own multipart upload (--s3-upload-cutoff), ranged reads
# (cat --offset/--count), listings with ListObjects v1 and v2, server-side copy, sync and
# check, presigned links. Run by conformance/run.sh (environment in lib/common.sh).
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

B=conf-rclone
L=conf-rclone-list
W=$CONF_WORK
R=tessera:

rcl() { rclone --config "$RCLONE_CONFIG" --retries 1 --low-level-retries 2 "$@"; }

conf_make_file "$W/small.bin" 34567
BIG=$(conf_big_file)

case_bucket_create() {
  rcl mkdir "$R$B"
  rcl mkdir "$R$L"
  local out
  out=$(rcl lsd "$R")
  expect_contains "$out" " $B" "lsd"
  expect_contains "$out" " $L" "lsd"
}

case_put_small_metadata() {
  rcl copyto "$W/small.bin" "$R$B/small.bin" --header-upload "Content-Type: text/x-rclone" \
    -M --metadata-set color=red --metadata-set owner=conformance
  local out
  out=$(rcl lsjson --stat -M --hash "$R$B/small.bin")
  echo "$out"
  expect_eq "$(json_get "$out" 'd["Size"]')" 34567 "Size"
  expect_eq "$(json_get "$out" 'd["MimeType"]')" text/x-rclone "MimeType"
  expect_eq "$(json_get "$out" 'd["Hashes"]["md5"]')" "$(conf_md5 "$W/small.bin")" "MD5"
  expect_eq "$(json_get "$out" 'd["Metadata"]["color"]')" red "metadata color"
  expect_eq "$(json_get "$out" 'd["Metadata"]["owner"]')" conformance "metadata owner"
}

case_put_large_multipart() {
  # Above the 10 MiB cutoff rclone uploads in 16 MiB chunks: 7 parts.
  rcl copy "$BIG" "$R$B/" --s3-upload-cutoff 10M --s3-chunk-size 16M --s3-upload-concurrency 4
  local out
  out=$(rcl lsjson --stat --hash "$R$B/big.bin")
  expect_eq "$(json_get "$out" 'd["Size"]')" "$CONF_BIG_SIZE" "Size"
  # rclone stores the MD5 of multipart uploads as metadata and reports it back.
  expect_eq "$(json_get "$out" 'd["Hashes"]["md5"]')" "$(conf_md5 "$BIG")" "MD5"
  out=$("$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api head-object --bucket "$B" --key big.bin)
  [[ "$(json_get "$out" 'd["ETag"]')" == *-7\" ]] || fail "ETag $(json_get "$out" 'd["ETag"]') is not a 7-part ETag"
}

case_get_full_ranged() {
  rcl copyto "$R$B/small.bin" "$W/small.out"
  expect_same_file "$W/small.out" "$W/small.bin"
  rcl copyto "$R$B/big.bin" "$W/big.out" --multi-thread-streams 4 --multi-thread-cutoff 32M
  expect_same_file "$W/big.out" "$BIG"
  rm -f "$W/big.out"
  local off=$((40 * 1024 * 1024 + 3)) cnt=2000000
  rcl cat --offset "$off" --count "$cnt" "$R$B/big.bin" >"$W/range.out"
  expect_eq "$(conf_sha "$W/range.out")" "$(conf_range_sha "$BIG" "$off" $((off + cnt - 1)))" "cat --offset --count"
  rcl cat --tail 999 "$R$B/big.bin" >"$W/tail.out"
  expect_eq "$(conf_sha "$W/tail.out")" \
    "$(conf_range_sha "$BIG" $((CONF_BIG_SIZE - 999)) $((CONF_BIG_SIZE - 1)))" "cat --tail"
}

case_list_prefix_delimiter() {
  local k out v
  for k in a/1 a/2 b/1 top; do
    rcl copyto "$W/small.bin" "$R$L/$k"
  done
  for v in 1 2; do
    out=$(rcl lsf --s3-list-version "$v" "$R$L" | tr '\n' ' ')
    expect_eq "$out" "a/ b/ top " "lsf (ListObjects v$v, delimiter)"
    out=$(rcl lsf --s3-list-version "$v" "$R$L/a" | tr '\n' ' ')
    expect_eq "$out" "1 2 " "lsf a (v$v)"
    out=$(rcl lsf --s3-list-version "$v" -R --files-only "$R$L" | tr '\n' ' ')
    expect_eq "$out" "a/1 a/2 b/1 top " "lsf -R (v$v)"
    # Small pages force continuation tokens / markers.
    out=$(rcl lsf --s3-list-version "$v" --s3-list-chunk 1 -R --files-only "$R$L" | tr '\n' ' ')
    expect_eq "$out" "a/1 a/2 b/1 top " "lsf -R with 1 key per page (v$v)"
  done
  out=$(rcl size --json "$R$L")
  expect_eq "$(json_get "$out" '[d["count"], d["bytes"]]')" "[4, $((4 * 34567))]" "size"
}

case_copy_server_side() {
  # Same remote: rclone uses CopyObject (server-side), not download + upload.
  rcl copyto "$R$B/small.bin" "$R$B/copy/small.bin" -M
  rcl copyto "$R$B/copy/small.bin" "$W/copy.out"
  expect_same_file "$W/copy.out" "$W/small.bin"
  local out
  out=$(rcl lsjson --stat -M "$R$B/copy/small.bin")
  expect_eq "$(json_get "$out" 'd["Metadata"]["color"]')" red "copied metadata"
  # 100 MiB server-side copy (rclone switches to multipart copy above its cutoff).
  rcl copyto "$R$B/big.bin" "$R$L/zz-big-copy" --s3-copy-cutoff 32M
  out=$(rcl lsjson --stat --hash "$R$L/zz-big-copy")
  expect_eq "$(json_get "$out" 'd["Size"]')" "$CONF_BIG_SIZE" "copied size"
  rcl cat --offset 50000000 --count 1000000 "$R$L/zz-big-copy" >"$W/copy-range.out"
  expect_eq "$(conf_sha "$W/copy-range.out")" "$(conf_range_sha "$BIG" 50000000 50999999)" "copied range"
  rcl deletefile "$R$L/zz-big-copy"
  # moveto = copy + delete.
  rcl moveto "$R$B/copy/small.bin" "$R$B/copy/moved.bin"
  out=$(rcl lsf "$R$B/copy" | tr '\n' ' ')
  expect_eq "$out" "moved.bin " "after moveto"
}

case_sync_check() {
  mkdir -p "$W/tree/sub" "$W/back"
  head -c 4000 /dev/urandom >"$W/tree/one"
  head -c 300000 /dev/urandom >"$W/tree/sub/two"
  head -c 12 /dev/urandom >"$W/tree/sub/three"
  rcl sync "$W/tree" "$R$B/tree"
  rcl check "$W/tree" "$R$B/tree"
  rcl sync "$R$B/tree" "$W/back"
  diff -r "$W/tree" "$W/back"
  # Deleting a local file and syncing again deletes it remotely.
  rm "$W/tree/sub/three"
  rcl sync "$W/tree" "$R$B/tree"
  local out
  out=$(rcl lsf -R --files-only "$R$B/tree" | tr '\n' ' ')
  expect_eq "$out" "one sub/two " "after second sync"
}

case_presigned_link() {
  local url code
  url=$(rcl link --expire 5m "$R$B/small.bin")
  echo "$url"
  code=$(curl -s -o "$W/link.out" -w '%{http_code}' "$url")
  expect_eq "$code" 200 "rclone link GET status"
  expect_same_file "$W/link.out" "$W/small.bin"
}

case_errors() {
  # rclone treats a missing object as a possibly empty "directory", so look at the HTTP
  # status of its HEAD request instead of its exit code.
  local out
  out=$(rcl --dump headers lsjson --stat "$R$B/no-such-key" 2>&1 || true)
  echo "$out" | grep -E '^(HEAD|GET) |^HTTP/' || true
  [[ "$out" =~ HTTP/1\.[01]\ 404 ]] || fail "no HTTP 404 for HEAD of a missing key"
  expect_fail_with BucketNotEmpty rcl rmdir "$R$L"
  expect_fail_with SignatureDoesNotMatch rcl lsf --s3-secret-access-key wrong-secret "$R$B"
}

case_delete() {
  rcl deletefile "$R$B/copy/moved.bin"
  local out
  out=$(rcl lsf "$R$B/copy" 2>&1 || true)
  [[ "$out" != *moved.bin* ]] || fail "moved.bin still listed"
  rcl delete "$R$L"
  out=$(rcl lsf -R "$R$L")
  expect_eq "$out" "" "bucket empty after delete"
}

case_bucket_delete() {
  rcl rmdir "$R$L"
  rcl purge "$R$B"
  local out
  out=$(rcl lsd "$R")
  [[ "$out" != *conf-rclone* ]] || fail "buckets still listed: $out"
}

run_case bucket-create case_bucket_create
run_case put-small-metadata case_put_small_metadata
run_case put-100MiB-multipart case_put_large_multipart
run_case get-full-ranged case_get_full_ranged
run_case list-prefix-delimiter case_list_prefix_delimiter
run_case copy-server-side case_copy_server_side
run_case sync-check case_sync_check
run_case presigned-link case_presigned_link
run_case errors case_errors
run_case delete case_delete
run_case bucket-delete case_bucket_delete
((CONF_CASE_FAILURES == 0))
