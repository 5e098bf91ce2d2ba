// The package's entry for Cloudflare Workers (the `workerd` condition):
// Workers refuse to compile wasm from bytes at run time and have no canvas,
// so the build with the image codec is imported as a compiled module (as
// wrangler and workerd load a `.wasm` import) and instantiated at once;
// `await init()` is kept (and does nothing) so code written for browsers
// runs unchanged.
import module from "./node/anysolver_coordinates_bg.wasm";
import { initSync } from "./node/anysolver_coordinates.js";

initSync({ module });

export * from "./node/anysolver_coordinates.js";

/** Already initialised in Workers; resolves at once. */
export default async function init() {}
