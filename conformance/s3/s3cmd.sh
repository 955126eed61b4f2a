#!/usr/bin/env bash
# Scenario s3cmd: Debian's s3cmd (SigV4, path style, config in a temp file) against the
# gateway: its own multipart upload, resumed (ranged) download, sync, server-side copy,
# metadata, batch delete. Run by conformance/run.sh (environment in lib/common.sh).
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

B=conf-s3cmd
L=conf-s3cmd-list
W=$CONF_WORK

s3c() { s3cmd -c "$S3CMD_CONFIG" --no-progress "$@"; }

conf_make_file "$W/small.bin" 23456
BIG=$(conf_big_file)

case_bucket_create() {
  s3c mb "s3://$B"
  s3c mb "s3://$L"
  local out
  out=$(s3c ls)
  expect_contains "$out" "s3://$B" "s3cmd ls"
  expect_contains "$out" "s3://$L" "s3cmd ls"
}

case_put_small_metadata() {
  s3c put "$W/small.bin" "s3://$B/small.bin" --mime-type=text/x-s3cmd \
    --add-header=x-amz-meta-color:green
  local out
  out=$(s3c info "s3://$B/small.bin")
  echo "$out"
  expect_contains "$out" "23456" "info: size"
  expect_contains "$out" "text/x-s3cmd" "info: MIME type"
  expect_contains "$out" "$(conf_md5 "$W/small.bin")" "info: MD5"
  # Checked with the aws CLI too: the header names are what S3 clients see.
  out=$("$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api head-object --bucket "$B" --key small.bin)
  expect_eq "$(json_get "$out" 'd["ContentType"]')" text/x-s3cmd "ContentType"
  expect_eq "$(json_get "$out" 'd["Metadata"].get("color")')" green "x-amz-meta-color"
}

case_put_large_multipart() {
  # 100 MiB in 15 MiB parts: 7 parts.
  s3c put "$BIG" "s3://$B/big.bin" --multipart-chunk-size-mb=15
  local out
  out=$(s3c ls "s3://$B/big.bin")
  expect_contains "$out" "$CONF_BIG_SIZE" "listed size"
  out=$("$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api head-object --bucket "$B" --key big.bin)
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" "$CONF_BIG_SIZE" "ContentLength"
  [[ "$(json_get "$out" 'd["ETag"]')" == *-7\" ]] || fail "ETag $(json_get "$out" 'd["ETag"]') is not a 7-part ETag"
}

case_get_full_and_resumed() {
  s3c get --force "s3://$B/small.bin" "$W/small.out"
  expect_same_file "$W/small.out" "$W/small.bin"
  s3c get --force "s3://$B/big.bin" "$W/big.out"
  expect_same_file "$W/big.out" "$BIG"
  # Resume a partial download: s3cmd asks for the rest with a Range header.
  truncate -s 37777777 "$W/big.out"
  s3c get --continue "s3://$B/big.bin" "$W/big.out"
  expect_same_file "$W/big.out" "$BIG"
  rm -f "$W/big.out"
}

case_list_prefix_delimiter() {
  local k out
  for k in a/1 a/2 b/1 top; do
    s3c put "$W/small.bin" "s3://$L/$k" >/dev/null
  done
  out=$(s3c ls "s3://$L/" | awk '{print $NF}' | tr '\n' ' ')
  expect_eq "$out" "s3://$L/a/ s3://$L/b/ s3://$L/top " "ls with delimiter"
  out=$(s3c ls "s3://$L/a/" | awk '{print $NF}' | tr '\n' ' ')
  expect_eq "$out" "s3://$L/a/1 s3://$L/a/2 " "ls prefix a/"
  out=$(s3c ls --recursive "s3://$L" | awk '{print $NF}' | tr '\n' ' ')
  expect_eq "$out" "s3://$L/a/1 s3://$L/a/2 s3://$L/b/1 s3://$L/top " "ls --recursive"
  out=$(s3c du "s3://$L")
  expect_contains "$out" "$((4 * 23456))" "du"
}

case_copy_and_modify() {
  s3c cp "s3://$B/small.bin" "s3://$B/copy/small.bin"
  s3c get --force "s3://$B/copy/small.bin" "$W/copy.out"
  expect_same_file "$W/copy.out" "$W/small.bin"
  local out
  out=$(s3c info "s3://$B/copy/small.bin")
  expect_contains "$out" "text/x-s3cmd" "copied MIME type"
  # s3cmd mv = copy + delete.
  s3c mv "s3://$B/copy/small.bin" "s3://$B/copy/moved.bin"
  expect_fail_with 404 s3c info "s3://$B/copy/small.bin"
  # modify = copy onto itself with a REPLACE directive.
  s3c modify --add-header=x-amz-meta-mood:happy --mime-type=text/x-modified "s3://$B/copy/moved.bin"
  out=$("$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api head-object --bucket "$B" --key copy/moved.bin)
  expect_eq "$(json_get "$out" 'd["ContentType"]')" text/x-modified "modified ContentType"
  expect_eq "$(json_get "$out" 'd["Metadata"].get("mood")')" happy "modified metadata"
  s3c get --force "s3://$B/copy/moved.bin" "$W/moved.out"
  expect_same_file "$W/moved.out" "$W/small.bin"
}

case_sync() {
  mkdir -p "$W/tree/sub" "$W/back"
  head -c 1000 /dev/urandom >"$W/tree/one"
  head -c 70000 /dev/urandom >"$W/tree/sub/two"
  : >"$W/tree/sub/empty"
  s3c sync "$W/tree/" "s3://$B/tree/"
  s3c sync "s3://$B/tree/" "$W/back/"
  diff -r "$W/tree" "$W/back"
  # A second sync transfers nothing (sizes and MD5s match).
  local out
  out=$(s3c sync "$W/tree/" "s3://$B/tree/" 2>&1)
  echo "$out"
  [[ "$out" != *upload:* ]] || fail "second sync uploaded again"
}

case_multipart_listing() {
  local id out
  id=$(json_get "$("$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3api create-multipart-upload \
    --bucket "$B" --key pending/obj)" 'd["UploadId"]')
  out=$(s3c multipart "s3://$B")
  expect_contains "$out" "$id" "s3cmd multipart lists the upload"
  s3c abortmp -- "s3://$B/pending/obj" "$id"
  out=$(s3c multipart "s3://$B")
  [[ "$out" != *"$id"* ]] || fail "upload still listed after abortmp"
}

case_errors() {
  # s3cmd checks the source with HEAD first and reports the 404 in its own words.
  expect_fail_with "does not exist" s3c get "s3://$B/no-such-key" "$W/nothing"
  expect_fail_with 404 s3c info "s3://$B/no-such-key"
  expect_fail_with NoSuchBucket s3c ls "s3://conf-s3cmd-missing/"
  expect_fail_with BucketNotEmpty s3c rb "s3://$L"
  expect_fail_with SignatureDoesNotMatch s3c --secret_key=wrong-secret ls "s3://$B/"
}

case_delete() {
  s3c del "s3://$B/copy/moved.bin"
  expect_fail_with 404 s3c info "s3://$B/copy/moved.bin"
  # del --recursive deletes in batches (DeleteObjects with Content-MD5).
  s3c del --recursive --force "s3://$L/"
  local out
  out=$(s3c ls --recursive "s3://$L")
  expect_eq "$out" "" "bucket empty after del --recursive"
}

case_bucket_delete() {
  s3c rb "s3://$L"
  s3c rb --recursive --force "s3://$B"
  local out
  out=$(s3c ls)
  [[ "$out" != *"s3://conf-s3cmd"* ]] || fail "buckets still listed: $out"
}

run_case bucket-create case_bucket_create
run_case put-small-metadata case_put_small_metadata
run_case put-100MiB-multipart case_put_large_multipart
run_case get-full-and-resumed case_get_full_and_resumed
run_case list-prefix-delimiter case_list_prefix_delimiter
run_case copy-move-modify case_copy_and_modify
run_case sync case_sync
run_case multipart-listing case_multipart_listing
run_case errors case_errors
run_case delete case_delete
run_case bucket-delete case_bucket_delete
((CONF_CASE_FAILURES == 0))
