// The build's smoke check: the optimised .wasm in pkg/ instantiates in Node
// and the client answers. Run by `cargo xtask build`; fails loudly otherwise.
import { readFile } from "node:fs/promises";
import { initSync, CoordinatesClient } from "../../pkg/anysolver_coordinates.js";

const wasm = new URL("../../pkg/anysolver_coordinates_bg.wasm", import.meta.url);
const bytes = await readFile(wasm);
initSync({ module: bytes });

let error = null;
try {
  new CoordinatesClient({});
} catch (e) {
  error = e;
}
if (!(error instanceof Error) || error.kind !== "validation" || error.code !== "MISSING_CLIENT_KEY") {
  console.error("smoke: the client did not reject a missing clientKey as expected:", error);
  process.exit(1);
}
const client = new CoordinatesClient({ clientKey: "anysolver_smoke", endpoint: "http://127.0.0.1:9" });
client.free();
console.log(`smoke: pkg/ loads and runs in Node (${bytes.length} bytes of wasm)`);
