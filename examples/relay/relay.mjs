// A relay that keeps the AnySolver key off public web pages. The page's
// client (`new CoordinatesClient({ relay: true, endpoint })`) sends its
// requests here without a key; the relay checks where they come from, adds
// the key from its environment and forwards them upstream. Node's own http
// and fetch, no framework, no dependency: one file to read and run.
//
//   ANYSOLVER_KEY=anysolver_... RELAY_ORIGINS=https://your.site node examples/relay/relay.mjs
//
// Environment:
//   ANYSOLVER_KEY      the API key (required); never logged, never answered
//   RELAY_ORIGINS      the page origins allowed, comma-separated (required)
//   RELAY_UPSTREAM     the API (default https://api.anysolver.com)
//   RELAY_HOST, RELAY_PORT   where to listen (default 127.0.0.1:8787; port 0: any free one)
//   RELAY_METHODS      the API methods forwarded (default createTask,getTaskResult)
//   RELAY_MAX_BODY     the largest request body, bytes (default 1000000: an image
//                      within the providers' 500 kB, in base64, and its instruction image)
//   RELAY_RATE         requests per client address per minute (default 600)
//
// Its own refusals are answered as the API answers errors (HTTP 200,
// `{"errorId": 1, "errorCode": "RELAY_…", "errorDescription": "…"}`), with
// the CORS headers a page needs to read them, so the client rejects with a
// typed `api` error: RELAY_ORIGIN_NOT_ALLOWED, RELAY_METHOD_NOT_ALLOWED,
// RELAY_BODY_TOO_LARGE, RELAY_RATE_LIMITED, RELAY_INVALID_REQUEST. An
// upstream that cannot be reached is a 502 (the request may have arrived).
// It logs one line per request: time, method, origin, status, duration;
// never a body, a key or an image.
//
// What an Origin check can and cannot do: it stops other web sites from
// spending your balance through their visitors' browsers; a script outside
// a browser can send any Origin, which the rate limit per address bounds.
import { createServer } from "node:http";

const env = process.env;
const KEY = env.ANYSOLVER_KEY?.trim();
const ORIGINS = new Set((env.RELAY_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean));
const UPSTREAM = (env.RELAY_UPSTREAM ?? "https://api.anysolver.com").replace(/\/+$/, "");
const METHODS = new Set((env.RELAY_METHODS ?? "createTask,getTaskResult").split(",").map((m) => m.trim()).filter(Boolean));
const MAX_BODY = Number(env.RELAY_MAX_BODY ?? 1_000_000);
const RATE = Number(env.RELAY_RATE ?? 600);
const WINDOW_MS = 60_000;

if (!KEY || ORIGINS.size === 0) {
  console.error("relay: set ANYSOLVER_KEY (the API key) and RELAY_ORIGINS (the page origins allowed)");
  process.exit(2);
}

/** Requests per client address in the current minute. */
const seen = new Map();

function overTheRate(address) {
  const now = Date.now();
  const entry = seen.get(address);
  if (!entry || now - entry.since >= WINDOW_MS) {
    seen.set(address, { since: now, count: 1 });
    return 0;
  }
  entry.count += 1;
  return entry.count > RATE ? Math.ceil((entry.since + WINDOW_MS - now) / 1000) : 0;
}

setInterval(() => {
  const now = Date.now();
  for (const [address, entry] of seen) if (now - entry.since >= WINDOW_MS) seen.delete(address);
}, WINDOW_MS).unref();

/** CORS headers for `origin`: every origin may read a refusal; only the
 * allowed ones get anything forwarded. */
function cors(origin) {
  return origin
    ? {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "content-type",
        "access-control-max-age": "600",
        vary: "Origin",
      }
    : {};
}

function answer(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function refuse(res, origin, code, description, status = 200) {
  answer(res, status, { errorId: 1, errorCode: code, errorDescription: description }, cors(origin));
}

/** The body, or `null` once it is over `MAX_BODY` (the rest is not read). */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY) return resolve(null);
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function handle(req, res) {
  const origin = req.headers.origin;
  const method = new URL(req.url, "http://relay").pathname.replace(/^\/+/, "");
  if (req.method === "OPTIONS") {
    res.writeHead(204, cors(origin));
    return res.end();
  }
  if (req.method !== "POST") {
    return refuse(res, origin, "RELAY_INVALID_REQUEST", "the relay takes POST requests only", 405);
  }
  if (!origin || !ORIGINS.has(origin)) {
    return refuse(res, origin, "RELAY_ORIGIN_NOT_ALLOWED", `this relay serves ${[...ORIGINS].join(", ")} only`);
  }
  const wait = overTheRate(req.socket.remoteAddress ?? "");
  if (wait) {
    return refuse(res, origin, "RELAY_RATE_LIMITED", `more than ${RATE} requests a minute from this address; try again in ${wait} s`);
  }
  if (!METHODS.has(method)) {
    return refuse(res, origin, "RELAY_METHOD_NOT_ALLOWED", `the relay forwards ${[...METHODS].join(", ")} only`);
  }
  const text = await readBody(req);
  if (text === null) {
    return refuse(res, origin, "RELAY_BODY_TOO_LARGE", `the request is over ${MAX_BODY} bytes`);
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return refuse(res, origin, "RELAY_INVALID_REQUEST", "the request is not a JSON object");
  }
  body.clientKey = KEY;
  let upstream;
  try {
    upstream = await fetch(`${UPSTREAM}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    return refuse(res, origin, "RELAY_UPSTREAM_UNREACHABLE", "the relay could not reach the service", 502);
  }
  // Whatever the service says, with the key blanked out should it quote it.
  const reply = (await upstream.text()).replaceAll(KEY, "[redacted]");
  answer(res, upstream.status, reply, cors(origin));
}

const server = createServer((req, res) => {
  const started = Date.now();
  res.on("finish", () => {
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} origin=${req.headers.origin ?? "-"} ${res.statusCode} ${Date.now() - started} ms`);
  });
  handle(req, res).catch(() => {
    if (!res.headersSent) refuse(res, req.headers.origin, "RELAY_INVALID_REQUEST", "the request could not be read");
  });
});

server.listen(Number(env.RELAY_PORT ?? 8787), env.RELAY_HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  console.log(`relay listening on http://${address}:${port}, forwarding ${[...METHODS].join(", ")} to ${UPSTREAM} for ${[...ORIGINS].join(", ")}`);
});
