#!/usr/bin/env bash
# Scenario blob_azcli: Debian's Azure CLI (`az storage container ...`, `az storage blob ...`,
# with --connection-string; state in a temp AZURE_CONFIG_DIR, no telemetry) against the
# gateway's Blob dialect: containers and their metadata, small and 100 MiB uploads (the
# CLI's own block upload on several connections), full and ranged downloads, listings with
# prefix and delimiter, batch upload/download, copy, SAS made by `generate-sas` and used by
# curl and by the CLI, deletes and error codes. Run by conformance/run.sh (environment in
# lib/common.sh). Every `az` call starts a Python interpreter (about 2 s), so the cases keep
# their call count low.
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

C=conf-az
L=conf-az-list
W=$CONF_WORK

azs() { "$CONF_AZ" storage "$@" --connection-string "$CONF_BLOB_CONN" --only-show-errors; }

conf_make_file "$W/small.bin" 45678
BIG=$(conf_big_file)

case_container_create() {
  local out
  out=$(azs container create -n "$C" --metadata purpose=conformance owner=az -o json)
  expect_eq "$(json_get "$out" 'd["created"]')" true "container create"
  out=$(azs container create -n "$L" -o json)
  expect_eq "$(json_get "$out" 'd["created"]')" true "container create (list)"
  # Creating it again is not an error for the CLI: it reports created=false (409 underneath).
  out=$(azs container create -n "$C" -o json)
  expect_eq "$(json_get "$out" 'd["created"]')" false "container create again"
  out=$(azs container list --prefix conf-az --include-metadata -o json)
  expect_eq "$(json_get "$out" '[c["name"] for c in d]')" "[\"$C\", \"$L\"]" "container list"
  expect_eq "$(json_get "$out" 'd[0]["metadata"]')" \
    '{"owner": "az", "purpose": "conformance"}' "listed container metadata"
  out=$(azs container exists -n "$C" -o json)
  expect_eq "$(json_get "$out" 'd["exists"]')" true "container exists"
}

case_container_metadata() {
  azs container metadata update -n "$C" --metadata color=green note=updated -o none
  local out
  out=$(azs container metadata show -n "$C" -o json)
  expect_eq "$(json_get "$out" 'd')" '{"color": "green", "note": "updated"}' "container metadata"
}

case_upload_small_metadata() {
  azs blob upload -c "$C" -n small.bin -f "$W/small.bin" --content-type text/x-az \
    --content-cache-control max-age=30 --metadata color=blue owner=az -o none
  local out
  out=$(azs blob show -c "$C" -n small.bin -o json)
  echo "$out" | head -c 3000
  expect_eq "$(json_get "$out" 'd["properties"]["contentLength"]')" 45678 "contentLength"
  expect_eq "$(json_get "$out" 'd["properties"]["contentSettings"]["contentType"]')" text/x-az \
    "contentType"
  expect_eq "$(json_get "$out" 'd["properties"]["contentSettings"]["cacheControl"]')" max-age=30 \
    "cacheControl"
  expect_eq "$(json_get "$out" 'd["properties"]["blobType"]')" BlockBlob "blobType"
  expect_eq "$(json_get "$out" 'd["metadata"]')" '{"color": "blue", "owner": "az"}' "metadata"
  # Content-MD5 as base64 in the properties.
  expect_eq "$(json_get "$out" 'd["properties"]["contentSettings"]["contentMd5"]')" \
    "$(openssl dgst -md5 -binary "$W/small.bin" | base64)" "contentMd5"
  # Metadata update replaces the set.
  azs blob metadata update -c "$C" -n small.bin --metadata color=red -o none
  out=$(azs blob metadata show -c "$C" -n small.bin -o json)
  expect_eq "$(json_get "$out" 'd')" '{"color": "red"}' "metadata after update"
}

case_upload_100mib() {
  # The CLI splits uploads above 64 MiB into 4 MiB blocks on --max-connections workers.
  azs blob upload -c "$C" -n big.bin -f "$BIG" --max-connections 4 --content-type \
    application/x-big -o none
  local out
  out=$(azs blob show -c "$C" -n big.bin -o json)
  expect_eq "$(json_get "$out" 'd["properties"]["contentLength"]')" "$CONF_BIG_SIZE" "size"
  expect_eq "$(json_get "$out" 'd["properties"]["contentSettings"]["contentType"]')" \
    application/x-big "contentType"
}

case_download_full_ranged() {
  azs blob download -c "$C" -n small.bin -f "$W/small.out" -o none
  expect_same_file "$W/small.out" "$W/small.bin"
  azs blob download -c "$C" -n big.bin -f "$W/big.out" --max-connections 4 -o none
  expect_same_file "$W/big.out" "$BIG"
  rm -f "$W/big.out"
  local first=$((30 * 1024 * 1024 + 17)) last=$((33 * 1024 * 1024))
  azs blob download -c "$C" -n big.bin -f "$W/range.out" --start-range "$first" \
    --end-range "$last" -o none
  expect_eq "$(stat -c %s "$W/range.out")" $((last - first + 1)) "range size"
  expect_eq "$(conf_sha "$W/range.out")" "$(conf_range_sha "$BIG" "$first" "$last")" "range"
}

case_list_prefix_delimiter() {
  mkdir -p "$W/tree/a" "$W/tree/b"
  head -c 100 /dev/urandom >"$W/tree/a/1"
  head -c 200 /dev/urandom >"$W/tree/a/2"
  head -c 300 /dev/urandom >"$W/tree/b/1"
  head -c 400 /dev/urandom >"$W/tree/top"
  # upload-batch: one Put Blob per file, names relative to the source directory.
  azs blob upload-batch -d "$L" -s "$W/tree" -o none
  local out
  out=$(azs blob list -c "$L" --query '[].name' -o tsv | tr '\n' ' ')
  expect_eq "$out" "a/1 a/2 b/1 top " "flat list"
  out=$(azs blob list -c "$L" --prefix a/ --query '[].[name, properties.contentLength]' -o tsv |
    tr '\t\n' ': ')
  expect_eq "$out" "a/1:100 a/2:200 " "list --prefix a/"
  out=$(azs blob list -c "$L" --delimiter / --query '[].name' -o tsv | tr '\n' ' ')
  expect_eq "$out" "a/ b/ top " "list --delimiter /"
  out=$(azs blob list -c "$L" --prefix b/ --delimiter / --query '[].name' -o tsv | tr '\n' ' ')
  expect_eq "$out" "b/1 " "list --prefix b/ --delimiter /"
  # Pagination: --num-results with the marker the CLI prints (--show-next-marker).
  out=$(azs blob list -c "$L" --num-results 3 --show-next-marker -o json)
  echo "$out"
  expect_eq "$(json_get "$out" '[b.get("name") for b in d if "name" in b]')" \
    '["a/1", "a/2", "b/1"]' "first page of 3"
  local marker
  marker=$(json_get "$out" '[b["nextMarker"] for b in d if "nextMarker" in b][0]')
  [[ -n "$marker" && "$marker" != None ]] || fail "no next marker after a full page"
  out=$(azs blob list -c "$L" --num-results 3 --marker "$marker" --query '[].name' -o tsv |
    tr '\n' ' ')
  expect_eq "$out" "top " "second page"
  # download-batch with a pattern.
  mkdir -p "$W/back"
  azs blob download-batch -d "$W/back" -s "$L" --pattern 'a/*' -o none
  diff -r "$W/tree/a" "$W/back/a"
  [[ ! -e "$W/back/top" ]] || fail "download-batch --pattern 'a/*' fetched top"
}

case_copy() {
  local out
  out=$(azs blob copy start --destination-container "$L" --destination-blob copy/small.bin \
    --source-container "$C" --source-blob small.bin -o json)
  echo "$out"
  expect_eq "$(json_get "$out" 'd["copy_status"] if "copy_status" in d else d["copyStatus"]')" \
    success "copy status"
  azs blob download -c "$L" -n copy/small.bin -f "$W/copy.out" -o none
  expect_same_file "$W/copy.out" "$W/small.bin"
  out=$(azs blob metadata show -c "$L" -n copy/small.bin -o json)
  expect_eq "$(json_get "$out" 'd')" '{"color": "red"}' "copied metadata"
  # From a URL with a SAS (another container).
  local sas
  sas=$(azs blob generate-sas -c "$C" -n big.bin --permissions r \
    --expiry "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%MZ)" -o tsv)
  out=$(azs blob copy start --destination-container "$L" --destination-blob copy/big.bin \
    --source-uri "$CONF_BLOB_URL/$C/big.bin?$sas" -o json)
  echo "$out"
  out=$(azs blob show -c "$L" -n copy/big.bin --query properties.contentLength -o tsv)
  expect_eq "$out" "$CONF_BIG_SIZE" "copied big size"
  azs blob download -c "$L" -n copy/big.bin -f "$W/copy-range.out" --start-range 1000 \
    --end-range 1999999 -o none
  expect_eq "$(conf_sha "$W/copy-range.out")" "$(conf_range_sha "$BIG" 1000 1999999)" \
    "copied big range"
}

case_sas() {
  local expiry sas url code
  expiry=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%MZ)
  url=$(azs blob generate-sas -c "$C" -n small.bin --permissions r --expiry "$expiry" \
    --full-uri -o tsv)
  echo "$url"
  code=$(curl -s -o "$W/sas.out" -w '%{http_code}' "$url")
  expect_eq "$code" 200 "GET with a blob SAS"
  expect_same_file "$W/sas.out" "$W/small.bin"
  # The read-only SAS does not allow a write.
  code=$(curl -s -o "$W/sas-put.out" -w '%{http_code}' -X PUT -H 'x-ms-blob-type: BlockBlob' \
    --data-binary @"$W/small.bin" "$url")
  conf_show_body "$W/sas-put.out"
  expect_eq "$code" 403 "PUT with a read-only SAS"
  expect_file_contains "$W/sas-put.out" AuthorizationPermissionMismatch "PUT with read-only SAS"
  # A container SAS with read/list/write used by the CLI itself (--sas-token).
  sas=$(azs container generate-sas -n "$C" --permissions rwl --expiry "$expiry" -o tsv)
  local -a sasargs=(--account-name "$CONF_ACCESS_KEY" --blob-endpoint "$CONF_BLOB_URL"
    --sas-token "$sas" --only-show-errors)
  "$CONF_AZ" storage blob upload -c "$C" -n sas/cli.bin -f "$W/small.bin" "${sasargs[@]}" -o none
  local out
  out=$("$CONF_AZ" storage blob list -c "$C" --prefix sas/ --query '[].name' -o tsv \
    "${sasargs[@]}")
  expect_eq "$out" "sas/cli.bin" "list with a container SAS"
  "$CONF_AZ" storage blob download -c "$C" -n sas/cli.bin -f "$W/sas-cli.out" "${sasargs[@]}" \
    -o none
  expect_same_file "$W/sas-cli.out" "$W/small.bin"
  # The CLI replaces the message of a 403 AuthorizationPermissionMismatch by this advice
  # (azure-cli's storage exception handler keys it on that error code).
  expect_fail_with "do not have the required permissions" "$CONF_AZ" storage blob delete \
    -c "$C" -n sas/cli.bin "${sasargs[@]}"
  # Expired SAS.
  url=$(azs blob generate-sas -c "$C" -n small.bin --permissions r \
    --start "$(date -u -d '-2 hour' +%Y-%m-%dT%H:%MZ)" \
    --expiry "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%MZ)" --full-uri -o tsv)
  code=$(curl -s -o "$W/expired.out" -w '%{http_code}' "$url")
  conf_show_body "$W/expired.out"
  expect_eq "$code" 403 "GET with an expired SAS"
  expect_file_contains "$W/expired.out" AuthenticationFailed "expired SAS"
  # Account SAS.
  sas=$(azs account generate-sas --services b --resource-types sco --permissions rl \
    --expiry "$expiry" -o tsv)
  out=$("$CONF_AZ" storage container list --prefix conf-az --query '[].name' -o tsv \
    --account-name "$CONF_ACCESS_KEY" --blob-endpoint "$CONF_BLOB_URL" --sas-token "$sas" \
    --only-show-errors | tr '\n' ' ')
  expect_eq "$out" "$C $L " "container list with an account SAS"
}

case_errors() {
  expect_fail_with BlobNotFound azs blob show -c "$C" -n no-such-blob
  expect_fail_with BlobNotFound azs blob download -c "$C" -n no-such-blob -f "$W/none.out"
  expect_fail_with ContainerNotFound azs blob list -c conf-az-missing
  expect_fail_with ContainerNotFound azs blob upload -c conf-az-missing -n x -f "$W/small.bin"
  # Upload without --overwrite sends If-None-Match: * (Azure: 409 BlobAlreadyExists; the
  # CLI's message names it).
  expect_fail_with BlobAlreadyExists azs blob upload -c "$C" -n small.bin -f "$W/small.bin"
  local out
  out=$(azs blob exists -c "$C" -n no-such-blob -o json)
  expect_eq "$(json_get "$out" 'd["exists"]')" false "blob exists (missing)"
  # The CLI prints this for a 403 AuthenticationFailed (its handler keys it on the code).
  expect_fail_with "Authentication failure" "$CONF_AZ" storage container list --only-show-errors \
    --connection-string "${CONF_BLOB_CONN/AccountKey=Eby8/AccountKey=Xby8}"
}

case_delete() {
  azs blob delete -c "$C" -n small.bin -o none
  local out
  out=$(azs blob exists -c "$C" -n small.bin -o json)
  expect_eq "$(json_get "$out" 'd["exists"]')" false "deleted blob"
  azs blob delete-batch -s "$L" --pattern 'copy/*' -o none
  out=$(azs blob list -c "$L" --query '[].name' -o tsv | tr '\n' ' ')
  expect_eq "$out" "a/1 a/2 b/1 top " "after delete-batch"
  out=$(azs container delete -n "$C" -o json)
  expect_eq "$(json_get "$out" 'd["deleted"]')" true "container delete"
  azs container delete -n "$L" -o none
  out=$(azs container list --prefix conf-az --query '[].name' -o tsv)
  expect_eq "$out" "" "containers left"
  out=$(azs container exists -n "$C" -o json)
  expect_eq "$(json_get "$out" 'd["exists"]')" false "container exists after delete"
}

echo "azure-cli $(dpkg-query -W -f='${Version}' azure-cli 2>/dev/null || echo '?')," \
  "blob endpoint $CONF_BLOB_URL"
run_case container-create case_container_create
run_case container-metadata case_container_metadata
run_case upload-small-metadata case_upload_small_metadata
run_case upload-100MiB case_upload_100mib
run_case download-full-ranged case_download_full_ranged
run_case list-prefix-delimiter case_list_prefix_delimiter
run_case copy case_copy
run_case sas case_sas
run_case errors case_errors
run_case delete case_delete
((CONF_CASE_FAILURES == 0))
