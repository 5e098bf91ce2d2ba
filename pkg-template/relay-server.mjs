#!/usr/bin/env node
// The relay (relay.js) as one command, on Node's own http: no framework,
// no dependency.
//
//   ANYSOLVER_KEY=anysolver_... RELAY_ORIGINS=https://your.site npx anysolver-relay
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
//   RELAY_TASKS_PER_DAY        createTasks per client address per UTC day (default 1000)
//   RELAY_TASKS_PER_DAY_TOTAL  createTasks of the whole relay per UTC day (default 10000)
//   RELAY_TRUST_PROXY  proxies in front whose X-Forwarded-For to trust (default 0:
//                      none, the connection's peer is the client; 1 behind one front)
//
// It logs one line per request: time, method, origin, status, duration;
// never a body, a key or an image.
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { createRelay } from "./relay.js";

const env = process.env;
const list = (v, fallback) => (v ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);
const number = (v) => (v === undefined || v === "" ? undefined : Number(v));

let relay;
try {
  relay = createRelay({
    key: env.ANYSOLVER_KEY,
    origins: list(env.RELAY_ORIGINS, ""),
    upstream: env.RELAY_UPSTREAM,
    methods: list(env.RELAY_METHODS, "createTask,getTaskResult"),
    maxBody: number(env.RELAY_MAX_BODY),
    rate: number(env.RELAY_RATE),
    tasksPerDay: number(env.RELAY_TASKS_PER_DAY),
    tasksPerDayTotal: number(env.RELAY_TASKS_PER_DAY_TOTAL),
    trustProxy: number(env.RELAY_TRUST_PROXY),
  });
} catch (e) {
  console.error(`relay: ${e.message} (set ANYSOLVER_KEY and RELAY_ORIGINS; see the top of this file)`);
  process.exit(2);
}

const server = createServer(async (req, res) => {
  const started = Date.now();
  res.on("finish", () => {
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} origin=${req.headers.origin ?? "-"} ${res.statusCode} ${Date.now() - started} ms`);
  });
  try {
    const request = new Request(new URL(req.url, "http://relay"), {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Readable.toWeb(req),
      duplex: "half",
    });
    const response = await relay(request, req.socket.remoteAddress);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch {
    if (!res.headersSent) res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ errorId: 1, errorCode: "RELAY_INVALID_REQUEST", errorDescription: "the request could not be read" }));
  }
});

server.listen(Number(env.RELAY_PORT ?? 8787), env.RELAY_HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  console.log(`relay listening on http://${address}:${port}, forwarding to ${env.RELAY_UPSTREAM ?? "https://api.anysolver.com"} for ${env.RELAY_ORIGINS}`);
});
