#!/usr/bin/env bash
# Scenario tls: the gateway on an https listener (self-signed certificate made for the run)
# beside a plain one. The aws CLI and the Azure Python SDK trust that certificate and move
# objects over TLS; a SAS signed for https only works over TLS and is refused on plain HTTP;
# a renewed certificate is served after SIGHUP without a restart. Run by conformance/run.sh,
# which starts the gateway with CONF_TLS_CERT / CONF_TLS_KEY (environment in lib/common.sh).
set -euo pipefail
source "$CONF_ROOT/lib/common.sh"

B=conf-tls
W=$CONF_WORK
# The ready file lists the https listener first, then the plain one.
PLAIN=$(grep -m1 '^http://' "$CONF_STATE/ready")
[[ "$TESSERA_ENDPOINT" == https://* ]] || { echo "endpoint $TESSERA_ENDPOINT is not https" >&2; exit 1; }

aws_tls() { "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" --ca-bundle "$CONF_TLS_CERT" "$@"; }

conf_make_file "$W/obj.bin" $((20 * 1024 * 1024 + 12345))

case_awscli_over_tls() {
  aws_tls s3 mb "s3://$B"
  # 20 MiB: the CLI uploads it in parts, each part over its own TLS connection.
  aws_tls s3 cp "$W/obj.bin" "s3://$B/obj.bin" --no-progress
  aws_tls s3 cp "s3://$B/obj.bin" "$W/obj.out" --no-progress
  expect_same_file "$W/obj.out" "$W/obj.bin"
  local out
  out=$(aws_tls s3api list-objects-v2 --bucket "$B")
  expect_eq "$(json_get "$out" 'd["Contents"][0]["Size"]')" "$(stat -c %s "$W/obj.bin")" "listed size"
}

case_untrusted_certificate_refused() {
  # Without the CA bundle the CLI must refuse the self-signed certificate: TLS is real.
  expect_fail_with SSL "$CONF_AWS" --endpoint-url "$TESSERA_ENDPOINT" s3 ls
}

case_azure_sdk_over_tls() {
  "$CONF_PY" - "$TESSERA_ENDPOINT/$CONF_ACCESS_KEY" "$CONF_ACCESS_KEY" "$CONF_SECRET_KEY" \
    "$CONF_TLS_CERT" "$W/obj.bin" <<'PY'
import hashlib, sys
from azure.storage.blob import BlobServiceClient
url, name, key, ca, path = sys.argv[1:]
# Blocks of 4 MiB: the 20 MiB blob goes up as staged blocks and a block list.
svc = BlobServiceClient(url, credential={"account_name": name, "account_key": key},
                        connection_verify=ca, max_single_put_size=4 << 20,
                        max_block_size=4 << 20)
c = svc.create_container("conf-tls-blob")
data = open(path, "rb").read()
c.upload_blob("obj.bin", data, max_concurrency=2)
got = c.download_blob("obj.bin", max_concurrency=2).readall()
assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest(), "content differs"
names = [b.name for b in c.list_blobs()]
assert names == ["obj.bin"], names
# The object written through S3 over TLS is read through Blob over TLS.
s3obj = svc.get_blob_client("conf-tls", "obj.bin").download_blob().readall()
assert s3obj == data, "cross-dialect read differs"
print("ok", len(got))
PY
}

case_https_only_sas() {
  local sas
  sas=$("$CONF_PY" - "$CONF_ACCESS_KEY" "$CONF_SECRET_KEY" <<'PY'
import datetime, sys
from azure.storage.blob import BlobSasPermissions, generate_blob_sas
print(generate_blob_sas(sys.argv[1], "conf-tls-blob", "obj.bin", account_key=sys.argv[2],
                        permission=BlobSasPermissions(read=True), protocol="https",
                        expiry=datetime.datetime.utcnow() + datetime.timedelta(hours=1)))
PY
)
  expect_contains "$sas" "spr=https" "SAS protocol"
  curl -sS --fail --cacert "$CONF_TLS_CERT" -o "$W/sas.out" \
    "$TESSERA_ENDPOINT/$CONF_ACCESS_KEY/conf-tls-blob/obj.bin?$sas"
  expect_same_file "$W/sas.out" "$W/obj.bin"
  local code
  code=$(curl -sS -o "$W/sas.err" -w '%{http_code}' \
    "$PLAIN/$CONF_ACCESS_KEY/conf-tls-blob/obj.bin?$sas")
  conf_show_body "$W/sas.err"
  expect_eq "$code" 403 "https-only SAS over plain HTTP"
  expect_file_contains "$W/sas.err" AuthorizationProtocolMismatch "error code"
}

serial() {
  openssl s_client -connect "${TESSERA_ENDPOINT#https://}" -CAfile "$1" </dev/null 2>/dev/null |
    openssl x509 -noout -serial
}

case_certificate_reload_on_sighup() {
  local before after pid
  before=$(serial "$CONF_TLS_CERT")
  [[ -n "$before" ]] || fail "no certificate served"
  # Renew in place (new key, new serial), as a certificate manager would, then SIGHUP.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$W/new.key" -out "$W/new.crt" 2>/dev/null
  cp "$W/new.key" "$CONF_TLS_KEY"
  cp "$W/new.crt" "$CONF_TLS_CERT"
  pid=$(<"$CONF_STATE/gateway.pid")
  kill -HUP "$pid"
  sleep 0.5
  after=$(serial "$CONF_TLS_CERT")
  [[ -n "$after" && "$after" != "$before" ]] || fail "served serial $after, before $before"
  # Clients that trust the new certificate work at once; the process is the same.
  aws_tls s3 ls "s3://$B/"
  expect_eq "$(<"$CONF_STATE/gateway.pid")" "$pid" "gateway pid"
}

case_cleanup() {
  aws_tls s3 rb --force "s3://$B"
  "$CONF_PY" - "$TESSERA_ENDPOINT/$CONF_ACCESS_KEY" "$CONF_ACCESS_KEY" "$CONF_SECRET_KEY" \
    "$CONF_TLS_CERT" <<'PY'
import sys
from azure.storage.blob import BlobServiceClient
url, name, key, ca = sys.argv[1:]
BlobServiceClient(url, credential={"account_name": name, "account_key": key},
                  connection_verify=ca).delete_container("conf-tls-blob")
PY
}

run_case awscli-over-tls case_awscli_over_tls
run_case untrusted-certificate-refused case_untrusted_certificate_refused
run_case azure-sdk-over-tls case_azure_sdk_over_tls
run_case https-only-sas case_https_only_sas
run_case certificate-reload-on-sighup case_certificate_reload_on_sighup
run_case cleanup case_cleanup
((CONF_CASE_FAILURES == 0))
