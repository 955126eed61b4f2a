#!/usr/bin/env bash
# Scenario blob_cross: one namespace behind both dialects. Objects written with the aws CLI
# (S3, including a 20 MiB multipart upload with a content type and user metadata) are read
# with the az CLI and the Azure Python SDK (Blob); blobs written with the Python SDK
# (Put Blob and a block upload) are read with `aws s3api head-object` / `get-object`. Bytes
# are compared by SHA-256; content type and metadata must survive the crossing, and both
# dialects must list the same names. Run by conformance/run.sh (environment in
# lib/common.sh).
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

B=conf-cross
W=$CONF_WORK
MIB=$((1024 * 1024))

awsc() { "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" "$@"; }
azs() { "$CONF_AZ" storage "$@" --connection-string "$CONF_BLOB_CONN" --only-show-errors; }

# blobpy SCRIPT ARGS...: runs SCRIPT with the Python SDK; `svc` is a BlobServiceClient for
# the development account (4 MiB blocks above 8 MiB), `args` the remaining arguments.
blobpy() {
  local script=$1
  shift
  "$CONF_PY" - "$@" <<EOF
import hashlib, json, sys
from azure.storage.blob import BlobServiceClient, ContentSettings
svc = BlobServiceClient.from_connection_string(sys.argv[1], max_block_size=4 * 1024 * 1024,
                                               max_single_put_size=8 * 1024 * 1024)
args = sys.argv[2:]
$script
EOF
}

conf_make_file "$W/s3-small.bin" 7777
conf_make_file "$W/s3-20MiB.bin" $((20 * MIB))
conf_make_file "$W/blob-small.bin" 8888
conf_make_file "$W/blob-12MiB.bin" $((12 * MIB))

case_s3_upload() {
  awsc s3 mb "s3://$B"
  awsc s3 cp "$W/s3-small.bin" "s3://$B/from-s3/small.bin" --content-type text/x-from-s3 \
    --metadata color=blue,owner=aws
  # Above the CLI's 8 MiB threshold: a multipart upload of 3 parts.
  awsc s3 cp "$W/s3-20MiB.bin" "s3://$B/from-s3/multipart.bin" \
    --content-type application/x-multipart --metadata color=green,parts=three
  local out
  out=$(awsc s3api head-object --bucket "$B" --key from-s3/multipart.bin)
  [[ "$(json_get "$out" 'd["ETag"]')" == *-3\" ]] || fail "not a 3-part multipart ETag: $out"
}

case_read_s3_objects_with_az() {
  local name file out
  for name in small multipart; do
    file=$W/s3-small.bin
    [[ $name == multipart ]] && file=$W/s3-20MiB.bin
    azs blob download -c "$B" -n "from-s3/$name.bin" -f "$W/az-$name.out" -o none
    expect_same_file "$W/az-$name.out" "$file"
  done
  out=$(azs blob show -c "$B" -n from-s3/small.bin -o json)
  expect_eq "$(json_get "$out" 'd["properties"]["contentSettings"]["contentType"]')" \
    text/x-from-s3 "content type (small)"
  expect_eq "$(json_get "$out" 'd["metadata"]')" '{"color": "blue", "owner": "aws"}' \
    "metadata (small)"
  expect_eq "$(json_get "$out" 'd["properties"]["contentLength"]')" 7777 "length (small)"
  expect_eq "$(json_get "$out" 'd["properties"]["blobType"]')" BlockBlob "blob type"
  out=$(azs blob show -c "$B" -n from-s3/multipart.bin -o json)
  expect_eq "$(json_get "$out" 'd["properties"]["contentSettings"]["contentType"]')" \
    application/x-multipart "content type (multipart)"
  expect_eq "$(json_get "$out" 'd["metadata"]')" '{"color": "green", "parts": "three"}' \
    "metadata (multipart)"
  # A range of the multipart object, across the first part boundary (8 MiB).
  local first=$((8 * MIB - 100)) last=$((8 * MIB + 99))
  azs blob download -c "$B" -n from-s3/multipart.bin -f "$W/az-range.out" \
    --start-range "$first" --end-range "$last" -o none
  expect_eq "$(conf_sha "$W/az-range.out")" "$(conf_range_sha "$W/s3-20MiB.bin" "$first" "$last")" \
    "range across a part boundary"
}

case_read_s3_objects_with_python() {
  local out
  out=$(blobpy '
result = {}
for name in ("small", "multipart"):
    bc = svc.get_blob_client("'"$B"'", f"from-s3/{name}.bin")
    p = bc.get_blob_properties()
    data = bc.download_blob(max_concurrency=2).readall()
    result[name] = {"sha": hashlib.sha256(data).hexdigest(), "size": p.size,
                    "type": p.content_settings.content_type, "meta": dict(p.metadata)}
print(json.dumps(result))
' "$CONF_BLOB_CONN")
  echo "$out"
  expect_eq "$(json_get "$out" 'd["small"]["sha"]')" "$(conf_sha "$W/s3-small.bin")" "small SHA"
  expect_eq "$(json_get "$out" 'd["multipart"]["sha"]')" "$(conf_sha "$W/s3-20MiB.bin")" \
    "multipart SHA"
  expect_eq "$(json_get "$out" '[d["small"]["type"], d["multipart"]["type"]]')" \
    '["text/x-from-s3", "application/x-multipart"]' "content types"
  expect_eq "$(json_get "$out" '[d["small"]["meta"], d["multipart"]["meta"]]')" \
    '[{"color": "blue", "owner": "aws"}, {"color": "green", "parts": "three"}]' "metadata"
  expect_eq "$(json_get "$out" 'd["multipart"]["size"]')" $((20 * MIB)) "multipart size"
}

case_blob_upload_s3_read() {
  blobpy '
cc = svc.get_container_client("'"$B"'")
with open(args[0], "rb") as f:
    cc.upload_blob("from-blob/small.bin", f, metadata={"color": "red", "owner": "python"},
                   content_settings=ContentSettings(content_type="text/x-from-blob",
                                                    cache_control="max-age=5"))
with open(args[1], "rb") as f:  # 12 MiB in 4 MiB blocks: Put Block x3 + Put Block List
    cc.upload_blob("from-blob/blocks.bin", f, max_concurrency=3, metadata={"blocks": "3"},
                   content_settings=ContentSettings(content_type="application/x-blocks"))
committed, _ = cc.get_blob_client("from-blob/blocks.bin").get_block_list("committed")
assert len(committed) == 3, f"{len(committed)} blocks"
' "$CONF_BLOB_CONN" "$W/blob-small.bin" "$W/blob-12MiB.bin"
  local out
  out=$(awsc s3api head-object --bucket "$B" --key from-blob/small.bin)
  echo "$out"
  expect_eq "$(json_get "$out" 'd["ContentLength"]')" 8888 "ContentLength"
  expect_eq "$(json_get "$out" 'd["ContentType"]')" text/x-from-blob "ContentType"
  expect_eq "$(json_get "$out" 'd.get("CacheControl")')" max-age=5 "CacheControl"
  expect_eq "$(json_get "$out" 'd["Metadata"]')" '{"color": "red", "owner": "python"}' "Metadata"
  # A single Put Blob has the MD5 of its content as S3 ETag.
  expect_eq "$(json_get "$out" 'd["ETag"]')" "\"$(conf_md5 "$W/blob-small.bin")\"" "ETag"
  awsc s3api get-object --bucket "$B" --key from-blob/small.bin "$W/s3-get-small.out" >/dev/null
  expect_same_file "$W/s3-get-small.out" "$W/blob-small.bin"
  out=$(awsc s3api head-object --bucket "$B" --key from-blob/blocks.bin)
  echo "$out"
  expect_eq "$(json_get "$out" '[d["ContentLength"], d["ContentType"], d["Metadata"]]')" \
    "[$((12 * MIB)), \"application/x-blocks\", {\"blocks\": \"3\"}]" "blocks.bin head"
  awsc s3api get-object --bucket "$B" --key from-blob/blocks.bin "$W/s3-get-blocks.out" >/dev/null
  expect_same_file "$W/s3-get-blocks.out" "$W/blob-12MiB.bin"
  # A ranged S3 GET across the first block boundary (4 MiB).
  awsc s3api get-object --bucket "$B" --key from-blob/blocks.bin \
    --range "bytes=$((4 * MIB - 10))-$((4 * MIB + 9))" "$W/s3-range.out" >/dev/null
  expect_eq "$(conf_sha "$W/s3-range.out")" \
    "$(conf_range_sha "$W/blob-12MiB.bin" $((4 * MIB - 10)) $((4 * MIB + 9)))" "S3 range"
  awsc s3 cp "s3://$B/from-blob/blocks.bin" "$W/s3-cp-blocks.out"
  expect_same_file "$W/s3-cp-blocks.out" "$W/blob-12MiB.bin"
}

case_same_listing() {
  local s3_names az_names py_names
  s3_names=$(awsc s3api list-objects-v2 --bucket "$B" --query 'Contents[].Key' --output text |
    tr '\t' '\n' | tr '\n' ' ')
  az_names=$(azs blob list -c "$B" --query '[].name' -o tsv | tr '\n' ' ')
  py_names=$(blobpy '
print(" ".join(b.name for b in svc.get_container_client("'"$B"'").list_blobs()))
' "$CONF_BLOB_CONN")
  local want="from-blob/blocks.bin from-blob/small.bin from-s3/multipart.bin from-s3/small.bin "
  expect_eq "$s3_names" "$want" "S3 ListObjectsV2"
  expect_eq "$az_names" "$want" "Blob List Blobs (az)"
  expect_eq "$py_names " "$want" "Blob List Blobs (Python)"
  # Delimited listings agree too.
  s3_names=$(awsc s3api list-objects-v2 --bucket "$B" --delimiter / \
    --query 'CommonPrefixes[].Prefix' --output text | tr '\t' ' ')
  az_names=$(azs blob list -c "$B" --delimiter / --query '[].name' -o tsv | tr '\n' ' ')
  expect_eq "$s3_names " "from-blob/ from-s3/ " "S3 CommonPrefixes"
  expect_eq "$az_names" "from-blob/ from-s3/ " "Blob BlobPrefix"
  # The container is the bucket: both list it.
  local out
  out=$(awsc s3api list-buckets --query 'Buckets[].Name' --output text)
  expect_contains "$out" "$B" "S3 ListBuckets"
  out=$(azs container list --prefix conf-cross --query '[].name' -o tsv)
  expect_eq "$out" "$B" "Blob List Containers"
}

case_delete_across() {
  # Deleted through Blob, gone for S3; deleted through S3, gone for Blob.
  azs blob delete -c "$B" -n from-s3/small.bin -o none
  expect_fail_with 404 awsc s3api head-object --bucket "$B" --key from-s3/small.bin
  awsc s3 rm "s3://$B/from-blob/small.bin"
  expect_fail_with BlobNotFound azs blob show -c "$B" -n from-blob/small.bin
  awsc s3 rm --recursive "s3://$B/"
  local out
  out=$(azs blob list -c "$B" --query '[].name' -o tsv)
  expect_eq "$out" "" "empty after S3 deletes"
  # Bucket deleted through S3: the container is gone.
  awsc s3 rb "s3://$B"
  out=$(azs container exists -n "$B" -o json)
  expect_eq "$(json_get "$out" 'd["exists"]')" false "container after s3 rb"
}

run_case s3-upload case_s3_upload
run_case read-s3-objects-with-az case_read_s3_objects_with_az
run_case read-s3-objects-with-python case_read_s3_objects_with_python
run_case blob-upload-s3-read case_blob_upload_s3_read
run_case same-listing case_same_listing
run_case delete-across case_delete_across
((CONF_CASE_FAILURES == 0))
