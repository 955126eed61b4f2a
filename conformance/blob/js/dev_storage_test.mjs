// Scenario blob_devstorage: the gateway on its well-known Blob port (127.0.0.1:10000) and
// @azure/storage-blob with the connection string "UseDevelopmentStorage=true", exactly as
// an application configured for Azurite would run. Results go to $CONF_RESULTS.

import { createHash, randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { BlobServiceClient } from "@azure/storage-blob";

const RESULTS = process.env.CONF_RESULTS;
const SCENARIO = process.env.CONF_SCENARIO ?? "blob_devstorage";

function sha256(buf) { return createHash("sha256").update(buf).digest("hex"); }

const cases = [
  ["connection-string", async () => {
    const svc = BlobServiceClient.fromConnectionString("UseDevelopmentStorage=true");
    if (svc.url !== "http://127.0.0.1:10000/devstoreaccount1") {
      throw new Error(`unexpected endpoint ${svc.url}`);
    }
    const container = svc.getContainerClient("conf-devstorage");
    await container.create({ metadata: { purpose: "devstorage" } });
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await container.getBlockBlobClient("dir/data.bin").uploadData(data, {
      blockSize: 1024 * 1024, concurrency: 4,
    });
    const back = await container.getBlobClient("dir/data.bin").downloadToBuffer();
    if (sha256(back) !== sha256(data)) throw new Error("downloaded bytes differ");
    const names = [];
    for await (const item of container.listBlobsByHierarchy("/")) names.push(item.name);
    if (JSON.stringify(names) !== JSON.stringify(["dir/"])) {
      throw new Error(`hierarchical listing ${JSON.stringify(names)}`);
    }
    const props = await container.getProperties();
    if (props.metadata?.purpose !== "devstorage") throw new Error("container metadata lost");
    await container.delete();
  }],
];

let failures = 0;
for (const [name, fn] of cases) {
  try {
    await fn();
    appendFileSync(RESULTS, `PASS ${SCENARIO}/${name}\n`);
    console.log(`  ok    ${SCENARIO}/${name}`);
  } catch (err) {
    failures++;
    appendFileSync(RESULTS, `FAIL ${SCENARIO}/${name}\n`);
    console.log(`  FAIL  ${SCENARIO}/${name}: ${err?.stack ?? err}`);
  }
}
process.exitCode = failures ? 1 : 0;
