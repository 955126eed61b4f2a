#!/usr/bin/python3
"""Scenario boto3: Debian's boto3 (run with /usr/bin/python3) against the gateway.

Covers the managed transfers (upload_file / download_file / copy with a TransferConfig, so
multipart uploads, ranged parallel downloads and UploadPartCopy come from boto3's own
logic) and the low-level client calls. Run by conformance/run.sh, which provides the
environment described in conformance/lib/common.sh; results go to $CONF_RESULTS as
"PASS boto3/<case>" / "FAIL boto3/<case>" lines.
"""

import contextlib
import hashlib
import io
import os
import sys
import time
import traceback
import urllib.error
import urllib.request

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

SCENARIO = os.environ.get("CONF_SCENARIO", "boto3")
ENDPOINT = os.environ["TESSERA_ENDPOINT"]
WORK = os.environ["CONF_WORK"]
SRC = os.environ["CONF_SRC"]
RESULTS = os.environ["CONF_RESULTS"]
ACCESS_KEY = "devstoreaccount1"
SECRET_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
              "K1SZFPTOtr/KBHBeksoGMGw==")
MIB = 1024 * 1024
BIG_SIZE = 100 * MIB

BUCKET = "conf-boto3"
LIST_BUCKET = "conf-boto3-list"


def make_client(secret=SECRET_KEY, access=ACCESS_KEY):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 2, "mode": "standard"},
                      read_timeout=120, connect_timeout=10))


s3 = make_client()


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


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(4 * MIB), b""):
            h.update(chunk)
    return h.hexdigest()


def expect_eq(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"


def expect_client_error(fn, code, status, **kwargs):
    """Calls fn(**kwargs); it must raise ClientError with this error code and HTTP status."""
    try:
        fn(**kwargs)
    except ClientError as e:
        got_code = e.response.get("Error", {}).get("Code")
        got_status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        print(f"  {fn.__name__}: got error: status {got_status}, code {got_code}: {e}")
        assert (got_code, got_status) == (code, status), (
            f"{fn.__name__}: got HTTP {got_status} {got_code}, want HTTP {status} {code}")
        return e
    raise AssertionError(f"{fn.__name__}({kwargs}) succeeded; want HTTP {status} {code}")


def http_get(url, headers=None):
    """Plain HTTP GET (no SDK): returns (status, body)."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def keys_of(resp):
    return [c["Key"] for c in resp.get("Contents", [])]


def prefixes_of(resp):
    return [p["Prefix"] for p in resp.get("CommonPrefixes", [])]


SMALL = make_file(os.path.join(WORK, "small.bin"), 12345)
BIG = make_file(os.path.join(SRC, "big.bin"), BIG_SIZE)
PART = make_file(os.path.join(WORK, "part.bin"), 5 * MIB)


# ----------------------------------------------------------------------------------------
# Cases (run in order; later ones use objects made by earlier ones).

def case_bucket_create():
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket=LIST_BUCKET)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert BUCKET in names and LIST_BUCKET in names, f"list_buckets: {names}"
    expect_eq(s3.head_bucket(Bucket=BUCKET)["ResponseMetadata"]["HTTPStatusCode"], 200,
              "head_bucket")
    loc = s3.get_bucket_location(Bucket=BUCKET).get("LocationConstraint")
    assert loc in (None, "", "us-east-1"), f"LocationConstraint {loc!r}"


def case_put_small_metadata():
    with open(SMALL, "rb") as f:
        resp = s3.put_object(Bucket=BUCKET, Key="small.bin", Body=f,
                             ContentType="application/x-conformance",
                             Metadata={"color": "blue", "Mixed-Case": "Value With Spaces"},
                             CacheControl="max-age=60", ContentDisposition="inline")
    expect_eq(resp["ETag"], f'"{md5_file(SMALL)}"', "PUT ETag")
    head = s3.head_object(Bucket=BUCKET, Key="small.bin")
    expect_eq(head["ContentLength"], 12345, "ContentLength")
    expect_eq(head["ContentType"], "application/x-conformance", "ContentType")
    # S3 lowercases user metadata names.
    expect_eq(head["Metadata"], {"color": "blue", "mixed-case": "Value With Spaces"}, "Metadata")
    expect_eq(head.get("CacheControl"), "max-age=60", "CacheControl")
    expect_eq(head.get("ContentDisposition"), "inline", "ContentDisposition")
    expect_eq(head["ETag"], resp["ETag"], "HEAD ETag")
    got = s3.get_object(Bucket=BUCKET, Key="small.bin")
    expect_eq(sha256_bytes(got["Body"].read()), sha256_file(SMALL), "GET body")
    expect_eq(got["Metadata"]["color"], "blue", "GET metadata")


def case_put_empty_and_special_keys():
    s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    got = s3.get_object(Bucket=BUCKET, Key="empty")
    expect_eq(got["Body"].read(), b"", "empty body")
    expect_eq(got["ETag"], '"d41d8cd98f00b204e9800998ecf8427e"', "empty ETag")
    keys = ["special/with space.txt", "special/plus+and=eq&amp.txt", "special/ünïcödé-日本.txt",
            "special/percent%20literal", "special/tilde~star*(paren)"]
    for k in keys:
        s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
        expect_eq(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read(), k.encode(), f"GET {k!r}")
    listed = keys_of(s3.list_objects_v2(Bucket=BUCKET, Prefix="special/"))
    expect_eq(listed, sorted(keys, key=lambda k: k.encode()), "special keys listing")


def case_upload_100mib_multipart():
    cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=16 * MIB,
                         max_concurrency=4)
    s3.upload_file(BIG, BUCKET, "big.bin", Config=cfg,
                   ExtraArgs={"ContentType": "application/x-big", "Metadata": {"size": "100MiB"}})
    head = s3.head_object(Bucket=BUCKET, Key="big.bin")
    expect_eq(head["ContentLength"], BIG_SIZE, "ContentLength")
    # 100 MiB in 16 MiB parts: 7 parts.
    assert head["ETag"].endswith('-7"'), f"multipart ETag {head['ETag']} should end with -7"
    expect_eq(head["ContentType"], "application/x-big", "ContentType")
    expect_eq(head["Metadata"], {"size": "100MiB"}, "Metadata")


def case_part_number_reads():
    # partNumber on HEAD/GET addresses one part of a multipart object (206, the part's
    # length, x-amz-mp-parts-count).
    part = s3.head_object(Bucket=BUCKET, Key="big.bin", PartNumber=2)
    expect_eq(part["ContentLength"], 16 * MIB, "HEAD partNumber=2 ContentLength")
    expect_eq(part.get("PartsCount"), 7, "HEAD partNumber=2 PartsCount")
    got = s3.get_object(Bucket=BUCKET, Key="big.bin", PartNumber=7)
    expect_eq(got["ResponseMetadata"]["HTTPStatusCode"], 206, "GET partNumber=7 status")
    expect_eq(sha256_bytes(got["Body"].read()), sha256_file(BIG, 96 * MIB), "GET partNumber=7 body")


def case_download_full_and_ranged():
    out = os.path.join(WORK, "big.out")
    # Managed download: boto3 splits it into parallel ranged GETs of 8 MiB.
    s3.download_file(BUCKET, "big.bin", out,
                     Config=TransferConfig(multipart_threshold=8 * MIB,
                                           multipart_chunksize=8 * MIB, max_concurrency=4))
    expect_eq(sha256_file(out), sha256_file(BIG), "download_file SHA-256")
    os.remove(out)
    for first, last in [(0, 0), (1, 16 * MIB + 1), (16 * MIB - 3, 16 * MIB + 2),
                        (BIG_SIZE - 100, BIG_SIZE - 1)]:
        got = s3.get_object(Bucket=BUCKET, Key="big.bin", Range=f"bytes={first}-{last}")
        expect_eq(got["ResponseMetadata"]["HTTPStatusCode"], 206, "ranged GET status")
        expect_eq(got["ContentRange"], f"bytes {first}-{last}/{BIG_SIZE}", "ContentRange")
        expect_eq(sha256_bytes(got["Body"].read()), sha256_file(BIG, first, last),
                  f"range {first}-{last}")
    got = s3.get_object(Bucket=BUCKET, Key="big.bin", Range="bytes=-10")
    expect_eq(sha256_bytes(got["Body"].read()), sha256_file(BIG, BIG_SIZE - 10), "suffix range")
    expect_client_error(s3.get_object, "InvalidRange", 416, Bucket=BUCKET, Key="small.bin",
                        Range="bytes=99999-")


def case_conditional_requests():
    etag = s3.head_object(Bucket=BUCKET, Key="small.bin")["ETag"]
    expect_eq(s3.get_object(Bucket=BUCKET, Key="small.bin", IfMatch=etag)["ETag"], etag, "If-Match")
    expect_client_error(s3.get_object, "PreconditionFailed", 412, Bucket=BUCKET,
                        Key="small.bin", IfMatch='"0123456789abcdef0123456789abcdef"')
    try:
        s3.get_object(Bucket=BUCKET, Key="small.bin", IfNoneMatch=etag)
        raise AssertionError("If-None-Match with the current ETag should give 304")
    except ClientError as e:
        expect_eq(e.response["ResponseMetadata"]["HTTPStatusCode"], 304, "If-None-Match status")


def case_checksums_and_md5():
    # Wrong Content-MD5 is rejected and stores nothing.
    expect_client_error(s3.put_object, "BadDigest", 400, Bucket=BUCKET, Key="bad-md5",
                        Body=b"hello", ContentMD5="XrY7u+Ae7tCTyyK7j1rNww==")
    expect_client_error(s3.head_object, "404", 404, Bucket=BUCKET, Key="bad-md5")
    # Flexible checksums (x-amz-checksum-* header, as botocore sends them over plain HTTP).
    for algo in ("CRC32", "SHA256"):
        data = os.urandom(70000)
        s3.put_object(Bucket=BUCKET, Key=f"checksum-{algo}", Body=data, ChecksumAlgorithm=algo)
        got = s3.get_object(Bucket=BUCKET, Key=f"checksum-{algo}")["Body"].read()
        expect_eq(sha256_bytes(got), sha256_bytes(data), f"{algo} round trip")


def case_list_prefix_delimiter():
    for k in ["a/1", "a/2", "b/1", "top"]:
        s3.put_object(Bucket=LIST_BUCKET, Key=k, Body=k.encode())
    r = s3.list_objects_v2(Bucket=LIST_BUCKET, Delimiter="/")
    expect_eq(prefixes_of(r), ["a/", "b/"], "CommonPrefixes")
    expect_eq(keys_of(r), ["top"], "Contents")
    expect_eq(r["KeyCount"], 3, "KeyCount")
    expect_eq(r["IsTruncated"], False, "IsTruncated")
    r = s3.list_objects_v2(Bucket=LIST_BUCKET, Prefix="a/", Delimiter="/")
    expect_eq(keys_of(r), ["a/1", "a/2"], "prefix a/ Contents")
    expect_eq(prefixes_of(r), [], "prefix a/ CommonPrefixes")
    expect_eq([c["Size"] for c in r["Contents"]], [3, 3], "sizes")
    r = s3.list_objects_v2(Bucket=LIST_BUCKET, Prefix="b")
    expect_eq(keys_of(r), ["b/1"], "prefix b")
    r = s3.list_objects(Bucket=LIST_BUCKET, Delimiter="/")
    expect_eq(prefixes_of(r), ["a/", "b/"], "v1 CommonPrefixes")
    expect_eq(keys_of(r), ["top"], "v1 Contents")
    # Delimiter other than '/'.
    r = s3.list_objects_v2(Bucket=LIST_BUCKET, Delimiter="1")
    expect_eq(prefixes_of(r), ["a/1", "b/1"], "delimiter '1' CommonPrefixes")
    expect_eq(keys_of(r), ["a/2", "top"], "delimiter '1' Contents")


def case_list_pagination():
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=LIST_BUCKET, PaginationConfig={"PageSize": 2}))
    expect_eq([keys_of(p) for p in pages], [["a/1", "a/2"], ["b/1", "top"]], "v2 pages")
    expect_eq([p["IsTruncated"] for p in pages], [True, False], "v2 IsTruncated")
    pages = list(s3.get_paginator("list_objects_v2").paginate(
        Bucket=LIST_BUCKET, Delimiter="/", PaginationConfig={"PageSize": 1}))
    expect_eq([(keys_of(p), prefixes_of(p)) for p in pages],
              [([], ["a/"]), ([], ["b/"]), (["top"], [])], "v2 delimiter pages of 1")
    pages = list(s3.get_paginator("list_objects").paginate(
        Bucket=LIST_BUCKET, PaginationConfig={"PageSize": 3}))
    expect_eq([keys_of(p) for p in pages], [["a/1", "a/2", "b/1"], ["top"]], "v1 pages")


def case_versions_api():
    v = s3.get_bucket_versioning(Bucket=BUCKET)
    assert v.get("Status") in (None, "Suspended"), f"new bucket versioning {v.get('Status')!r}"
    r = s3.list_object_versions(Bucket=LIST_BUCKET)
    expect_eq([x["Key"] for x in r.get("Versions", [])], ["a/1", "a/2", "b/1", "top"], "Versions")
    assert all(x["IsLatest"] for x in r["Versions"]), "IsLatest"
    expect_eq(r.get("DeleteMarkers", []), [], "DeleteMarkers")


def case_versioning():
    # A versioned bucket of its own, emptied and deleted at the end.
    bucket = "conf-boto3-versions"
    s3.create_bucket(Bucket=bucket)
    expect_eq(s3.get_bucket_versioning(Bucket=bucket).get("Status"), None, "fresh bucket Status")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    expect_eq(s3.get_bucket_versioning(Bucket=bucket).get("Status"), "Enabled", "Status")
    v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"first body")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="doc", Body=b"second, longer body")["VersionId"]
    assert v1 and v2 and v1 != v2 and "null" not in (v1, v2), f"version ids {v1!r} {v2!r}"
    got = s3.get_object(Bucket=bucket, Key="doc", VersionId=v1)
    expect_eq(got["Body"].read(), b"first body", "GET VersionId=v1")
    expect_eq(got["VersionId"], v1, "GET VersionId=v1 VersionId")
    expect_eq(s3.get_object(Bucket=bucket, Key="doc")["Body"].read(), b"second, longer body",
              "GET current")
    r = s3.delete_object(Bucket=bucket, Key="doc")
    expect_eq(r.get("DeleteMarker"), True, "delete_object DeleteMarker")
    marker = r.get("VersionId")
    assert marker and marker not in (v1, v2, "null"), f"delete marker VersionId {marker!r}"
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="doc")
    r = s3.list_object_versions(Bucket=bucket, Prefix="doc")
    expect_eq([(v["VersionId"], v["IsLatest"]) for v in r.get("Versions", [])],
              [(v2, False), (v1, False)], "versions of doc")
    expect_eq([(m["Key"], m["VersionId"], m["IsLatest"]) for m in r.get("DeleteMarkers", [])],
              [("doc", marker, True)], "delete marker of doc")

    # Many versions of two keys, listed 3 at a time: KeyMarker / VersionIdMarker paging.
    written = {"pg/a": [], "pg/b": []}
    for i in range(7):
        for key in written:
            written[key].append(s3.put_object(Bucket=bucket, Key=key,
                                              Body=f"{key} #{i}".encode())["VersionId"])
    for key, ids in written.items():
        assert len(set(ids)) == 7, f"{key}: version ids not distinct: {ids}"
    pages = list(s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix="pg/", PaginationConfig={"PageSize": 3}))
    sizes = [len(p.get("Versions", [])) + len(p.get("DeleteMarkers", [])) for p in pages]
    expect_eq(sizes, [3, 3, 3, 3, 2], "entries per page (MaxKeys=3)")
    expect_eq([p["IsTruncated"] for p in pages], [True] * 4 + [False], "IsTruncated per page")
    for p in pages[:-1]:
        assert p.get("NextKeyMarker") and p.get("NextVersionIdMarker"), (
            f"truncated page without NextKeyMarker/NextVersionIdMarker: {p}")
    listed = [(v["Key"], v["VersionId"], v["IsLatest"]) for p in pages for v in p.get("Versions", [])]
    want = [(key, vid, i == 0) for key in sorted(written)
            for i, vid in enumerate(reversed(written[key]))]
    expect_eq(listed, want, "every version once, keys in order, newest first per key")

    # Empty it with DeleteObjects over every version and marker, then delete it.
    r = s3.list_object_versions(Bucket=bucket)
    objs = [{"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in r.get("Versions", []) + r.get("DeleteMarkers", [])]
    expect_eq(len(objs), 2 + 1 + 14, "versions and markers before emptying")
    expect_client_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=bucket)
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": objs})
    expect_eq(r.get("Errors", []), [], "delete_objects Errors")
    expect_eq(sorted((d["Key"], d["VersionId"]) for d in r.get("Deleted", [])),
              sorted((o["Key"], o["VersionId"]) for o in objs), "delete_objects Deleted")
    expect_eq([d["Key"] for d in r["Deleted"] if d.get("DeleteMarker")], ["doc"],
              "Deleted entry of the marker has DeleteMarker")
    r = s3.list_object_versions(Bucket=bucket)
    expect_eq(r.get("Versions", []) + r.get("DeleteMarkers", []), [], "no versions left")
    s3.delete_bucket(Bucket=bucket)
    expect_client_error(s3.head_bucket, "404", 404, Bucket=bucket)


def case_copy():
    r = s3.copy_object(Bucket=BUCKET, Key="copy/small.bin",
                       CopySource={"Bucket": BUCKET, "Key": "small.bin"})
    expect_eq(r["CopyObjectResult"]["ETag"], f'"{md5_file(SMALL)}"', "copy ETag")
    head = s3.head_object(Bucket=BUCKET, Key="copy/small.bin")
    expect_eq(head["Metadata"], {"color": "blue", "mixed-case": "Value With Spaces"},
              "copied Metadata")
    expect_eq(head["ContentType"], "application/x-conformance", "copied ContentType")
    body = s3.get_object(Bucket=BUCKET, Key="copy/small.bin")["Body"].read()
    expect_eq(sha256_bytes(body), sha256_file(SMALL), "copied body")
    s3.copy_object(Bucket=BUCKET, Key="copy/replaced.bin",
                   CopySource={"Bucket": BUCKET, "Key": "small.bin"},
                   MetadataDirective="REPLACE", ContentType="text/plain",
                   Metadata={"new": "yes"})
    head = s3.head_object(Bucket=BUCKET, Key="copy/replaced.bin")
    expect_eq(head["Metadata"], {"new": "yes"}, "REPLACE Metadata")
    expect_eq(head["ContentType"], "text/plain", "REPLACE ContentType")
    # Copying onto itself without REPLACE is invalid in S3.
    expect_client_error(s3.copy_object, "InvalidRequest", 400, Bucket=BUCKET, Key="small.bin",
                        CopySource={"Bucket": BUCKET, "Key": "small.bin"})
    expect_client_error(s3.copy_object, "NoSuchKey", 404, Bucket=BUCKET, Key="copy/x",
                        CopySource={"Bucket": BUCKET, "Key": "no-such-source"})
    # Managed copy of the 100 MiB object: UploadPartCopy with ranges, into another bucket.
    s3.copy({"Bucket": BUCKET, "Key": "big.bin"}, LIST_BUCKET, "zz-big-copy",
            Config=TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=32 * MIB))
    got = s3.get_object(Bucket=LIST_BUCKET, Key="zz-big-copy", Range="bytes=33554000-33555000")
    expect_eq(sha256_bytes(got["Body"].read()), sha256_file(BIG, 33554000, 33555000),
              "range of the part-copied object")
    expect_eq(s3.head_object(Bucket=LIST_BUCKET, Key="zz-big-copy")["ContentLength"], BIG_SIZE,
              "part-copied size")
    s3.delete_object(Bucket=LIST_BUCKET, Key="zz-big-copy")


def case_multipart_api():
    key = "mpu/obj"
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType="application/x-mpu",
                                    Metadata={"stage": "mpu"})
    uid = up["UploadId"]
    with open(PART, "rb") as f:
        part_data = f.read()
    tail = os.urandom(1000)
    # Upload part 2 first: order of arrival must not matter.
    e2 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=2, Body=tail)["ETag"]
    e1 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=1,
                        Body=part_data)["ETag"]
    expect_eq(e1, f'"{hashlib.md5(part_data).hexdigest()}"', "part ETag")
    parts = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid)["Parts"]
    expect_eq([(p["PartNumber"], p["Size"], p["ETag"]) for p in parts],
              [(1, 5 * MIB, e1), (2, 1000, e2)], "list_parts")
    page = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=uid, MaxParts=1)
    expect_eq([p["PartNumber"] for p in page["Parts"]], [1], "list_parts MaxParts=1")
    expect_eq(page["IsTruncated"], True, "list_parts IsTruncated")
    uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    expect_eq([(u["Key"], u["UploadId"]) for u in uploads], [(key, uid)], "list_multipart_uploads")
    # Re-uploading a part replaces it.
    e2 = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=2, Body=tail)["ETag"]
    expect_client_error(s3.complete_multipart_upload, "InvalidPart", 400, Bucket=BUCKET, Key=key,
                        UploadId=uid, MultipartUpload={"Parts": [
                            {"PartNumber": 1, "ETag": e1},
                            {"PartNumber": 2, "ETag": '"00000000000000000000000000000000"'}]})
    r = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    want = hashlib.md5(hashlib.md5(part_data).digest() + hashlib.md5(tail).digest()).hexdigest()
    expect_eq(r["ETag"], f'"{want}-2"', "multipart ETag")
    got = s3.get_object(Bucket=BUCKET, Key=key)
    expect_eq(sha256_bytes(got["Body"].read()), sha256_bytes(part_data + tail), "multipart body")
    expect_eq(got["ContentType"], "application/x-mpu", "multipart ContentType")
    expect_eq(got["Metadata"], {"stage": "mpu"}, "multipart Metadata")
    expect_eq(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []), [], "uploads after")
    expect_client_error(s3.list_parts, "NoSuchUpload", 404, Bucket=BUCKET, Key=key, UploadId=uid)


def case_upload_ids_cli_safe():
    # Upload ids are passed on command lines (aws s3api ... --upload-id ID, s3cmd abortmp
    # URI ID): one starting with '-' is taken for an option by argparse/optparse. S3's never
    # do. 200 uploads find a generator that allows a leading '-' with probability ~96%.
    ids = []
    try:
        for i in range(200):
            ids.append(s3.create_multipart_upload(Bucket=BUCKET, Key=f"ids/{i}")["UploadId"])
    finally:
        for i, uid in enumerate(ids):
            s3.abort_multipart_upload(Bucket=BUCKET, Key=f"ids/{i}", UploadId=uid)
    bad = [u for u in ids if u.startswith("-")]
    assert not bad, f"{len(bad)} of {len(ids)} upload ids start with '-', e.g. {bad[0]!r}"
    assert len(set(ids)) == len(ids), "duplicate upload ids"


def case_multipart_abort():
    uid = s3.create_multipart_upload(Bucket=BUCKET, Key="mpu/aborted")["UploadId"]
    s3.upload_part(Bucket=BUCKET, Key="mpu/aborted", UploadId=uid, PartNumber=1, Body=b"x" * 100)
    s3.abort_multipart_upload(Bucket=BUCKET, Key="mpu/aborted", UploadId=uid)
    expect_eq(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []), [], "uploads")
    expect_client_error(s3.upload_part, "NoSuchUpload", 404, Bucket=BUCKET, Key="mpu/aborted",
                        UploadId=uid, PartNumber=2, Body=b"y")
    expect_client_error(s3.head_object, "404", 404, Bucket=BUCKET, Key="mpu/aborted")


def case_errors():
    expect_client_error(s3.head_object, "404", 404, Bucket=BUCKET, Key="no/such/key")
    expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=BUCKET, Key="no/such/key")
    expect_client_error(s3.list_objects_v2, "NoSuchBucket", 404, Bucket="conf-boto3-missing")
    expect_client_error(s3.get_object, "NoSuchBucket", 404, Bucket="conf-boto3-missing", Key="k")
    expect_client_error(s3.delete_bucket, "BucketNotEmpty", 409, Bucket=LIST_BUCKET)
    expect_client_error(s3.delete_bucket, "NoSuchBucket", 404, Bucket="conf-boto3-missing")


def case_error_details():
    # S3 error bodies name what is missing and carry a request id.
    e = expect_client_error(s3.get_object, "NoSuchKey", 404, Bucket=BUCKET, Key="no/such/key")
    expect_eq(e.response["Error"].get("Key"), "no/such/key", "NoSuchKey <Key>")
    e = expect_client_error(s3.list_objects_v2, "NoSuchBucket", 404, Bucket="conf-boto3-missing")
    expect_eq(e.response["Error"].get("BucketName"), "conf-boto3-missing", "NoSuchBucket <BucketName>")
    assert e.response["ResponseMetadata"].get("RequestId"), "no request id"


def case_auth_errors():
    bad = make_client(secret="not-the-secret")
    expect_client_error(bad.list_buckets, "SignatureDoesNotMatch", 403)
    expect_client_error(bad.put_object, "SignatureDoesNotMatch", 403, Bucket=BUCKET,
                        Key="must-not-exist", Body=b"data")
    expect_client_error(s3.head_object, "404", 404, Bucket=BUCKET, Key="must-not-exist")
    unknown = make_client(access="AKIAUNKNOWNKEY000000")
    expect_client_error(unknown.list_buckets, "InvalidAccessKeyId", 403)


def case_presigned():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "small.bin"},
                                    ExpiresIn=300)
    status, body = http_get(url)
    expect_eq(status, 200, "presigned GET status")
    expect_eq(sha256_bytes(body), sha256_file(SMALL), "presigned GET body")
    sig_at = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    flipped = "1" if url[sig_at] == "0" else "0"
    status, body = http_get(url[:sig_at] + flipped + url[sig_at + 1:])
    print("tampered presigned GET:", status,
          body[:500] if status != 200 else f"<{len(body)} bytes of object data>")
    expect_eq(status, 403, "tampered presigned GET status")
    assert b"SignatureDoesNotMatch" in body, "tampered presigned GET error code"
    # Presigned PUT.
    put_url = s3.generate_presigned_url("put_object",
                                        Params={"Bucket": BUCKET, "Key": "presigned-put"},
                                        ExpiresIn=300)
    data = os.urandom(3000)
    req = urllib.request.Request(put_url, data=data, method="PUT")
    with urllib.request.urlopen(req, timeout=60) as resp:
        expect_eq(resp.status, 200, "presigned PUT status")
    got = s3.get_object(Bucket=BUCKET, Key="presigned-put")["Body"].read()
    expect_eq(sha256_bytes(got), sha256_bytes(data), "presigned PUT body")


def case_sigv2():
    # Debian's boto3 presigns with Signature Version 2 unless told s3v4, and "s3" signs every
    # request with it: both must work as they do against S3.
    default = boto3.session.Session().client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
    url = default.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "small.bin"},
                                         ExpiresIn=300)
    assert "AWSAccessKeyId=" in url and "Signature=" in url, "a SigV2 presigned URL: " + url
    status, body = http_get(url)
    expect_eq(status, 200, "SigV2 presigned GET status")
    expect_eq(sha256_bytes(body), sha256_file(SMALL), "SigV2 presigned GET body")
    sig_at = url.index("Signature=") + len("Signature=")
    flipped = "A" if url[sig_at] != "A" else "B"
    status, body = http_get(url[:sig_at] + flipped + url[sig_at + 1:])
    expect_eq(status, 403, "tampered SigV2 presigned GET status")
    v2 = boto3.session.Session().client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
        config=Config(signature_version="s3", s3={"addressing_style": "path"}))
    v2.put_object(Bucket=BUCKET, Key="sigv2/a b+c", Body=b"signed with v2",
                  Metadata={"origin": "v2"}, ContentType="text/plain")
    got = v2.get_object(Bucket=BUCKET, Key="sigv2/a b+c")
    expect_eq(got["Body"].read(), b"signed with v2", "SigV2 GET body")
    expect_eq(got["Metadata"], {"origin": "v2"}, "SigV2 metadata")
    listed = v2.list_objects_v2(Bucket=BUCKET, Prefix="sigv2/")
    expect_eq(keys_of(listed), ["sigv2/a b+c"], "SigV2 ListObjectsV2")
    up = v2.create_multipart_upload(Bucket=BUCKET, Key="sigv2/mp")
    v2.abort_multipart_upload(Bucket=BUCKET, Key="sigv2/mp", UploadId=up["UploadId"])
    v2.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "sigv2/a b+c"}]})
    expect_client_error(lambda: make_v2_client("wrong").get_object(Bucket=BUCKET, Key="small.bin"),
                        "SignatureDoesNotMatch", 403)


def make_v2_client(secret):
    return boto3.session.Session().client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret, region_name="us-east-1",
        config=Config(signature_version="s3", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1, "mode": "standard"}))


def case_delete():
    s3.delete_object(Bucket=BUCKET, Key="copy/replaced.bin")
    expect_client_error(s3.head_object, "404", 404, Bucket=BUCKET, Key="copy/replaced.bin")
    r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [
        {"Key": "copy/small.bin"}, {"Key": "presigned-put"}, {"Key": "never-existed"}]})
    expect_eq(sorted(d["Key"] for d in r.get("Deleted", [])),
              ["copy/small.bin", "never-existed", "presigned-put"], "Deleted")
    expect_eq(r.get("Errors", []), [], "Errors")
    expect_eq(keys_of(s3.list_objects_v2(Bucket=BUCKET, Prefix="copy/")), [], "copy/ after delete")
    # Empty both buckets with delete_objects over a paginated listing, then delete them.
    quiet_listed = []
    for bucket in (BUCKET, LIST_BUCKET):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objs = [{"Key": k} for k in keys_of(page)]
            if objs:
                r = s3.delete_objects(Bucket=bucket, Delete={"Objects": objs, "Quiet": True})
                expect_eq(r.get("Errors", []), [], "quiet delete Errors")
                quiet_listed += r.get("Deleted", [])
        expect_eq(s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0, f"{bucket} empty")
    expect_eq(quiet_listed, [], "Quiet delete_objects must not list deleted keys")


def case_bucket_delete():
    s3.delete_bucket(Bucket=BUCKET)
    s3.delete_bucket(Bucket=LIST_BUCKET)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert BUCKET not in names and LIST_BUCKET not in names, f"buckets left: {names}"
    expect_client_error(s3.head_bucket, "404", 404, Bucket=BUCKET)


CASES = [
    ("bucket-create", case_bucket_create),
    ("put-small-metadata", case_put_small_metadata),
    ("put-empty-special-keys", case_put_empty_and_special_keys),
    ("upload-100MiB-multipart", case_upload_100mib_multipart),
    ("part-number-reads", case_part_number_reads),
    ("download-full-ranged", case_download_full_and_ranged),
    ("conditional-requests", case_conditional_requests),
    ("checksums-md5", case_checksums_and_md5),
    ("list-prefix-delimiter", case_list_prefix_delimiter),
    ("list-pagination", case_list_pagination),
    ("versions-api", case_versions_api),
    ("versioning", case_versioning),
    ("copy", case_copy),
    ("multipart-api", case_multipart_api),
    ("multipart-abort", case_multipart_abort),
    ("upload-ids-cli-safe", case_upload_ids_cli_safe),
    ("errors", case_errors),
    ("error-details", case_error_details),
    ("auth-errors", case_auth_errors),
    ("presigned", case_presigned),
    ("sigv2", case_sigv2),
    ("delete", case_delete),
    ("bucket-delete", case_bucket_delete),
]


def main():
    print(f"boto3 {boto3.__version__}, botocore {botocore.__version__}, endpoint {ENDPOINT}",
          flush=True)
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
            if isinstance(e, ClientError):
                meta = e.response.get("ResponseMetadata", {})
                print(f"      | HTTP {meta.get('HTTPStatusCode')} "
                      f"code {e.response.get('Error', {}).get('Code')}: {e}")
            for line in traceback.format_exc().rstrip().splitlines():
                print(f"      | {line}")
        else:
            with open(RESULTS, "a") as f:
                f.write(f"PASS {SCENARIO}/{name}\n")
            print(f"  ok    {SCENARIO}/{name:<34} ({time.monotonic() - start:.0f}s)")
        sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
