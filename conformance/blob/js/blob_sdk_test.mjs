// Scenario blob_js: the Azure Storage Blob SDK for JavaScript (@azure/storage-blob, version
// pinned in package.json) against the gateway's Blob dialect, with the SDK's DEFAULT
// pipeline: its own x-ms-version (printed), retry policy (fewer tries), SharedKey signing.
//
// Covers uploadData of 100 MiB in 4 MiB blocks on 8 workers, downloadToBuffer compared by
// SHA-256, ranged reads, listBlobsByHierarchy / listBlobsFlat with pagination, metadata and
// HTTP headers, Copy Blob and Copy Blob From URL (syncCopyFromURL with a SAS source), SAS
// made with generateBlobSASQueryParameters / generateAccountSASQueryParameters, staged
// blocks and the error codes. Run by conformance/run.sh, which provides the environment
// described in conformance/lib/common.sh; results go to $CONF_RESULTS as
// "PASS blob_js/<case>" lines.

import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, renameSync, statSync,
  writeSync } from "node:fs";
import { join } from "node:path";
import {
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobSASPermissions,
  BlobServiceClient, BlockBlobClient, ContainerClient, ContainerSASPermissions,
  StorageSharedKeyCredential, generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";

const SCENARIO = process.env.CONF_SCENARIO ?? "blob_js";
const ENDPOINT = process.env.TESSERA_ENDPOINT;
const WORK = process.env.CONF_WORK;
const SRC = process.env.CONF_SRC;
const RESULTS = process.env.CONF_RESULTS;
const ACCOUNT = "devstoreaccount1";
const KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const ACCOUNT_URL = `${ENDPOINT}/${ACCOUNT}`;
const CONN_STR = `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};` +
  `BlobEndpoint=${ACCOUNT_URL};`;
const MIB = 1024 * 1024;
const BIG_SIZE = 100 * MIB;
const CONTAINER = "conf-js-blob";
const LIST_CONTAINER = "conf-js-blob-list";

// One quick retry at most: retries would hide gateway errors.
const PIPELINE = { retryOptions: { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 } };
const cred = new StorageSharedKeyCredential(ACCOUNT, KEY);
const svc = BlobServiceClient.fromConnectionString(CONN_STR, PIPELINE);

// ---------------------------------------------------------------------------------------
// Helpers.

let caseLog = [];
function log(line) { caseLog.push(line); }

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
function md5(buf) { return createHash("md5").update(buf).digest(); }

function canonical(v) {
  return JSON.stringify(v, (k, x) => (x && typeof x === "object" && !Array.isArray(x) &&
    !Buffer.isBuffer(x) ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]]))
    : x));
}

function eq(got, want, what) {
  const g = canonical(got), w = canonical(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

function errorCode(err) { return err?.details?.errorCode ?? err?.code; }
function describe(err) {
  return `HTTP ${err?.statusCode} x-ms-error-code ${errorCode(err)}: ` +
    `${String(err?.message ?? err).split("\n")[0]}`;
}

// The call must fail with this x-ms-error-code and HTTP status (one of them, for an array).
async function expectError(promiseFn, code, status) {
  const statuses = Array.isArray(status) ? status : [status];
  let result;
  try {
    result = await promiseFn();
  } catch (err) {
    log(`  got error ${describe(err)}`);
    if (errorCode(err) !== code || !statuses.includes(err?.statusCode)) {
      throw new Error(`got ${describe(err)}; want HTTP ${status} ${code}`);
    }
    return err;
  }
  throw new Error(`call succeeded (${JSON.stringify(result?._response?.status)}); ` +
    `want HTTP ${status} ${code}`);
}

async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

function inOneHour() { return new Date(Date.now() + 3600 * 1000); }

const SMALL = readFileSync(makeFile(join(WORK, "small.bin"), 34567));
const BIG_PATH = makeFile(join(SRC, "big.bin"), BIG_SIZE);

const container = svc.getContainerClient(CONTAINER);
const listContainer = svc.getContainerClient(LIST_CONTAINER);

// ---------------------------------------------------------------------------------------
// Cases (in order; later ones use what earlier ones made).

async function caseContainerCreateList() {
  const created = await container.create({ metadata: { purpose: "conformance" } });
  console.log(`        note: x-ms-version sent: ` +
    `${created._response.request.headers.get("x-ms-version")}`);
  await listContainer.create();
  const listed = await collect(
    svc.listContainers({ prefix: "conf-js-blob", includeMetadata: true }));
  eq(listed.map((c) => c.name), [CONTAINER, LIST_CONTAINER], "listContainers");
  eq(listed[0].metadata, { purpose: "conformance" }, "listed metadata");
  const pages = [];
  const containerPages = svc.listContainers({ prefix: "conf-js-blob" }).byPage({ maxPageSize: 1 });
  for await (const page of containerPages) {
    pages.push(page.containerItems.map((c) => c.name));
  }
  eq(pages, [[CONTAINER], [LIST_CONTAINER]], "pages of one container");
  await container.setMetadata({ color: "green", note: "Value With Spaces" });
  const props = await container.getProperties();
  eq(props.metadata, { color: "green", note: "Value With Spaces" }, "container metadata");
  eq(await container.exists(), true, "exists");
  eq(await svc.getContainerClient("conf-js-blob-none").exists(), false, "exists (missing)");
}

async function caseBlobSmallMetadata() {
  const bb = container.getBlockBlobClient("small.bin");
  const put = await bb.upload(SMALL, SMALL.length, {
    metadata: { color: "blue", owner: "js" },
    blobHTTPHeaders: { blobContentType: "application/x-js", blobCacheControl: "no-cache",
      blobContentDisposition: "attachment; filename=small.bin" },
  });
  eq(Buffer.from(put.contentMD5).toString("hex"), md5(SMALL).toString("hex"), "Put Blob MD5");
  let props = await bb.getProperties();
  eq([props.contentLength, props.contentType, props.cacheControl, props.contentDisposition,
    props.blobType], [SMALL.length, "application/x-js", "no-cache",
    "attachment; filename=small.bin", "BlockBlob"], "properties");
  eq(props.metadata, { color: "blue", owner: "js" }, "metadata");
  eq(Buffer.from(props.contentMD5).toString("hex"), md5(SMALL).toString("hex"), "stored MD5");
  eq(props.etag, put.etag, "ETag");
  await bb.setMetadata({ color: "red" });
  props = await bb.getProperties();
  eq(props.metadata, { color: "red" }, "metadata after setMetadata");
  eq(props.contentType, "application/x-js", "content type kept");
  await bb.setHTTPHeaders({ blobContentType: "text/plain", blobContentMD5: md5(SMALL) });
  props = await bb.getProperties();
  eq([props.contentType, props.cacheControl ?? null], ["text/plain", null], "headers after set");
  eq(props.metadata, { color: "red" }, "metadata kept by setHTTPHeaders");
}

async function caseUpload100MiB() {
  const data = readFileSync(BIG_PATH);
  const bb = container.getBlockBlobClient("big.bin");
  const start = Date.now();
  await bb.uploadData(data, {
    blockSize: 4 * MIB, concurrency: 8, maxSingleShotSize: 8 * MIB,
    metadata: { size: "100mib" }, blobHTTPHeaders: { blobContentType: "application/x-big" },
  });
  console.log(`        note: uploadData 100 MiB in ${(Date.now() - start) / 1000}s`);
  const props = await bb.getProperties();
  eq([props.contentLength, props.contentType, props.metadata],
    [BIG_SIZE, "application/x-big", { size: "100mib" }], "properties");
  const list = await bb.getBlockList("all");
  eq(list.committedBlocks.length, 25, "committed blocks");
  eq([...new Set(list.committedBlocks.map((b) => b.size))], [4 * MIB], "block sizes");
  eq(list.uncommittedBlocks ?? [], [], "uncommitted blocks");
}

async function caseDownloadFullRanged() {
  const want = sha256(readFileSync(BIG_PATH));
  const bb = container.getBlockBlobClient("big.bin");
  const got = await bb.downloadToBuffer(0, undefined, { blockSize: 4 * MIB, concurrency: 4 });
  eq([got.length, sha256(got)], [BIG_SIZE, want], "downloadToBuffer of 100 MiB");
  const big = readFileSync(BIG_PATH);
  for (const [offset, count] of [[0, 1], [40 * MIB + 3, 2000000], [BIG_SIZE - 999, 999]]) {
    const part = await bb.downloadToBuffer(offset, count);
    eq(sha256(part), sha256(big.subarray(offset, offset + count)), `range ${offset}+${count}`);
  }
  // A single ranged GET, streamed, with x-ms-range-get-content-md5.
  const r = await bb.download(5 * MIB + 7, MIB, { rangeGetContentMD5: true });
  const chunks = [];
  for await (const c of r.readableStreamBody) chunks.push(c);
  const body = Buffer.concat(chunks);
  eq(sha256(body), sha256(big.subarray(5 * MIB + 7, 6 * MIB + 7)), "streamed range");
  eq(Buffer.from(r.contentMD5).toString("hex"), md5(body).toString("hex"), "range Content-MD5");
  eq(r.contentRange, `bytes ${5 * MIB + 7}-${6 * MIB + 6}/${BIG_SIZE}`, "Content-Range");
  const small = await container.getBlobClient("small.bin").downloadToBuffer();
  eq(sha256(small), sha256(SMALL), "small download");
}

async function caseListHierarchyFlat() {
  for (const name of ["a/1", "a/2", "a/sub/3", "b/1", "top"]) {
    await listContainer.getBlockBlobClient(name).upload(name, name.length,
      { metadata: { n: name.replace(/\//g, "-") } });
  }
  const top = await collect(listContainer.listBlobsByHierarchy("/"));
  eq(top.map((i) => [i.kind, i.name]).sort(),
    [["blob", "top"], ["prefix", "a/"], ["prefix", "b/"]], "listBlobsByHierarchy /");
  const underA = await collect(listContainer.listBlobsByHierarchy("/", { prefix: "a/" }));
  eq(underA.map((i) => [i.kind, i.name]).sort(),
    [["blob", "a/1"], ["blob", "a/2"], ["prefix", "a/sub/"]], "listBlobsByHierarchy a/");
  const flat = await collect(listContainer.listBlobsFlat({ prefix: "a/", includeMetadata: true }));
  eq(flat.map((b) => [b.name, b.properties.contentLength, b.metadata]),
    [["a/1", 3, { n: "a-1" }], ["a/2", 3, { n: "a-2" }], ["a/sub/3", 7, { n: "a-sub-3" }]],
    "listBlobsFlat a/ with metadata");
  const pages = [];
  for await (const page of listContainer.listBlobsFlat().byPage({ maxPageSize: 2 })) {
    pages.push([page.segment.blobItems.map((b) => b.name), Boolean(page.continuationToken)]);
  }
  eq(pages, [[["a/1", "a/2"], true], [["a/sub/3", "b/1"], true], [["top"], false]],
    "pages of 2");
  const hpages = [];
  for await (const page of listContainer.listBlobsByHierarchy("/").byPage({ maxPageSize: 1 })) {
    hpages.push([...(page.segment.blobPrefixes ?? []).map((p) => p.name),
      ...page.segment.blobItems.map((b) => b.name)]);
  }
  eq(hpages, [["a/"], ["b/"], ["top"]], "hierarchical pages of 1");
}

async function caseCopy() {
  const src = container.getBlobClient("small.bin");
  // Copy Blob within the account (poller; the gateway completes at once).
  const dst = container.getBlobClient("copy/async.bin");
  const poller = await dst.beginCopyFromURL(src.url, { intervalInMs: 200 });
  const done = await poller.pollUntilDone();
  eq(done.copyStatus, "success", "beginCopyFromURL status");
  eq(sha256(await dst.downloadToBuffer()), sha256(SMALL), "copied body");
  eq((await dst.getProperties()).metadata, { color: "red" }, "copied metadata");
  // Copy Blob From URL (x-ms-requires-sync) with a SAS on the source.
  const sas = generateBlobSASQueryParameters({
    containerName: CONTAINER, blobName: "big.bin", permissions: BlobSASPermissions.parse("r"),
    expiresOn: inOneHour(),
  }, cred).toString();
  const sync = listContainer.getBlobClient("zz-sync-copy");
  const r = await sync.syncCopyFromURL(`${container.getBlobClient("big.bin").url}?${sas}`,
    { metadata: { copied: "sync" } });
  eq(r.copyStatus, "success", "syncCopyFromURL status");
  const props = await sync.getProperties();
  eq([props.contentLength, props.metadata], [BIG_SIZE, { copied: "sync" }], "synced copy");
  const big = readFileSync(BIG_PATH);
  eq(sha256(await sync.downloadToBuffer(60 * MIB, MIB)),
    sha256(big.subarray(60 * MIB, 61 * MIB)), "synced copy range");
  await sync.delete();
}

async function caseCopyFromUrlUnreadableSource() {
  // Copy Blob From URL reads its source as an anonymous caller would (unless it carries a
  // SAS): a private source fails with x-ms-error-code CannotVerifyCopySource, the HTTP
  // status being what reading the source gave (Azure: 404, or 401/403).
  const dst = listContainer.getBlobClient("zz-denied");
  await expectError(() => dst.syncCopyFromURL(container.getBlobClient("small.bin").url),
    "CannotVerifyCopySource", [401, 403, 404]);
  eq(await dst.exists(), false, "no destination blob");
}

async function caseSas() {
  const blobUrl = container.getBlobClient("small.bin").url;
  const readSas = generateBlobSASQueryParameters({
    containerName: CONTAINER, blobName: "small.bin", permissions: BlobSASPermissions.parse("r"),
    expiresOn: inOneHour(),
  }, cred).toString();
  const reader = new BlockBlobClient(`${blobUrl}?${readSas}`, undefined, PIPELINE);
  eq(sha256(await reader.downloadToBuffer()), sha256(SMALL), "read through a blob SAS");
  await expectError(() => reader.upload("x", 1), "AuthorizationPermissionMismatch", 403);
  const expired = generateBlobSASQueryParameters({
    containerName: CONTAINER, blobName: "small.bin", permissions: BlobSASPermissions.parse("r"),
    startsOn: new Date(Date.now() - 7200 * 1000), expiresOn: new Date(Date.now() - 3600 * 1000),
  }, cred).toString();
  await expectError(() => new BlockBlobClient(`${blobUrl}?${expired}`, undefined, PIPELINE)
    .downloadToBuffer(), "AuthenticationFailed", 403);
  // Container SAS with create + write + list: upload and list, but no delete.
  const cSas = generateBlobSASQueryParameters({
    containerName: CONTAINER, permissions: ContainerSASPermissions.parse("rcwl"),
    expiresOn: inOneHour(),
  }, cred).toString();
  const cc = new ContainerClient(`${container.url}?${cSas}`, undefined, PIPELINE);
  await cc.getBlockBlobClient("sas/js.txt").upload("via container sas", 17);
  const names = (await collect(cc.listBlobsFlat({ prefix: "sas/" }))).map((b) => b.name);
  eq(names, ["sas/js.txt"], "list through a container SAS");
  await expectError(() => cc.getBlobClient("sas/js.txt").delete(),
    "AuthorizationPermissionMismatch", 403);
  // Account SAS (service, container, object; read + list).
  const aSas = generateAccountSASQueryParameters({
    services: AccountSASServices.parse("b").toString(),
    resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
    permissions: AccountSASPermissions.parse("rl"), expiresOn: inOneHour(),
  }, cred).toString();
  const asvc = new BlobServiceClient(`${ACCOUNT_URL}?${aSas}`, undefined, PIPELINE);
  const listed = (await collect(asvc.listContainers({ prefix: "conf-js-blob" })))
    .map((c) => c.name);
  eq(listed, [CONTAINER, LIST_CONTAINER], "listContainers with an account SAS");
  eq(sha256(await asvc.getContainerClient(CONTAINER).getBlobClient("small.bin").downloadToBuffer()),
    sha256(SMALL), "read with an account SAS");
  await expectError(() => asvc.getContainerClient("conf-js-blob-denied").create(),
    "AuthorizationPermissionMismatch", 403);
  // generateSasUrl of a client with a shared key.
  const url = await container.getBlobClient("small.bin").generateSasUrl({
    permissions: BlobSASPermissions.parse("r"), expiresOn: inOneHour() });
  const res = await fetch(url);
  eq([res.status, sha256(Buffer.from(await res.arrayBuffer()))], [200, sha256(SMALL)],
    "fetch of generateSasUrl");
}

async function caseStagedBlocks() {
  const bb = container.getBlockBlobClient("staged.bin");
  const id = (n) => Buffer.from(`block-${String(n).padStart(4, "0")}`).toString("base64");
  const parts = [randomBytes(100000), randomBytes(50000), randomBytes(70000)];
  for (let i = 0; i < parts.length; i++) await bb.stageBlock(id(i), parts[i], parts[i].length);
  let list = await bb.getBlockList("all");
  eq((list.committedBlocks ?? []).length, 0, "committed before commit");
  eq(list.uncommittedBlocks.map((b) => [b.name, b.size]).sort(),
    parts.map((p, i) => [id(i), p.length]), "uncommitted blocks");
  await expectError(() => bb.getProperties(), "BlobNotFound", 404);
  const withUncommitted = await collect(container.listBlobsFlat(
    { prefix: "staged", includeUncommitedBlobs: true }));
  eq(withUncommitted.map((b) => b.name), ["staged.bin"], "listed with uncommittedblobs");
  eq((await collect(container.listBlobsFlat({ prefix: "staged" }))).map((b) => b.name), [],
    "not listed by default");
  await bb.commitBlockList([id(1), id(0)], { metadata: { staged: "yes" } });
  eq(sha256(await bb.downloadToBuffer()), sha256(Buffer.concat([parts[1], parts[0]])), "content");
  list = await bb.getBlockList("all");
  eq(list.committedBlocks.map((b) => b.name), [id(1), id(0)], "committed list");
  eq(list.uncommittedBlocks ?? [], [], "uncommitted after commit");
  // Put Block From URL from a range of big.bin (SAS source).
  const sas = generateBlobSASQueryParameters({
    containerName: CONTAINER, blobName: "big.bin", permissions: BlobSASPermissions.parse("r"),
    expiresOn: inOneHour(),
  }, cred).toString();
  const fromUrl = container.getBlockBlobClient("from-url.bin");
  await fromUrl.stageBlockFromURL(id(9), `${container.getBlobClient("big.bin").url}?${sas}`,
    3 * MIB, MIB);
  await fromUrl.commitBlockList([id(9)]);
  const big = readFileSync(BIG_PATH);
  eq(sha256(await fromUrl.downloadToBuffer()), sha256(big.subarray(3 * MIB, 4 * MIB)),
    "block from URL");
  await expectError(() => bb.commitBlockList([id(42)]), "InvalidBlockList", 400);
}

async function caseErrors() {
  const missing = container.getBlobClient("no/such/blob");
  await expectError(() => missing.getProperties(), "BlobNotFound", 404);
  await expectError(() => missing.download(), "BlobNotFound", 404);
  await expectError(() => missing.delete(), "BlobNotFound", 404);
  eq(await missing.exists(), false, "exists");
  const nocont = svc.getContainerClient("conf-js-blob-missing");
  await expectError(() => nocont.getProperties(), "ContainerNotFound", 404);
  await expectError(() => nocont.getBlockBlobClient("x").upload("x", 1), "ContainerNotFound", 404);
  await expectError(() => collect(nocont.listBlobsFlat()), "ContainerNotFound", 404);
  await expectError(() => container.create(), "ContainerAlreadyExists", 409);
  const bb = container.getBlockBlobClient("small.bin");
  const { etag } = await bb.getProperties();
  await expectError(() => bb.download(0, undefined, { conditions: { ifMatch: '"0x8D0BOGUS"' } }),
    "ConditionNotMet", 412);
  await expectError(() => bb.setMetadata({ x: "y" }, { conditions: { ifMatch: '"0x8D0BOGUS"' } }),
    "ConditionNotMet", 412);
  const ok = await bb.downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
  eq(sha256(ok), sha256(SMALL), "If-Match with the current ETag");
  await expectError(() => bb.download(SMALL.length + 100, 10), "InvalidRange", 416);
  const wrongKey = new BlobServiceClient(ACCOUNT_URL, new StorageSharedKeyCredential(ACCOUNT,
    Buffer.alloc(64, 7).toString("base64")), PIPELINE);
  await expectError(() => wrongKey.getContainerClient(CONTAINER).getProperties(),
    "AuthenticationFailed", 403);
}

async function caseDelete() {
  await container.getBlobClient("staged.bin").delete();
  eq(await container.getBlobClient("staged.bin").exists(), false, "deleted blob");
  eq((await container.getBlobClient("from-url.bin").deleteIfExists()).succeeded, true,
    "deleteIfExists");
  eq((await container.getBlobClient("from-url.bin").deleteIfExists()).succeeded, false,
    "deleteIfExists again");
  await container.delete();
  await listContainer.delete();
  const left = (await collect(svc.listContainers({ prefix: "conf-js-blob" }))).map((c) => c.name);
  eq(left, [], "containers left");
  await expectError(() => container.getProperties(), "ContainerNotFound", 404);
}

const CASES = [
  ["container-create-list", caseContainerCreateList],
  ["blob-small-metadata", caseBlobSmallMetadata],
  ["upload-100MiB-uploadData", caseUpload100MiB],
  ["download-full-ranged", caseDownloadFullRanged],
  ["list-hierarchy-flat", caseListHierarchyFlat],
  ["copy", caseCopy],
  ["copy-from-url-unreadable-source", caseCopyFromUrlUnreadableSource],
  ["sas", caseSas],
  ["staged-blocks", caseStagedBlocks],
  ["errors", caseErrors],
  ["delete", caseDelete],
];

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url)));
console.log(`node ${process.version}, @azure/storage-blob ` +
  `${pkg.dependencies["@azure/storage-blob"]}, endpoint ${ACCOUNT_URL}`);
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
    if (err?.statusCode) console.log(`      | ${describe(err)}`);
    for (const line of String(err?.stack ?? err).split("\n").slice(0, 15)) {
      console.log(`      | ${line}`);
    }
  }
}
process.exitCode = failures ? 1 : 0;
