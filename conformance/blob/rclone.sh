#!/usr/bin/env bash
# Scenario blob_rclone: Debian's rclone, azureblob backend, against the gateway's Blob
# dialect: mkdir, small and 100 MiB copies (its own block upload, several blocks in
# flight), lsf / lsjson listings with MD5s, ranged cat, check --download, sync, server-side
# copy, delete, rmdir / purge. Run by conformance/run.sh (environment in lib/common.sh).
#
# How rclone reaches the gateway: rclone 1.60's azureblob backend (azure-storage-blob-go)
# builds its service URL as https://<account>.<endpoint>, so `endpoint` cannot name
# http://127.0.0.1:PORT/devstoreaccount1 (that option takes a full URL only from rclone 1.61,
# with the newer SDK), and `use_emulator` is fixed to port 10000. `sas_url` is used as given:
# an account-level SAS URL (path-style account, no container) is rclone's service URL, so the
# remote below is `type = azureblob` + `sas_url = <gateway>/devstoreaccount1?<account SAS>`.
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

C=conf-rclone-blob
W=$CONF_WORK
R=tessera-blob:
CFG=$W/rclone-blob.conf

cat >"$CFG" <<EOF
[tessera-blob]
type = azureblob
sas_url = $CONF_BLOB_URL?$(conf_account_sas racwdl)
EOF
chmod 600 "$CFG"

rcl() {
  rclone --config "$CFG" --retries 1 --low-level-retries 2 --contimeout 10s --timeout 120s "$@"
}

conf_make_file "$W/small.bin" 56789
BIG=$(conf_big_file)

case_mkdir() {
  rcl mkdir "$R$C"
  local out
  out=$(rcl lsd "$R")
  expect_contains "$out" " $C" "lsd"
}

case_copy_small() {
  rcl copyto "$W/small.bin" "$R$C/dir/small.bin"
  local out
  out=$(rcl lsjson --stat "$R$C/dir/small.bin")
  echo "$out"
  expect_eq "$(json_get "$out" 'd["Size"]')" 56789 "Size"
  # rclone 1.60's azureblob backend takes the content type from the file name (it ignores
  # --header-upload) and sends it as x-ms-blob-content-type with the block list.
  echo "a text file" >"$W/note.txt"
  rcl copyto "$W/note.txt" "$R$C/dir/note.txt"
  out=$(rcl lsjson --stat "$R$C/dir/note.txt")
  expect_eq "$(json_get "$out" 'd["MimeType"]')" "text/plain; charset=utf-8" "MimeType"
  rcl copyto "$R$C/dir/small.bin" "$W/small.out"
  expect_same_file "$W/small.out" "$W/small.bin"
}

case_copy_100mib_chunked() {
  # 8 MiB blocks, 4 in flight: 13 Put Block calls and one Put Block List.
  rcl copy "$BIG" "$R$C/" --azureblob-chunk-size 8M --azureblob-upload-concurrency 4
  local out
  out=$(rcl lsjson --stat "$R$C/big.bin")
  echo "$out"
  expect_eq "$(json_get "$out" 'd["Size"]')" "$CONF_BIG_SIZE" "Size"
  rcl copyto "$R$C/big.bin" "$W/big.out" --multi-thread-streams 4 --multi-thread-cutoff 32M
  expect_same_file "$W/big.out" "$BIG"
  rm -f "$W/big.out"
  local off=$((70 * 1024 * 1024 + 11)) cnt=3000000
  rcl cat --offset "$off" --count "$cnt" "$R$C/big.bin" >"$W/range.out"
  expect_eq "$(conf_sha "$W/range.out")" "$(conf_range_sha "$BIG" "$off" $((off + cnt - 1)))" \
    "cat --offset --count"
}

case_listing() {
  local k out
  for k in list/a/1 list/a/2 list/b/1 list/top; do
    rcl copyto "$W/small.bin" "$R$C/$k"
  done
  out=$(rcl lsf "$R$C/list" | tr '\n' ' ')
  expect_eq "$out" "a/ b/ top " "lsf (delimiter)"
  out=$(rcl lsf "$R$C/list/a" | tr '\n' ' ')
  expect_eq "$out" "1 2 " "lsf list/a"
  out=$(rcl lsf -R --files-only "$R$C/list" | tr '\n' ' ')
  expect_eq "$out" "a/1 a/2 b/1 top " "lsf -R"
  # One blob per listing page: markers.
  out=$(rcl lsf -R --files-only --azureblob-list-chunk 1 "$R$C/list" | tr '\n' ' ')
  expect_eq "$out" "a/1 a/2 b/1 top " "lsf -R, 1 per page"
  out=$(rcl lsjson -R "$R$C/list")
  expect_eq "$(json_get "$out" 'sorted((e["Path"], e["IsDir"]) for e in d)')" \
    '[["a", true], ["a/1", false], ["a/2", false], ["b", true], ["b/1", false], ["top", false]]' \
    "lsjson -R"
  out=$(rcl size --json "$R$C/list")
  expect_eq "$(json_get "$out" '[d["count"], d["bytes"]]')" "[4, $((4 * 56789))]" "size"
}

case_md5_hashes() {
  # rclone uploads even small files as Put Block + Put Block List and sends the whole
  # file's MD5 as x-ms-blob-content-md5 with the block list; Azure keeps it as the blob's
  # Content-MD5, which rclone reads back (HEAD and listings) as its md5 hash.
  local out
  out=$(rcl lsjson --stat --hash "$R$C/dir/small.bin")
  echo "$out"
  expect_eq "$(json_get "$out" 'd.get("Hashes", {}).get("md5")')" "$(conf_md5 "$W/small.bin")" \
    "MD5 of the small blob (HEAD)"
  out=$(rcl lsjson --hash "$R$C/")
  expect_eq "$(json_get "$out" \
    '{e["Name"]: e.get("Hashes", {}).get("md5") for e in d if not e["IsDir"]}')" \
    "{\"big.bin\": \"$(conf_md5 "$BIG")\"}" "MD5 of the 100 MiB blob (listing)"
  rcl md5sum "$R$C/dir" | tee "$W/md5sum.out"
  expect_file_contains "$W/md5sum.out" "$(conf_md5 "$W/small.bin")  small.bin" "md5sum"
}

case_sync_check() {
  mkdir -p "$W/tree/sub"
  head -c 4000 /dev/urandom >"$W/tree/one"
  head -c 300000 /dev/urandom >"$W/tree/sub/two"
  head -c 0 /dev/urandom >"$W/tree/sub/empty"
  rcl sync "$W/tree" "$R$C/tree"
  rcl check "$W/tree" "$R$C/tree"
  rcl check --download "$W/tree" "$R$C/tree"
  # A changed remote file is found by check --download.
  head -c 4000 /dev/urandom >"$W/other"
  rcl copyto "$W/other" "$R$C/tree/one"
  expect_fail_with "1 differences found" rcl check --download "$W/tree" "$R$C/tree"
  rcl sync "$W/tree" "$R$C/tree"
  rcl check --download "$W/tree" "$R$C/tree"
  # Server-side copy inside the remote (Copy Blob).
  rcl copyto "$R$C/tree/sub/two" "$R$C/tree-copy/two"
  rcl check --download "$W/tree/sub" "$R$C/tree-copy" --include two
}

case_delete() {
  rcl deletefile "$R$C/dir/small.bin"
  local out
  out=$(rcl lsf "$R$C/dir" 2>&1 || true)
  [[ "$out" != *small.bin* ]] || fail "small.bin still listed: $out"
  rcl delete "$R$C/list"
  out=$(rcl lsf -R "$R$C/list" 2>&1 || true)
  [[ "$out" != *top* ]] || fail "list/ not empty: $out"
  # A missing object (HEAD: 404 BlobNotFound).
  expect_fail_with "doesn't exist" rcl deletefile "$R$C/no-such-blob"
}

case_rmdir() {
  # rmdir of a non-empty container fails in rclone itself (it lists first).
  expect_fail_with "not empty" rcl rmdir "$R$C"
  rcl purge "$R$C/tree"
  rcl purge "$R$C"
  local out
  out=$(rcl lsd "$R")
  [[ "$out" != *"$C"* ]] || fail "container still listed: $out"
  rcl mkdir "$R$C-empty"
  rcl rmdir "$R$C-empty"
  out=$(rcl lsd "$R")
  [[ "$out" != *"$C-empty"* ]] || fail "empty container still listed after rmdir: $out"
}

echo "$(rclone version | head -1), blob endpoint $CONF_BLOB_URL"
run_case mkdir case_mkdir
run_case copy-small case_copy_small
run_case copy-100MiB-chunked case_copy_100mib_chunked
run_case listing case_listing
run_case md5-hashes case_md5_hashes
run_case sync-check case_sync_check
run_case delete case_delete
run_case rmdir case_rmdir
((CONF_CASE_FAILURES == 0))
