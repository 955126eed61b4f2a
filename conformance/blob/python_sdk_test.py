#!/usr/bin/python3
"""Scenario blob_python: Debian's azure-storage-blob (python3-azure-storage, run with
/usr/bin/python3) against the gateway's Blob dialect.

Uses the SDK's own upload and download logic (upload_blob with several workers and small
blocks, so a 100 MiB blob becomes 25 Put Block calls in parallel and one Put Block List;
download_blob with parallel ranged GETs) and the single-call APIs: containers and their
metadata and access policies, hierarchical and flat listings with pagination, copy, staged
blocks, SAS (blob, container, account, stored policy), anonymous reads of public
containers, and the error codes Azure defines for the failure cases. Run by
conformance/run.sh, which provides the environment described in conformance/lib/common.sh;
results go to $CONF_RESULTS as "PASS blob_python/<case>" / "FAIL blob_python/<case>" lines.
"""

import base64
import contextlib
import datetime
import hashlib
import io
import os
import sys
import time
import traceback

import azure.core
import azure.storage.blob
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import (AccessPolicy, AccountSasPermissions, BlobBlock,
                                BlobClient, BlobSasPermissions, BlobServiceClient,
                                BlockState, ContainerClient, ContainerSasPermissions,
                                ContentSettings, ExponentialRetry, ResourceTypes,
                                generate_account_sas, generate_blob_sas,
                                generate_container_sas)

SCENARIO = os.environ.get("CONF_SCENARIO", "blob_python")
ENDPOINT = os.environ["TESSERA_ENDPOINT"]
WORK = os.environ["CONF_WORK"]
SRC = os.environ["CONF_SRC"]
RESULTS = os.environ["CONF_RESULTS"]
ACCOUNT = "devstoreaccount1"
KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
       "K1SZFPTOtr/KBHBeksoGMGw==")
ACCOUNT_URL = f"{ENDPOINT}/{ACCOUNT}"
CONN_STR = (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={ACCOUNT_URL};")
MIB = 1024 * 1024
BIG_SIZE = 100 * MIB
BLOCK_SIZE = 4 * MIB

CONTAINER = "conf-py"
LIST_CONTAINER = "conf-py-list"
PUBLIC_CONTAINER = "conf-py-public"


def client_options():
    # One quick retry at most: retries would hide gateway errors (the SDK default backs off
    # for 15 s and more).
    return dict(retry_policy=ExponentialRetry(initial_backoff=1, increment_base=2,
                                              retry_total=1),
                connection_timeout=10, read_timeout=120)


def make_service(credential=KEY):
    # Blocks of 4 MiB above 8 MiB: the 100 MiB upload is 25 Put Block calls.
    return BlobServiceClient(ACCOUNT_URL, credential=credential, max_block_size=BLOCK_SIZE,
                             max_single_put_size=8 * MIB, **client_options())


svc = BlobServiceClient.from_connection_string(CONN_STR, max_block_size=BLOCK_SIZE,
                                               max_single_put_size=8 * MIB,
                                               **client_options())


# ----------------------------------------------------------------------------------------
# Helpers.

def make_file(path, size):
    if not os.path.exists(path) or os.path.getsize(path) != size:
        with open(path + ".tmp", "wb") as f:
            remaining = size
            while remaining:
                n = min(remaining, 4 * MIB)
                f.write(os.urandom(n))
                remaining -= n
        os.replace(path + ".tmp", path)
    return path


def sha256_file(path, first=0, last=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(first)
        remaining = (os.path.getsize(path) - first) if last is None else last - first + 1
        while remaining > 0:
            chunk = f.read(min(remaining, 4 * MIB))
            if not chunk:
                break
            h.update(chunk)
            remaining -= len(chunk)
    return h.hexdigest()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def expect_eq(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"


def expect_error(fn, code, status, *args, **kwargs):
    """fn(*args, **kwargs) must raise HttpResponseError with this x-ms-error-code / status
    (or one of the (code, status) pairs when `code` is a list)."""
    wanted = code if isinstance(code, list) else [(code, status)]
    try:
        fn(*args, **kwargs)
    except HttpResponseError as e:
        got = (getattr(e.error_code, "value", e.error_code), e.status_code)
        print(f"  {fn.__name__}: got HTTP {e.status_code} {got[0]}: "
              f"{str(e.message).splitlines()[0] if e.message else ''}")
        assert got in wanted, (
            f"{fn.__name__}: got HTTP {e.status_code} {got[0]}, want one of {wanted}")
        return e
    raise AssertionError(f"{fn.__name__}{args} succeeded; want one of {wanted}")


# Azure hides what an anonymous caller may not see (404 ResourceNotFound); some emulators
# answer 401/403 instead. Any of these is a refusal.
ANON_REFUSED = [("ResourceNotFound", 404), ("NoAuthenticationInformation", 401),
                ("AuthorizationFailure", 403)]


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def blob_names(items):
    return [b.name for b in items]


SMALL = make_file(os.path.join(WORK, "small.bin"), 23456)
BIG = make_file(os.path.join(SRC, "big.bin"), BIG_SIZE)
SMALL_DATA = read_file(SMALL)
sent_versions = set()


def record_version(request):
    sent_versions.add(request.http_request.headers.get("x-ms-version"))


# ----------------------------------------------------------------------------------------
# Cases (run in order; later ones use containers and blobs made by earlier ones).

def case_container_create_list():
    svc.create_container(CONTAINER, metadata={"purpose": "conformance", "owner": "py"},
                         raw_request_hook=record_version)
    print(f"x-ms-version sent: {sorted(v for v in sent_versions if v)}")
    svc.create_container(LIST_CONTAINER)
    listed = {c.name: c for c in svc.list_containers(name_starts_with="conf-py",
                                                     include_metadata=True)}
    expect_eq(sorted(listed), [CONTAINER, LIST_CONTAINER], "list_containers names")
    expect_eq(dict(listed[CONTAINER].metadata), {"purpose": "conformance", "owner": "py"},
              "listed container metadata")
    # Pagination over containers: one per page.
    pages = svc.list_containers(name_starts_with="conf-py", results_per_page=1).by_page()
    paged = [[c.name for c in page] for page in pages]
    expect_eq(paged, [[CONTAINER], [LIST_CONTAINER]], "list_containers one per page")
    props = svc.get_container_client(CONTAINER).get_container_properties()
    expect_eq(props.name, CONTAINER, "container properties name")
    assert props.etag and props.last_modified, f"etag/last_modified missing: {props}"
    expect_eq(props.public_access, None, "public_access of a new container")


def case_container_metadata():
    cc = svc.get_container_client(CONTAINER)
    before = cc.get_container_properties()
    expect_eq(dict(before.metadata), {"purpose": "conformance", "owner": "py"}, "initial")
    cc.set_container_metadata(metadata={"color": "green", "note": "Value With Spaces"})
    after = cc.get_container_properties()
    # Set Container Metadata replaces the whole set.
    expect_eq(dict(after.metadata), {"color": "green", "note": "Value With Spaces"},
              "metadata after set")
    assert after.etag != before.etag, "container ETag did not change with its metadata"
    cc.set_container_metadata(metadata={})
    expect_eq(dict(cc.get_container_properties().metadata), {}, "metadata after clear")


def case_blob_small_metadata():
    bc = svc.get_blob_client(CONTAINER, "small.bin")
    settings = ContentSettings(content_type="application/x-conformance",
                               cache_control="max-age=60", content_disposition="inline",
                               content_language="en")
    resp = bc.upload_blob(SMALL_DATA, metadata={"color": "blue", "note": "Value 1"},
                          content_settings=settings)
    expect_eq(bytes(resp["content_md5"]), hashlib.md5(SMALL_DATA).digest(), "Put Blob MD5")
    props = bc.get_blob_properties()
    expect_eq(props.size, len(SMALL_DATA), "size")
    expect_eq(str(props.blob_type), "BlobType.BLOCKBLOB", "blob type")
    expect_eq(props.content_settings.content_type, "application/x-conformance", "content type")
    expect_eq(props.content_settings.cache_control, "max-age=60", "cache control")
    expect_eq(props.content_settings.content_disposition, "inline", "content disposition")
    expect_eq(props.content_settings.content_language, "en", "content language")
    expect_eq(bytes(props.content_settings.content_md5), hashlib.md5(SMALL_DATA).digest(),
              "stored Content-MD5")
    expect_eq(dict(props.metadata), {"color": "blue", "note": "Value 1"}, "metadata")
    expect_eq(props.etag, resp["etag"], "ETag of HEAD vs PUT")
    # Metadata round trip: Set Blob Metadata replaces the set and changes the ETag.
    bc.set_blob_metadata({"color": "red", "added": "yes"})
    props2 = bc.get_blob_properties()
    expect_eq(dict(props2.metadata), {"color": "red", "added": "yes"}, "metadata after set")
    assert props2.etag != props.etag, "ETag unchanged after Set Blob Metadata"
    expect_eq(props2.content_settings.content_type, "application/x-conformance",
              "content type kept by Set Blob Metadata")
    # Set Blob Properties replaces the HTTP headers and keeps the metadata.
    bc.set_http_headers(ContentSettings(content_type="text/plain",
                                        content_md5=props.content_settings.content_md5))
    props3 = bc.get_blob_properties()
    expect_eq(props3.content_settings.content_type, "text/plain", "content type after set")
    expect_eq(props3.content_settings.cache_control, None, "cache control cleared")
    expect_eq(dict(props3.metadata), {"color": "red", "added": "yes"}, "metadata kept")
    expect_eq(bc.download_blob().readall(), SMALL_DATA, "body unchanged")


def case_metadata_name_case():
    # Azure keeps the case of metadata names (they compare case-insensitively).
    cc = svc.get_container_client(CONTAINER)
    cc.set_container_metadata(metadata={"CamelCase": "Keeps Case", "lower": "x"})
    expect_eq(dict(cc.get_container_properties().metadata),
              {"CamelCase": "Keeps Case", "lower": "x"}, "container metadata names")
    cc.set_container_metadata(metadata={})
    bc = cc.get_blob_client("case/meta.bin")
    bc.upload_blob(b"x", metadata={"MixedCase": "v1", "UPPER": "v2"})
    expect_eq(dict(bc.get_blob_properties().metadata), {"MixedCase": "v1", "UPPER": "v2"},
              "blob metadata names")
    listed = list(cc.list_blobs(name_starts_with="case/", include=["metadata"]))
    expect_eq([dict(b.metadata) for b in listed], [{"MixedCase": "v1", "UPPER": "v2"}],
              "listed metadata names")
    bc.delete_blob()


def case_upload_100mib_blocks():
    bc = svc.get_blob_client(CONTAINER, "big.bin")
    with open(BIG, "rb") as f:
        bc.upload_blob(f, length=BIG_SIZE, max_concurrency=4, metadata={"size": "100MiB"},
                       content_settings=ContentSettings(content_type="application/x-big"))
    props = bc.get_blob_properties()
    expect_eq(props.size, BIG_SIZE, "size")
    expect_eq(props.content_settings.content_type, "application/x-big", "content type")
    expect_eq(dict(props.metadata), {"size": "100MiB"}, "metadata")
    committed, uncommitted = bc.get_block_list("all")
    expect_eq(len(committed), BIG_SIZE // BLOCK_SIZE, "committed block count")
    expect_eq({b.size for b in committed}, {BLOCK_SIZE}, "block sizes")
    expect_eq(uncommitted, [], "uncommitted blocks after commit")


def case_download_full_ranged():
    bc = svc.get_blob_client(CONTAINER, "big.bin")
    out = os.path.join(WORK, "big.out")
    with open(out, "wb") as f:
        # The SDK's parallel download: ranged GETs of 4 MiB on 4 workers.
        n = bc.download_blob(max_concurrency=4).readinto(f)
    expect_eq(n, BIG_SIZE, "bytes downloaded")
    expect_eq(sha256_file(out), sha256_file(BIG), "SHA-256 of the 100 MiB download")
    os.remove(out)
    for offset, length in [(0, 1), (40 * MIB + 3, 2_000_000), (BIG_SIZE - 999, 999),
                           (17 * MIB - 5, 9 * MIB)]:
        data = bc.download_blob(offset=offset, length=length).readall()
        expect_eq(len(data), length, f"range {offset}+{length} length")
        expect_eq(sha256_bytes(data), sha256_file(BIG, offset, offset + length - 1),
                  f"range {offset}+{length}")
    # validate_content asks for x-ms-range-get-content-md5 and checks the returned MD5.
    data = bc.download_blob(offset=5 * MIB + 1, length=MIB, validate_content=True).readall()
    expect_eq(sha256_bytes(data), sha256_file(BIG, 5 * MIB + 1, 6 * MIB), "MD5-checked range")
    # Open-ended range from an offset.
    data = bc.download_blob(offset=BIG_SIZE - 4096).readall()
    expect_eq(sha256_bytes(data), sha256_file(BIG, BIG_SIZE - 4096), "offset to the end")
    small = svc.get_blob_client(CONTAINER, "small.bin").download_blob().readall()
    expect_eq(sha256_bytes(small), sha256_bytes(SMALL_DATA), "small download")


def case_list_hierarchical_flat():
    cc = svc.get_container_client(LIST_CONTAINER)
    for name in ["a/1", "a/2", "a/sub/3", "b/1", "top"]:
        cc.upload_blob(name, name.encode(), metadata={"name": name.replace("/", "-")})
    top = list(cc.walk_blobs(delimiter="/"))
    expect_eq([(type(i).__name__, i.name) for i in top],
              [("BlobPrefix", "a/"), ("BlobPrefix", "b/"), ("BlobProperties", "top")],
              "walk_blobs top level")
    # A BlobPrefix iterates its own level; the SDK yields a page's prefixes before its blobs.
    nested = [(type(i).__name__, i.name) for i in top[0]]
    expect_eq(nested, [("BlobPrefix", "a/sub/"), ("BlobProperties", "a/1"),
                       ("BlobProperties", "a/2")], "walk_blobs under a/")
    under_a = list(cc.walk_blobs(name_starts_with="a/", delimiter="/"))
    expect_eq([i.name for i in under_a], ["a/sub/", "a/1", "a/2"], "walk_blobs a/")
    expect_eq([i.name for i in list(under_a[0])], ["a/sub/3"], "walk_blobs a/sub/")
    expect_eq(blob_names(cc.list_blobs()), ["a/1", "a/2", "a/sub/3", "b/1", "top"], "flat")
    with_prefix = list(cc.list_blobs(name_starts_with="a/", include=["metadata"]))
    expect_eq(blob_names(with_prefix), ["a/1", "a/2", "a/sub/3"], "flat with prefix")
    expect_eq([dict(b.metadata) for b in with_prefix],
              [{"name": "a-1"}, {"name": "a-2"}, {"name": "a-sub-3"}], "listed metadata")
    expect_eq([b.size for b in with_prefix], [3, 3, 7], "listed sizes")
    # Without include=metadata no metadata is listed.
    expect_eq([dict(b.metadata or {}) for b in cc.list_blobs(name_starts_with="a/")],
              [{}, {}, {}], "metadata not asked for")
    expect_eq(blob_names(cc.list_blobs(name_starts_with="zzz")), [], "no match")


def case_list_pagination():
    cc = svc.get_container_client(LIST_CONTAINER)
    pages = cc.list_blobs(results_per_page=2).by_page()
    got, tokens = [], []
    for page in pages:
        got.append([b.name for b in page])
        tokens.append(pages.continuation_token)
    expect_eq(got, [["a/1", "a/2"], ["a/sub/3", "b/1"], ["top"]], "pages of 2")
    assert all(tokens[:2]) and not tokens[2], f"continuation tokens {tokens}"
    # Resume from the first page's marker.
    resumed = cc.list_blobs(results_per_page=2).by_page(continuation_token=tokens[0])
    expect_eq([b.name for b in next(resumed)], ["a/sub/3", "b/1"], "resumed page")
    # Hierarchical listing, one entry per page (prefixes count as entries).
    pages = cc.walk_blobs(delimiter="/", results_per_page=1).by_page()
    names = [[i.name for i in page] for page in pages]
    expect_eq(names, [["a/"], ["b/"], ["top"]], "hierarchical pages of 1")


def case_copy():
    src = svc.get_blob_client(CONTAINER, "small.bin")
    dst = svc.get_blob_client(CONTAINER, "copy/small-copy.bin")
    result = dst.start_copy_from_url(src.url)
    print(f"start_copy_from_url: {result}")
    # The gateway copies synchronously (Azure may answer "pending" for large copies).
    expect_eq(result["copy_status"], "success", "x-ms-copy-status of Copy Blob")
    assert result["copy_id"], "x-ms-copy-id missing"
    props = dst.get_blob_properties()
    expect_eq(dst.download_blob().readall(), SMALL_DATA, "copied body")
    # Without new metadata the source's metadata is copied.
    expect_eq(dict(props.metadata), {"color": "red", "added": "yes"}, "copied metadata")
    # With metadata given, it replaces the source's.
    dst2 = svc.get_blob_client(LIST_CONTAINER, "zz-copy")
    result = dst2.start_copy_from_url(src.url, metadata={"copied": "true"})
    expect_eq(result["copy_status"], "success", "copy status (metadata)")
    props = dst2.get_blob_properties()
    expect_eq(dict(props.metadata), {"copied": "true"}, "replaced metadata")
    # A server-side copy of the 100 MiB blob, checked by a range.
    big_copy = svc.get_blob_client(CONTAINER, "copy/big-copy.bin")
    result = big_copy.start_copy_from_url(svc.get_blob_client(CONTAINER, "big.bin").url)
    expect_eq(result["copy_status"], "success", "big copy status")
    expect_eq(big_copy.get_blob_properties().size, BIG_SIZE, "big copy size")
    data = big_copy.download_blob(offset=50_000_000, length=1_000_000).readall()
    expect_eq(sha256_bytes(data), sha256_file(BIG, 50_000_000, 50_999_999), "big copy range")
    big_copy.delete_blob()
    dst2.delete_blob()


def case_copy_properties():
    # Get Blob Properties of a copy's destination reports the copy: x-ms-copy-id, -status,
    # -source, -progress, -completion-time.
    src = svc.get_blob_client(CONTAINER, "small.bin")
    dst = svc.get_blob_client(CONTAINER, "copy/props.bin")
    result = dst.start_copy_from_url(src.url)
    headers = {}
    props = dst.get_blob_properties(
        raw_response_hook=lambda r: headers.update(r.http_response.headers))
    print(f"copy properties: {props.copy}")
    expect_eq(props.copy.status, "success", "x-ms-copy-status")
    expect_eq(props.copy.id, result["copy_id"], "x-ms-copy-id")
    expect_eq(props.copy.progress, f"{len(SMALL_DATA)}/{len(SMALL_DATA)}", "x-ms-copy-progress")
    assert props.copy.source and props.copy.source.endswith(f"/{CONTAINER}/small.bin"), (
        f"x-ms-copy-source {props.copy.source!r}")
    # This SDK version reads the completion time under a misspelt key and always reports
    # None, so check the header on the wire.
    assert headers.get("x-ms-copy-completion-time", "").endswith(" GMT"), (
        f"x-ms-copy-completion-time {headers.get('x-ms-copy-completion-time')!r}")
    dst.delete_blob()


def case_sas():
    expiry = utcnow() + datetime.timedelta(hours=1)
    src = svc.get_blob_client(CONTAINER, "small.bin")
    # Blob SAS, read only.
    sas = generate_blob_sas(ACCOUNT, CONTAINER, "small.bin", account_key=KEY,
                            permission=BlobSasPermissions(read=True), expiry=expiry)
    print(f"blob SAS: {sas}")
    reader = BlobClient.from_blob_url(f"{src.url}?{sas}", **client_options())
    expect_eq(reader.download_blob().readall(), SMALL_DATA, "read through a blob SAS")
    expect_eq(reader.get_blob_properties().size, len(SMALL_DATA), "HEAD through a blob SAS")
    expect_error(reader.upload_blob, "AuthorizationPermissionMismatch", 403, b"x",
                 overwrite=True)
    # The SAS names one blob: another blob with it is refused.
    other = BlobClient.from_blob_url(f"{ACCOUNT_URL}/{CONTAINER}/big.bin?{sas}",
                                     **client_options())
    expect_error(other.get_blob_properties, "AuthenticationFailed", 403)
    # Blob SAS with create + write: uploads work.
    wsas = generate_blob_sas(ACCOUNT, CONTAINER, "sas/written.bin", account_key=KEY,
                             permission=BlobSasPermissions(create=True, write=True),
                             expiry=expiry)
    writer = BlobClient.from_blob_url(f"{ACCOUNT_URL}/{CONTAINER}/sas/written.bin?{wsas}",
                                      **client_options())
    writer.upload_blob(b"written with a SAS")
    expect_eq(svc.get_blob_client(CONTAINER, "sas/written.bin").download_blob().readall(),
              b"written with a SAS", "blob written through a SAS")
    expect_error(writer.download_blob, "AuthorizationPermissionMismatch", 403)
    # Expired SAS.
    old = generate_blob_sas(ACCOUNT, CONTAINER, "small.bin", account_key=KEY,
                            permission=BlobSasPermissions(read=True),
                            start=utcnow() - datetime.timedelta(hours=2),
                            expiry=utcnow() - datetime.timedelta(hours=1))
    expired = BlobClient.from_blob_url(f"{src.url}?{old}", **client_options())
    expect_error(expired.download_blob, "AuthenticationFailed", 403)
    # A SAS signed with another key.
    bad_key = base64.b64encode(b"not the account key, 32 bytes...").decode()
    forged = generate_blob_sas(ACCOUNT, CONTAINER, "small.bin", account_key=bad_key,
                               permission=BlobSasPermissions(read=True), expiry=expiry)
    expect_error(BlobClient.from_blob_url(f"{src.url}?{forged}", **client_options())
                 .download_blob, "AuthenticationFailed", 403)

    # Container SAS, read + list.
    csas = generate_container_sas(ACCOUNT, CONTAINER, account_key=KEY,
                                  permission=ContainerSasPermissions(read=True, list=True),
                                  expiry=expiry)
    cc = ContainerClient.from_container_url(f"{ACCOUNT_URL}/{CONTAINER}?{csas}",
                                            **client_options())
    names = blob_names(cc.list_blobs())
    assert "small.bin" in names and "big.bin" in names, f"list through a container SAS: {names}"
    expect_eq(cc.get_blob_client("small.bin").download_blob().readall(), SMALL_DATA,
              "read through a container SAS")
    expect_error(cc.upload_blob, "AuthorizationPermissionMismatch", 403, "sas/denied", b"x")
    expect_error(cc.get_blob_client("small.bin").delete_blob,
                 "AuthorizationPermissionMismatch", 403)
    # A container SAS does not reach another container.
    elsewhere = ContainerClient.from_container_url(f"{ACCOUNT_URL}/{LIST_CONTAINER}?{csas}",
                                                   **client_options())
    expect_error(lambda: list(elsewhere.list_blobs()), "AuthenticationFailed", 403)

    # Account SAS: service + container + object, read + list.
    asas = generate_account_sas(ACCOUNT, KEY,
                                resource_types=ResourceTypes(service=True, container=True,
                                                             object=True),
                                permission=AccountSasPermissions(read=True, list=True),
                                expiry=expiry)
    asvc = BlobServiceClient(ACCOUNT_URL, credential=asas, **client_options())
    names = [c.name for c in asvc.list_containers(name_starts_with="conf-py")]
    expect_eq(names, [CONTAINER, LIST_CONTAINER], "list_containers with an account SAS")
    expect_eq(asvc.get_blob_client(CONTAINER, "small.bin").download_blob().readall(),
              SMALL_DATA, "read with an account SAS")
    expect_error(asvc.create_container, "AuthorizationPermissionMismatch", 403,
                 "conf-py-denied")


def case_account_sas_resource_type():
    # Account SAS for objects only: listing containers (a service call) is refused.
    expiry = utcnow() + datetime.timedelta(hours=1)
    osas = generate_account_sas(ACCOUNT, KEY, resource_types=ResourceTypes(object=True),
                                permission=AccountSasPermissions(read=True, list=True),
                                expiry=expiry)
    osvc = BlobServiceClient(ACCOUNT_URL, credential=osas, **client_options())
    expect_eq(osvc.get_blob_client(CONTAINER, "small.bin").download_blob().readall(),
              SMALL_DATA, "read with an object-only account SAS")
    expect_error(lambda: list(osvc.list_containers()), "AuthorizationResourceTypeMismatch",
                 403)


def case_stored_access_policy():
    cc = svc.get_container_client(CONTAINER)
    start = (utcnow() - datetime.timedelta(minutes=5)).replace(microsecond=0)
    expiry = (utcnow() + datetime.timedelta(hours=1)).replace(microsecond=0)
    cc.set_container_access_policy(signed_identifiers={
        "readpol": AccessPolicy(permission=ContainerSasPermissions(read=True),
                                start=start, expiry=expiry)})
    acl = cc.get_container_access_policy()
    print(f"access policy: {acl}")
    expect_eq(acl["public_access"], None, "public access")
    expect_eq([s.id for s in acl["signed_identifiers"]], ["readpol"], "identifiers")
    expect_eq(acl["signed_identifiers"][0].access_policy.permission, "r", "permission")
    sas = generate_blob_sas(ACCOUNT, CONTAINER, "small.bin", account_key=KEY,
                            policy_id="readpol")
    reader = BlobClient.from_blob_url(f"{ACCOUNT_URL}/{CONTAINER}/small.bin?{sas}",
                                      **client_options())
    expect_eq(reader.download_blob().readall(), SMALL_DATA, "read through a policy SAS")
    expect_error(reader.upload_blob, "AuthorizationPermissionMismatch", 403, b"x",
                 overwrite=True)
    # Removing the policy revokes the SAS.
    cc.set_container_access_policy(signed_identifiers={})
    expect_eq(cc.get_container_access_policy()["signed_identifiers"], [], "identifiers gone")
    expect_error(reader.download_blob, "AuthenticationFailed", 403)


def case_public_access():
    svc.create_container(PUBLIC_CONTAINER, public_access="container")
    owner = svc.get_container_client(PUBLIC_CONTAINER)
    owner.upload_blob("pub/one.txt", b"public one")
    expect_eq(owner.get_container_properties().public_access, "container", "public access")
    anon = ContainerClient(ACCOUNT_URL, PUBLIC_CONTAINER, **client_options())
    expect_eq(blob_names(anon.list_blobs()), ["pub/one.txt"], "anonymous list")
    expect_eq(anon.get_blob_client("pub/one.txt").download_blob().readall(), b"public one",
              "anonymous read")
    expect_error(anon.upload_blob, ANON_REFUSED, None, "pub/anon-write", b"x")
    expect_eq(blob_names(owner.list_blobs()), ["pub/one.txt"], "anonymous write refused")
    # "blob" level: blobs can be read anonymously, the container cannot be listed.
    owner.set_container_access_policy(signed_identifiers={}, public_access="blob")
    expect_eq(owner.get_container_properties().public_access, "blob", "public access blob")
    expect_eq(anon.get_blob_client("pub/one.txt").download_blob().readall(), b"public one",
              "anonymous read (blob level)")
    expect_error(lambda: list(anon.list_blobs()), ANON_REFUSED, None)
    # Private again: anonymous reads are refused.
    owner.set_container_access_policy(signed_identifiers={})
    expect_eq(owner.get_container_properties().public_access, None, "private again")
    expect_error(anon.get_blob_client("pub/one.txt").download_blob, ANON_REFUSED, None)
    # A private container of the account is not readable anonymously either.
    expect_error(ContainerClient(ACCOUNT_URL, CONTAINER, **client_options())
                 .get_blob_client("small.bin").download_blob, ANON_REFUSED, None)
    svc.delete_container(PUBLIC_CONTAINER)


def case_errors():
    cc = svc.get_container_client(CONTAINER)
    missing = cc.get_blob_client("no/such/blob")
    expect_error(missing.get_blob_properties, "BlobNotFound", 404)
    expect_error(missing.download_blob, "BlobNotFound", 404)
    expect_error(missing.delete_blob, "BlobNotFound", 404)
    nocont = svc.get_container_client("conf-py-missing")
    expect_error(nocont.get_container_properties, "ContainerNotFound", 404)
    expect_error(lambda: list(nocont.list_blobs()), "ContainerNotFound", 404)
    expect_error(nocont.upload_blob, "ContainerNotFound", 404, "x", b"x")
    expect_error(nocont.delete_container, "ContainerNotFound", 404)
    expect_error(svc.create_container, "ContainerAlreadyExists", 409, CONTAINER)
    bc = cc.get_blob_client("small.bin")
    etag = bc.get_blob_properties().etag
    expect_error(bc.download_blob, "ConditionNotMet", 412, etag='"0x8D000000BOGUS"',
                 match_condition=MatchConditions.IfNotModified)
    expect_error(bc.set_blob_metadata, "ConditionNotMet", 412, {"x": "y"},
                 etag='"0x8D000000BOGUS"', match_condition=MatchConditions.IfNotModified)
    expect_eq(bc.download_blob(etag=etag, match_condition=MatchConditions.IfNotModified)
              .readall(), SMALL_DATA, "If-Match with the current ETag")
    # Azure answers 304 with x-ms-error-code ConditionNotMet (the SDK then raises
    # ResourceModifiedError).
    expect_error(bc.get_blob_properties, "ConditionNotMet", 304, etag=etag,
                 match_condition=MatchConditions.IfModified)
    expect_error(bc.download_blob, "InvalidRange", 416, offset=len(SMALL_DATA) + 10, length=5)
    wrong = make_service(credential={"account_name": ACCOUNT,
                                     "account_key": base64.b64encode(b"x" * 64).decode()})
    expect_error(wrong.get_container_client(CONTAINER).get_container_properties,
                 "AuthenticationFailed", 403)
    expect_eq(bc.download_blob().readall(), SMALL_DATA, "blob unchanged by failed calls")


def case_put_if_none_match_star():
    # upload_blob(overwrite=False) sends If-None-Match: *; Azure refuses an existing blob
    # with 409 BlobAlreadyExists (header and body).
    bc = svc.get_blob_client(CONTAINER, "small.bin")
    expect_error(bc.upload_blob, "BlobAlreadyExists", 409, b"other")
    expect_eq(bc.download_blob().readall(), SMALL_DATA, "blob unchanged")
    fresh = svc.get_blob_client(CONTAINER, "if-none-match/new.bin")
    fresh.upload_blob(b"new")  # If-None-Match: * on a new name succeeds
    expect_eq(fresh.download_blob().readall(), b"new", "new blob")
    fresh.delete_blob()


def case_tags():
    # Index tags: on upload, Set/Get Blob Tags, the count in properties and listings.
    bc = svc.get_blob_client(CONTAINER, "tags/obj")
    bc.upload_blob(b"tagged", tags={"project": "alpha", "env": "test"}, overwrite=True)
    expect_eq(bc.get_blob_tags(), {"project": "alpha", "env": "test"}, "tags from upload")
    expect_eq(bc.get_blob_properties().tag_count, 2, "tag count")
    etag = bc.get_blob_properties().etag
    bc.set_blob_tags({"owner": "ops"})
    expect_eq(bc.get_blob_tags(), {"owner": "ops"}, "tags replaced")
    expect_eq(bc.get_blob_properties().etag, etag, "ETag kept by Set Blob Tags")
    listed = [b for b in svc.get_container_client(CONTAINER).list_blobs(
        name_starts_with="tags/", include=["tags"])]
    expect_eq([(b.name, b.tag_count, b.tags) for b in listed],
              [("tags/obj", 1, {"owner": "ops"})], "listing with tags")
    expect_error(bc.set_blob_tags, "InvalidTag", 400, {"bad!": "x"})
    # Find Blobs by Tags (account and container) and a tag-conditioned read.
    found = [(b.name, b.container_name) for b in svc.find_blobs_by_tags("\"owner\" = 'ops'")]
    expect_eq(found, [("tags/obj", CONTAINER)], "find_blobs_by_tags")
    cc = svc.get_container_client(CONTAINER)
    expect_eq([b.name for b in cc.find_blobs_by_tags("\"owner\" = 'nobody'")], [],
              "container find, no match")
    expect_eq(bc.download_blob(if_tags_match_condition="\"owner\" = 'ops'").readall(),
              b"tagged", "read with a matching tag condition")
    expect_error(bc.download_blob, "ConditionNotMet", 412,
                 if_tags_match_condition="\"owner\" = 'dev'")
    bc.delete_blob()


def case_versions():
    # Versions kept through S3's versioning (Azure switches them on per account, through its
    # management plane): the SDK's version ids, listings with versions, reads and deletes.
    import boto3
    from botocore.config import Config
    cc = svc.get_container_client("conf-py-versions")
    cc.create_container()
    s3 = boto3.session.Session().client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=ACCOUNT, aws_secret_access_key=KEY,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    s3.put_bucket_versioning(Bucket="conf-py-versions",
                             VersioningConfiguration={"Status": "Enabled"})
    bc = cc.get_blob_client("doc")
    first = bc.upload_blob(b"first", overwrite=True)["version_id"]
    second = bc.upload_blob(b"second", overwrite=True)["version_id"]
    assert first and second and first != second, (first, second)
    listed = [(b.name, b.version_id, b.is_current_version)
              for b in cc.list_blobs(include=["versions"])]
    expect_eq(sorted(listed, key=lambda t: t[1]),
              [("doc", first, None), ("doc", second, True)], "versions listed")
    expect_eq(bc.download_blob(version_id=first).readall(), b"first", "read by version id")
    expect_eq(bc.download_blob().readall(), b"second", "current version")
    expect_eq(bc.get_blob_properties(version_id=first).is_current_version, False,
              "an older version is not current")
    expect_eq(bc.get_blob_properties().is_current_version, True, "the current version")
    bc.delete_blob(version_id=first)
    expect_eq([b.version_id for b in cc.list_blobs(include=["versions"])], [second],
              "a version deleted")
    bc.delete_blob()
    expect_error(bc.get_blob_properties, "BlobNotFound", 404)
    expect_eq([(b.version_id, b.is_current_version) for b in cc.list_blobs(include=["versions"])],
              [(second, None)], "only the earlier version is left")
    expect_eq(bc.download_blob(version_id=second).readall(), b"second", "kept version")
    cc.delete_container()


def case_staged_blocks():
    bc = svc.get_blob_client(CONTAINER, "staged.bin")
    chunks = [os.urandom(100_000), os.urandom(200_000), os.urandom(300_000)]
    ids = ["block-000", "block-001", "block-002"]
    for bid, data in zip(ids, chunks):
        bc.stage_block(bid, data)
    committed, uncommitted = bc.get_block_list("all")
    expect_eq(committed, [], "committed before commit")
    expect_eq(sorted((b.id, b.size) for b in uncommitted),
              [(i, len(d)) for i, d in zip(ids, chunks)], "uncommitted blocks")
    expect_error(bc.get_blob_properties, "BlobNotFound", 404)
    cc = svc.get_container_client(CONTAINER)
    expect_eq([n for n in blob_names(cc.list_blobs()) if n == "staged.bin"], [],
              "uncommitted blob not listed by default")
    expect_eq([n for n in blob_names(cc.list_blobs(include=["uncommittedblobs"]))
               if n == "staged.bin"], ["staged.bin"], "listed with include=uncommittedblobs")
    # Commit two of three, in another order; the third is discarded.
    bc.commit_block_list([BlobBlock(ids[2]), BlobBlock(ids[0])], metadata={"staged": "1"})
    expect_eq(bc.download_blob().readall(), chunks[2] + chunks[0], "committed content")
    committed, uncommitted = bc.get_block_list("all")
    expect_eq([(b.id, b.size) for b in committed],
              [(ids[2], len(chunks[2])), (ids[0], len(chunks[0]))], "committed list")
    expect_eq(uncommitted, [], "uncommitted after commit")
    # Append a block: the committed ones by state Committed, the new one Uncommitted.
    extra = os.urandom(12345)
    bc.stage_block("block-003", extra)
    bc.commit_block_list([BlobBlock(ids[2], BlockState.Committed),
                          BlobBlock(ids[0], BlockState.Committed),
                          BlobBlock("block-003", BlockState.Uncommitted)])
    expect_eq(bc.download_blob().readall(), chunks[2] + chunks[0] + extra, "appended")
    expect_eq(dict(bc.get_blob_properties().metadata), {}, "metadata of the new commit")
    # Put Block From URL: a block copied from a range of another blob.
    src = svc.get_blob_client(CONTAINER, "big.bin")
    sas = generate_blob_sas(ACCOUNT, CONTAINER, "big.bin", account_key=KEY,
                            permission=BlobSasPermissions(read=True),
                            expiry=utcnow() + datetime.timedelta(hours=1))
    fb = svc.get_blob_client(CONTAINER, "from-url.bin")
    fb.stage_block_from_url("url-0", f"{src.url}?{sas}", source_offset=MIB, source_length=MIB)
    fb.stage_block("url-1", b"tail")
    fb.commit_block_list([BlobBlock("url-0"), BlobBlock("url-1")])
    got = fb.download_blob().readall()
    expect_eq(sha256_bytes(got[:MIB]), sha256_file(BIG, MIB, 2 * MIB - 1), "block from URL")
    expect_eq(got[MIB:], b"tail", "block after it")
    # Committing an unknown block id is refused.
    expect_error(bc.commit_block_list, "InvalidBlockList", 400, [BlobBlock("block-999")])


def case_delete():
    cc = svc.get_container_client(CONTAINER)
    cc.delete_blob("staged.bin")
    expect_error(cc.get_blob_client("staged.bin").get_blob_properties, "BlobNotFound", 404)
    assert "staged.bin" not in blob_names(cc.list_blobs()), "staged.bin still listed"
    # Deleting a container deletes its blobs.
    svc.delete_container(CONTAINER)
    svc.delete_container(LIST_CONTAINER)
    expect_eq([c.name for c in svc.list_containers(name_starts_with="conf-py")], [],
              "containers left")
    expect_error(cc.get_container_properties, "ContainerNotFound", 404)
    expect_error(cc.get_blob_client("small.bin").download_blob, "ContainerNotFound", 404)


CASES = [
    ("container-create-list", case_container_create_list),
    ("container-metadata", case_container_metadata),
    ("blob-small-metadata", case_blob_small_metadata),
    ("metadata-name-case", case_metadata_name_case),
    ("upload-100MiB-blocks", case_upload_100mib_blocks),
    ("download-full-ranged", case_download_full_ranged),
    ("list-hierarchical-flat", case_list_hierarchical_flat),
    ("list-pagination", case_list_pagination),
    ("copy", case_copy),
    ("copy-properties", case_copy_properties),
    ("sas", case_sas),
    ("account-sas-resource-type", case_account_sas_resource_type),
    ("stored-access-policy", case_stored_access_policy),
    ("public-access", case_public_access),
    ("errors", case_errors),
    ("put-if-none-match-star", case_put_if_none_match_star),
    ("tags", case_tags),
    ("versions", case_versions),
    ("staged-blocks", case_staged_blocks),
    ("delete", case_delete),
]


def main():
    print(f"azure-storage-blob {azure.storage.blob.__version__}, azure-core "
          f"{azure.core.__version__}, endpoint {ACCOUNT_URL}", flush=True)
    failures = 0
    for name, fn in CASES:
        start = time.monotonic()
        captured = io.StringIO()
        try:
            with contextlib.redirect_stdout(captured):
                fn()
        except Exception as e:  # report every failure, then go on with the next case
            failures += 1
            with open(RESULTS, "a") as f:
                f.write(f"FAIL {SCENARIO}/{name}\n")
            print(f"  FAIL  {SCENARIO}/{name:<34} ({time.monotonic() - start:.0f}s); output:")
            for line in captured.getvalue().rstrip().splitlines()[-60:]:
                print(f"      | {line}")
            if isinstance(e, HttpResponseError):
                print(f"      | HTTP {e.status_code} x-ms-error-code {e.error_code}")
            for line in traceback.format_exc().rstrip().splitlines()[-25:]:
                print(f"      | {line}")
        else:
            with open(RESULTS, "a") as f:
                f.write(f"PASS {SCENARIO}/{name}\n")
            print(f"  ok    {SCENARIO}/{name:<34} ({time.monotonic() - start:.0f}s)")
            for line in captured.getvalue().splitlines():
                if line.startswith("NOTE: ") or line.startswith("x-ms-version"):
                    print(f"        note: {line.removeprefix('NOTE: ')}")
        sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
