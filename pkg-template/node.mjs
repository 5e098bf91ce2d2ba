// The package's Node ESM entry: the Node build (with its own image codec,
// since Node has no canvas) is read from disk and compiled synchronously,
// so the client is ready on import; `await init()` is kept (and does
// nothing) so code written for browsers runs unchanged.
import { readFileSync } from "node:fs";
import { initSync } from "./node/anysolver_coordinates.js";

initSync({ module: readFileSync(new URL("./node/anysolver_coordinates_bg.wasm", import.meta.url)) });

export * from "./node/anysolver_coordinates.js";

/** Already initialised in Node; resolves at once. */
export default async function init() {}
