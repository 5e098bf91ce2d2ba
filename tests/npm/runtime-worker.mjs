// Cloudflare Workers: runtime-cases.mjs against the sandbox its bindings
// name, its outcome as the answer's JSON.
import { run } from "./runtime-cases.mjs";

export default {
  async fetch(_request, env) {
    return Response.json(await run(env.SANDBOX_URL, env.ANYSOLVER_KEY));
  },
};
