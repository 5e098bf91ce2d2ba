// A relay that keeps the AnySolver key off public web pages, as a standard
// fetch handler: `(request, address) => Promise<Response>`, for Node, Deno,
// Bun and Cloudflare Workers alike (it uses only fetch, Request, Response
// and URL). The page's client (`new CoordinatesClient({ relay: true,
// endpoint })`) sends its requests here without a key; the relay checks
// where they come from and what they spend, adds the key and forwards them.
//
// Its refusals are answered as the API answers errors (HTTP 200,
// `{"errorId": 1, "errorCode": "RELAY_…", "errorDescription": "…"}`), with
// the CORS headers a page needs to read them, so the client rejects with a
// typed `api` error: RELAY_ORIGIN_NOT_ALLOWED, RELAY_UNAUTHORIZED,
// RELAY_METHOD_NOT_ALLOWED, RELAY_BODY_TOO_LARGE, RELAY_RATE_LIMITED,
// RELAY_DAILY_LIMIT, RELAY_INVALID_REQUEST. An upstream that cannot be
// reached is a 502 RELAY_UPSTREAM_UNREACHABLE, and a hook that throws a
// 502 RELAY_FAILED (either way the request may have arrived). Nothing it answers holds the key: the service's answers are
// forwarded with the key blanked out.
//
// What it guards, and what not: an Origin check stops other web sites from
// spending the balance through their visitors' browsers; a script outside a
// browser can send any Origin, so the rate and the daily budgets per client
// address, and the daily budget of the whole relay, bound what anyone can
// spend. The address is the connection's peer, or with `trustProxy: N` the
// one the N-th proxy in front saw (`X-Forwarded-For`, to which each must
// append); with 0 (the default) the header is ignored, so no visitor can
// forge an address. The key pays for CoordinatesRecognition tasks only. The counts live in this process's memory unless `count`
// keeps them elsewhere (several instances behind one front need a shared
// store: Redis, a Durable Object).

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * A relay handler for `options` (see relay.d.ts); throws a TypeError when
 * an option is wrong.
 */
export function createRelay(options) {
  const o = settings(options);
  return async function relay(request, address) {
    const origin = request.headers.get("origin");
    const headers = cors(origin, o.origins);
    const refuse = (code, description, status = 200) =>
      json({ errorId: 1, errorCode: code, errorDescription: description }, status, headers);
    try {
      return await handle(o, request, address, origin, headers, refuse);
    } catch {
      // A hook that threw, a body that broke off: answered with the CORS
      // headers, so the page reads it (a 5xx: a createTask may have gone).
      return refuse("RELAY_FAILED", "the relay could not handle the request", 502);
    }
  };
}

async function handle(o, request, address, origin, headers, refuse) {
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers });
  if (request.method !== "POST") return refuse("RELAY_INVALID_REQUEST", "the relay takes POST requests only", 405);
  if (!origin || !o.origins.has(origin)) {
    return refuse("RELAY_ORIGIN_NOT_ALLOWED", `this relay serves ${[...o.origins].join(", ")} only`);
  }
  if (o.authorize && !(await o.authorize(request.clone()))) {
    return refuse("RELAY_UNAUTHORIZED", "the site did not authorize this request");
  }
  const client = clientAddress(request, address, o.trustProxy);
  if ((await o.count(`rate:${client}`, MINUTE_MS)) > o.rate) {
    return refuse("RELAY_RATE_LIMITED", `more than ${o.rate} requests a minute from this address; try again in a minute`);
  }
  const method = new URL(request.url).pathname.split("/").pop();
  if (!o.methods.has(method)) {
    return refuse("RELAY_METHOD_NOT_ALLOWED", `the relay forwards ${[...o.methods].join(", ")} only`);
  }
  const text = await readCapped(request, o.maxBody);
  if (text === null) return refuse("RELAY_BODY_TOO_LARGE", `the request is over ${o.maxBody} bytes`);
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Refused below.
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return refuse("RELAY_INVALID_REQUEST", "the request is not a JSON object");
  }
  if (method === "createTask") {
    // The key pays for this package's task only.
    if (body.task?.type !== "CoordinatesRecognition") {
      return refuse("RELAY_INVALID_REQUEST", "the relay creates CoordinatesRecognition tasks only");
    }
    // Counted before they are forwarded (a createTask may create a task
    // even when its answer never comes back); one refused for its address
    // does not spend the relay's budget.
    if ((await o.count(`tasks:${client}`, DAY_MS)) > o.tasksPerDay) {
      return refuse("RELAY_DAILY_LIMIT", `more than ${o.tasksPerDay} tasks today from this address; polls of tasks already created still go through`);
    }
    if ((await o.count("tasks", DAY_MS)) > o.tasksPerDayTotal) {
      return refuse("RELAY_DAILY_LIMIT", `this relay has created its ${o.tasksPerDayTotal} tasks for today; polls of tasks already created still go through`);
    }
  }
  body.clientKey = o.key;
  let upstream;
  let reply;
  try {
    upstream = await fetch(`${o.upstream}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    reply = (await upstream.text()).replaceAll(o.key, "[redacted]");
  } catch {
    return refuse("RELAY_UPSTREAM_UNREACHABLE", "the relay could not reach the service", 502);
  }
  const status = upstream.status >= 200 && upstream.status !== 204 && upstream.status !== 304 ? upstream.status : 502;
  return new Response(reply, { status, headers: { "content-type": "application/json", ...headers } });
}

/** The options checked, with their defaults. */
function settings(options = {}) {
  const wrong = (what) => {
    throw new TypeError(`createRelay: ${what}`);
  };
  const key = typeof options.key === "string" ? options.key.trim() : "";
  if (!key) wrong("key (the API key) is required");
  const origins = new Set((options.origins ?? []).map((x) => String(x).trim()).filter(Boolean));
  if (origins.size === 0) wrong("origins (the page origins allowed) must name at least one");
  const whole = (name, fallback, unbounded = true) => {
    const n = options[name] ?? fallback;
    if (!(Number.isInteger(n) || (unbounded && n === Infinity)) || n < 0) wrong(`${name} must be a whole number, at least 0`);
    return n;
  };
  const optional = (name) => {
    const f = options[name];
    if (f !== undefined && typeof f !== "function") wrong(`${name} must be a function`);
    return f;
  };
  return {
    key,
    origins,
    upstream: String(options.upstream ?? "https://api.anysolver.com").replace(/\/+$/, ""),
    methods: new Set(options.methods ?? ["createTask", "getTaskResult"]),
    maxBody: whole("maxBody", 1_000_000),
    rate: whole("rate", 600),
    tasksPerDay: whole("tasksPerDay", 1_000),
    tasksPerDayTotal: whole("tasksPerDayTotal", 10_000),
    trustProxy: whole("trustProxy", 0, false),
    authorize: optional("authorize"),
    count: optional("count") ?? memoryCounter(),
  };
}

/**
 * Counts in this process's memory: `count(name, windowMs)` adds one to
 * `name`'s count in the current window (fixed, from the epoch: a minute, a
 * UTC day) and resolves with it.
 */
export function memoryCounter() {
  const counts = new Map();
  let swept = 0;
  return async (name, windowMs) => {
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    if (now - swept > MINUTE_MS) {
      swept = now;
      for (const [k, v] of counts) if (v.window !== Math.floor(now / v.windowMs)) counts.delete(k);
    }
    const entry = counts.get(name);
    if (!entry || entry.window !== window) {
      counts.set(name, { window, windowMs, count: 1 });
      return 1;
    }
    entry.count += 1;
    return entry.count;
  };
}

/**
 * The address to limit: the connection's peer (`address`), or with
 * `trust` proxies in front the address the outermost trusted one saw, read
 * from the right of `X-Forwarded-For` (each trusted proxy must append to
 * it). Ports are dropped, and an IPv6 address stands for its /64, which
 * one user commonly holds whole.
 */
export function clientAddress(request, address, trust) {
  const peer = String(address ?? "") || "unknown";
  const hops = trust ? (request.headers.get("x-forwarded-for") ?? "").split(",") : [];
  const chain = [...hops.map((h) => h.trim()).filter(Boolean), peer];
  return normalised(chain[Math.max(0, chain.length - 1 - trust)]);
}

/** `address` without a port, IPv4 in IPv6 as IPv4, IPv6 as its /64. */
function normalised(address) {
  let a = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(":"));
  a = a.replace(/^::ffff:(?=[\d.]+$)/i, "");
  if (!a.includes(":")) return a;
  // IPv6: the first four groups of its full form.
  const [head, tail = ""] = a.split("::");
  const left = head ? head.split(":") : [];
  const right = a.includes("::") && tail ? tail.split(":") : [];
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(":")}::/64`;
}

/** CORS headers for `origin`: every origin may read a refusal; only the
 * allowed ones get anything forwarded, and their timing (so the client
 * can see the connection's protocol). */
function cors(origin, allowed) {
  if (!origin) return {};
  const headers = {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "content-type",
    "access-control-max-age": "600",
    vary: "Origin",
  };
  if (allowed.has(origin)) headers["timing-allow-origin"] = origin;
  return headers;
}

function json(body, status, headers) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The body as text, or `null` once it is over `max` bytes (the rest is not read). */
async function readCapped(request, max) {
  if (Number(request.headers.get("content-length") ?? 0) > max) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
