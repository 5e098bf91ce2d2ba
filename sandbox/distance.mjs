// Puts a server at a distance: a proxy in front of it that holds each
// request and each answer half the round trip (`latencyMs`, give or take
// `jitterMs`), over plain HTTP/1.1 or over HTTPS, where it speaks HTTP/2
// and HTTP/1.1 as the client's ALPN asks, with a certificate made when it
// starts. Everything else passes through as it came: method, path, body,
// status, headers (CORS included), so a page served through it calls the
// API at its own origin, as the service's own pages would.
//
// As a module: `startDistance({ upstream, latencyMs, jitterMs, tls })`
// answers `{ url, spki, certFile, requests, close }`: `spki` is the
// certificate's public key hash for Chromium's
// `--ignore-certificate-errors-spki-list`, `certFile` the PEM for Node's
// `NODE_EXTRA_CA_CERTS`, `requests` counts what came through by protocol.
// As a command: `node sandbox/distance.mjs --upstream URL [--latency-ms 150]
// [--jitter-ms 0] [--tls] [--port 0]` prints `distance: URL` and serves
// until stopped.
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createSecureServer } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Headers that belong to one connection, never forwarded (HTTP/2 forbids them). */
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "content-length", "te", "trailer"]);

/** A key and a self-signed certificate for 127.0.0.1 and localhost, made by openssl. */
function certificate() {
  const dir = mkdtempSync(join(tmpdir(), "distance-"));
  const [keyFile, certFile] = [join(dir, "key.pem"), join(dir, "cert.pem")];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ], { stdio: "ignore" });
  const cert = readFileSync(certFile);
  const der = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });
  return { key: readFileSync(keyFile), cert, certFile, spki: createHash("sha256").update(der).digest("base64") };
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function startDistance({ upstream, latencyMs = 150, jitterMs = 0, tls = false, host = "127.0.0.1", port = 0 }) {
  const base = new URL(upstream);
  const oneWay = () => latencyMs / 2 + ((Math.random() * 2 - 1) * jitterMs) / 2;
  const requests = { "1.1": 0, "2.0": 0 };
  const handle = async (req, res) => {
    requests[req.httpVersion] = (requests[req.httpVersion] ?? 0) + 1;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    await pause(oneWay());
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(":") && !HOP.has(k)) headers[k] = v;
    let answer;
    try {
      const r = await fetch(new URL(req.url, base), {
        method: req.method,
        headers,
        body: ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks),
        redirect: "manual",
      });
      answer = { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
    } catch {
      answer = { status: 502, headers: new Headers(), body: Buffer.from("the server behind the distance proxy did not answer") };
    }
    await pause(oneWay());
    const out = {};
    for (const [k, v] of answer.headers) if (!HOP.has(k) && k !== "content-encoding") out[k] = v;
    out["content-length"] = String(answer.body.length);
    res.writeHead(answer.status, out);
    res.end(answer.body);
  };
  const onRequest = (req, res) => {
    handle(req, res).catch(() => res.destroy());
  };
  const made = tls ? certificate() : null;
  const server = made
    ? createSecureServer({ key: made.key, cert: made.cert, allowHTTP1: true, settings: { maxConcurrentStreams: 1000 } }, onRequest)
    : createServer({ keepAliveTimeout: 60_000 }, onRequest);
  await new Promise((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address();
  return {
    url: `${made ? "https" : "http"}://${host}:${bound}`,
    spki: made?.spki,
    certFile: made?.certFile,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const upstream = arg("--upstream");
  if (!upstream) {
    console.error("usage: node sandbox/distance.mjs --upstream URL [--latency-ms 150] [--jitter-ms 0] [--tls] [--port 0]");
    process.exit(2);
  }
  const d = await startDistance({
    upstream,
    latencyMs: Number(arg("--latency-ms", 150)),
    jitterMs: Number(arg("--jitter-ms", 0)),
    tls: args.includes("--tls"),
    port: Number(arg("--port", 0)),
  });
  console.log(`distance: ${d.url}${d.certFile ? ` (certificate ${d.certFile}, SPKI ${d.spki})` : ""} → ${upstream}`);
}
