// Scenario js: the AWS SDK for JavaScript v3 (@aws-sdk/client-s3 and @aws-sdk/lib-storage,
// versions pinned in package.json) against the gateway, with the SDK's DEFAULT checksum
// behaviour: requestChecksumCalculation and responseChecksumValidation are left alone, so
// stream uploads go out as aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32
// trailer, GetObject asks for checksums (x-amz-checksum-mode: ENABLED) and validates them,
// and DeleteObjects carries a CRC32 instead of Content-MD5.
//
// Run by conformance/run.sh, which provides the environment described in
// conformance/lib/common.sh; results go to $CONF_RESULTS as "PASS js/<case>" lines.

import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, closeSync, createReadStream, createWriteStream, existsSync, openSync,
  readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { join } from "node:path";
import {
  S3Client, CreateBucketCommand, ListBucketsCommand, HeadBucketCommand, DeleteBucketCommand,
  PutObjectCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand,
  DeleteObjectsCommand, CopyObjectCommand, ListObjectsV2Command, paginateListObjectsV2,
  CreateMultipartUploadCommand, UploadPartCommand, ListPartsCommand,
  ListMultipartUploadsCommand, CompleteMultipartUploadCommand, AbortMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const SCENARIO = process.env.CONF_SCENARIO ?? "js";
const ENDPOINT = process.env.TESSERA_ENDPOINT;
const WORK = process.env.CONF_WORK;
const SRC = process.env.CONF_SRC;
const RESULTS = process.env.CONF_RESULTS;
const ACCESS_KEY = "devstoreaccount1";
const SECRET_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const MIB = 1024 * 1024;
const BIG_SIZE = 100 * MIB;
const BUCKET = "conf-js";
const LIST_BUCKET = "conf-js-list";

function makeClient(secretAccessKey = SECRET_KEY, accessKeyId = ACCESS_KEY) {
  return new S3Client({
    endpoint: ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 2,
  });
}
const s3 = makeClient();

// Records the headers of the last request of each command, as sent (after signing), so the
// cases can check that the SDK's default checksum behaviour is really what reached the wire.
const sentHeaders = {};
s3.middlewareStack.add((next, context) => async (args) => {
  sentHeaders[context.commandName] = { ...args.request.headers };
  return next(args);
}, { step: "finalizeRequest", priority: "low", name: "conformanceCaptureHeaders" });

// ---------------------------------------------------------------------------------------
// Helpers.

function makeFile(path, size) {
  if (existsSync(path) && statSync(path).size === size) return path;
  const fd = openSync(path + ".tmp", "w");
  for (let left = size; left > 0; left -= Math.min(left, 4 * MIB)) {
    const chunk = randomBytes(Math.min(left, 4 * MIB));
    let off = 0;
    while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
  }
  closeSync(fd);
  renameSync(path + ".tmp", path);
  return path;
}

function sha256(buf) { return createHash("sha256").update(buf).digest("hex"); }
function md5(buf) { return createHash("md5").update(buf).digest("hex"); }

function sha256File(path, first = 0, last = statSync(path).size - 1) {
  const h = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(4 * MIB);
  let pos = first;
  while (pos <= last) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, last - pos + 1), pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  closeSync(fd);
  return h.digest("hex");
}

// JSON with object keys sorted, so that comparisons ignore key order.
function canonical(v) {
  return JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x)
    ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x));
}

function eq(got, want, what) {
  const g = canonical(got), w = canonical(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

function describe(err) {
  return `HTTP ${err?.$metadata?.httpStatusCode} ${err?.name} (Code ${err?.Code}): ${err?.message}`;
}

// The call must fail with this error name (the S3 error code, or NotFound for HEAD) and
// HTTP status.
async function expectError(promiseFn, name, status) {
  let result;
  try {
    result = await promiseFn();
  } catch (err) {
    log(`  got error ${describe(err)}`);
    if (err?.name !== name || err?.$metadata?.httpStatusCode !== status) {
      throw new Error(`got ${describe(err)}; want HTTP ${status} ${name}`);
    }
    return err;
  }
  throw new Error(`call succeeded (${JSON.stringify(result?.$metadata)}); want HTTP ${status} ${name}`);
}

let caseLog = [];
function log(line) { caseLog.push(line); }
// What the SDK itself prints while a case runs (e.g. its note on a failed streaming
// request) belongs to that case's output, shown only if the case fails.
console.warn = (...args) => log(args.map(String).join(" "));
console.error = console.warn;

async function bodyBytes(resp) { return Buffer.from(await resp.Body.transformToByteArray()); }
const keysOf = (r) => (r.Contents ?? []).map((c) => c.Key);
const prefixesOf = (r) => (r.CommonPrefixes ?? []).map((p) => p.Prefix);

const SMALL = makeFile(join(WORK, "small.bin"), 54321);
const BIG = makeFile(join(SRC, "big.bin"), BIG_SIZE);

// ---------------------------------------------------------------------------------------
// Cases (in order; later ones use objects made by earlier ones).

async function caseBucketCreate() {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: LIST_BUCKET }));
  const names = (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
  if (!names.includes(BUCKET) || !names.includes(LIST_BUCKET)) {
    throw new Error(`ListBuckets: ${JSON.stringify(names)}`);
  }
  await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
}

async function casePutSmallBuffer() {
  // A Buffer body: the SDK computes CRC32 and sends it as x-amz-checksum-crc32.
  const data = readFileSync(SMALL);
  const put = await s3.send(new PutObjectCommand({
    Bucket: BUCKET, Key: "small.bin", Body: data, ContentType: "application/x-js",
    Metadata: { origin: "js-sdk", note: "hello world" },
  }));
  if (!sentHeaders.PutObjectCommand["x-amz-checksum-crc32"]) {
    throw new Error(`PutObject sent no x-amz-checksum-crc32: ${JSON.stringify(sentHeaders.PutObjectCommand)}`);
  }
  eq(put.ETag, `"${md5(data)}"`, "PutObject ETag");
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "small.bin" }));
  eq(head.ContentLength, data.length, "ContentLength");
  eq(head.ContentType, "application/x-js", "ContentType");
  eq(head.Metadata, { note: "hello world", origin: "js-sdk" }, "Metadata");
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "small.bin" }));
  eq(sha256(await bodyBytes(got)), sha256(data), "GetObject body");
  eq(got.Metadata?.origin, "js-sdk", "GET Metadata");
}

async function casePutStreamChunkedTrailer() {
  // A stream body: aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, CRC32 in the trailer.
  const put = await s3.send(new PutObjectCommand({
    Bucket: BUCKET, Key: "streamed.bin", Body: createReadStream(SMALL),
    ContentLength: statSync(SMALL).size, ContentType: "application/octet-stream",
  }));
  const h = sentHeaders.PutObjectCommand;
  log(`  sent: ${JSON.stringify(h)}`);
  eq(h["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-content-sha256 sent");
  eq(h["x-amz-trailer"], "x-amz-checksum-crc32", "x-amz-trailer sent");
  eq(h["content-encoding"], "aws-chunked", "content-encoding sent");
  eq(put.ETag, `"${md5(readFileSync(SMALL))}"`, "streamed PutObject ETag");
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "streamed.bin" }));
  eq(sha256(await bodyBytes(got)), sha256File(SMALL), "streamed object body");
  eq(got.ContentLength, statSync(SMALL).size, "streamed object length (not the chunked length)");
}

async function caseUpload100MiB() {
  const upload = new Upload({
    client: s3,
    params: { Bucket: BUCKET, Key: "big.bin", Body: createReadStream(BIG),
      ContentType: "application/x-big", Metadata: { via: "lib-storage" } },
    partSize: 10 * MIB,
    queueSize: 4,
  });
  const done = await upload.done();
  log(`  Upload.done: ${JSON.stringify({ ETag: done.ETag, Key: done.Key })}`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "big.bin" }));
  eq(head.ContentLength, BIG_SIZE, "ContentLength");
  if (!/^"[0-9a-f]{32}-10"$/.test(head.ETag)) throw new Error(`multipart ETag ${head.ETag}, want -10`);
  eq(head.Metadata, { via: "lib-storage" }, "Metadata");
}

async function caseDownloadFullRanged() {
  const out = join(WORK, "big.out");
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big.bin" }));
  await pipeline(got.Body, createWriteStream(out));
  eq(sha256File(out), sha256File(BIG), "full download SHA-256");
  unlinkSync(out);
  for (const [first, last] of [[0, 99], [10 * MIB - 5, 10 * MIB + 5], [12345, 3 * MIB],
    [BIG_SIZE - 1, BIG_SIZE - 1]]) {
    const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big.bin",
      Range: `bytes=${first}-${last}` }));
    eq(r.ContentRange, `bytes ${first}-${last}/${BIG_SIZE}`, "ContentRange");
    eq(sha256(await bodyBytes(r)), sha256File(BIG, first, last), `range ${first}-${last}`);
  }
}

async function caseListPrefixDelimiter() {
  for (const k of ["a/1", "a/2", "b/1", "top"]) {
    await s3.send(new PutObjectCommand({ Bucket: LIST_BUCKET, Key: k, Body: k }));
  }
  let r = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, Delimiter: "/" }));
  eq(prefixesOf(r), ["a/", "b/"], "CommonPrefixes");
  eq(keysOf(r), ["top"], "Contents");
  eq(r.KeyCount, 3, "KeyCount");
  r = await s3.send(new ListObjectsV2Command({ Bucket: LIST_BUCKET, Prefix: "a/", Delimiter: "/" }));
  eq(keysOf(r), ["a/1", "a/2"], "prefix a/ Contents");
  eq(prefixesOf(r), [], "prefix a/ CommonPrefixes");
  const pages = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: LIST_BUCKET })) {
    pages.push(keysOf(page));
  }
  eq(pages, [["a/1", "a/2", "b/1"], ["top"]], "paginated listing, MaxKeys 3");
}

async function caseCopy() {
  const r = await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copy/small.bin",
    CopySource: `${BUCKET}/small.bin` }));
  eq(r.CopyObjectResult?.ETag, `"${md5(readFileSync(SMALL))}"`, "CopyObject ETag");
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "copy/small.bin" }));
  eq(sha256(await bodyBytes(got)), sha256File(SMALL), "copied body");
  eq(got.Metadata, { note: "hello world", origin: "js-sdk" }, "copied Metadata");
  eq(got.ContentType, "application/x-js", "copied ContentType");
  await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "copy/big.bin",
    CopySource: `${BUCKET}/big.bin`, MetadataDirective: "REPLACE", Metadata: { copied: "yes" },
    ContentType: "application/x-copied" }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "copy/big.bin" }));
  eq(head.ContentLength, BIG_SIZE, "copied 100 MiB length");
  eq(head.Metadata, { copied: "yes" }, "REPLACE Metadata");
  eq(head.ContentType, "application/x-copied", "REPLACE ContentType");
  const part = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "copy/big.bin",
    Range: "bytes=52428000-52429999" }));
  eq(sha256(await bodyBytes(part)), sha256File(BIG, 52428000, 52429999), "range of the copy");
}

async function caseMultipartApi() {
  const key = "mpu/obj";
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const p1 = randomBytes(5 * MIB), p2 = randomBytes(4321);
  const e1 = (await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId,
    PartNumber: 1, Body: p1 }))).ETag;
  const e2 = (await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId,
    PartNumber: 2, Body: p2 }))).ETag;
  eq(e1, `"${md5(p1)}"`, "part 1 ETag");
  const parts = (await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId }))).Parts;
  eq(parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, 5 * MIB, e1], [2, 4321, e2]], "ListParts");
  const ups = (await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [];
  eq(ups.map((u) => [u.Key, u.UploadId]), [[key, UploadId]], "ListMultipartUploads");
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  eq(sha256(await bodyBytes(got)), sha256(Buffer.concat([p1, p2])), "multipart body");
  const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "mpu/x" }));
  await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: "mpu/x", UploadId: aborted.UploadId,
    PartNumber: 1, Body: p2 }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "mpu/x",
    UploadId: aborted.UploadId }));
  eq((await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [], [],
    "no uploads left");
  await expectError(() => s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: "mpu/x",
    UploadId: aborted.UploadId })), "NoSuchUpload", 404);
}

async function caseErrors() {
  await expectError(() => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "nope" })),
    "NotFound", 404);
  await expectError(() => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "nope" })),
    "NoSuchKey", 404);
  await expectError(() => s3.send(new ListObjectsV2Command({ Bucket: "conf-js-missing" })),
    "NoSuchBucket", 404);
  await expectError(() => s3.send(new DeleteBucketCommand({ Bucket: LIST_BUCKET })),
    "BucketNotEmpty", 409);
  const bad = makeClient("wrong-secret");
  await expectError(() => bad.send(new ListBucketsCommand({})), "SignatureDoesNotMatch", 403);
  // A streamed (aws-chunked) upload signed with the wrong key must not store anything.
  await expectError(() => bad.send(new PutObjectCommand({ Bucket: BUCKET, Key: "must-not-exist",
    Body: createReadStream(SMALL), ContentLength: statSync(SMALL).size })),
    "SignatureDoesNotMatch", 403);
  await expectError(() => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "must-not-exist" })),
    "NotFound", 404);
}

async function caseDelete() {
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "copy/small.bin" }));
  await expectError(() => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "copy/small.bin" })),
    "NotFound", 404);
  // DeleteObjects: the SDK sends x-amz-checksum-crc32 (not Content-MD5) by default.
  for (const bucket of [BUCKET, LIST_BUCKET]) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objs = keysOf(listed).map((Key) => ({ Key }));
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objs } }));
    const h = sentHeaders.DeleteObjectsCommand;
    if (!h["x-amz-checksum-crc32"] || h["content-md5"]) {
      throw new Error(`DeleteObjects was expected to carry a CRC32 and no Content-MD5: ${JSON.stringify(h)}`);
    }
    eq((r.Deleted ?? []).map((d) => d.Key).sort(), objs.map((o) => o.Key).sort(), "Deleted");
    eq(r.Errors ?? [], [], "Errors");
    eq((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount, 0, `${bucket} empty`);
  }
}

async function caseBucketDelete() {
  await s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));
  await s3.send(new DeleteBucketCommand({ Bucket: LIST_BUCKET }));
  const names = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
  eq(names.filter((n) => n.startsWith("conf-js")), [], "buckets left");
  await expectError(() => s3.send(new HeadBucketCommand({ Bucket: BUCKET })), "NotFound", 404);
}

const CASES = [
  ["bucket-create", caseBucketCreate],
  ["put-small-buffer-crc32", casePutSmallBuffer],
  ["put-stream-chunked-trailer", casePutStreamChunkedTrailer],
  ["upload-100MiB-lib-storage", caseUpload100MiB],
  ["download-full-ranged", caseDownloadFullRanged],
  ["list-prefix-delimiter", caseListPrefixDelimiter],
  ["copy", caseCopy],
  ["multipart-api", caseMultipartApi],
  ["errors", caseErrors],
  ["delete", caseDelete],
  ["bucket-delete", caseBucketDelete],
];

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url)));
console.log(`node ${process.version}, @aws-sdk/client-s3 ${pkg.dependencies["@aws-sdk/client-s3"]}, ` +
  `endpoint ${ENDPOINT}`);
let failures = 0;
for (const [name, fn] of CASES) {
  const start = Date.now();
  caseLog = [];
  const secs = () => `${Math.round((Date.now() - start) / 1000)}s`;
  try {
    await fn();
    appendFileSync(RESULTS, `PASS ${SCENARIO}/${name}\n`);
    console.log(`  ok    ${`${SCENARIO}/${name}`.padEnd(40)} (${secs()})`);
  } catch (err) {
    failures++;
    appendFileSync(RESULTS, `FAIL ${SCENARIO}/${name}\n`);
    console.log(`  FAIL  ${`${SCENARIO}/${name}`.padEnd(40)} (${secs()}); output:`);
    for (const line of caseLog) console.log(`      | ${line}`);
    if (err?.$metadata) console.log(`      | ${describe(err)}`);
    for (const line of String(err?.stack ?? err).split("\n").slice(0, 15)) {
      console.log(`      | ${line}`);
    }
  }
}
process.exitCode = failures ? 1 : 0;
