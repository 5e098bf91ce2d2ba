// Node, Deno and Bun: runtime-cases.mjs against the sandbox named in the
// environment, its outcome printed as one line of JSON.
import { run } from "./runtime-cases.mjs";

const env = (name) => globalThis.Deno?.env.get(name) ?? globalThis.process?.env[name];
console.log(JSON.stringify(await run(env("SANDBOX_URL"), env("ANYSOLVER_KEY"))));
