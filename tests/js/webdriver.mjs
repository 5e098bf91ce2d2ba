// A small W3C WebDriver client over HTTP (Node's fetch), for the engines
// playwright-core does not drive here: Firefox ESR through geckodriver and
// WebKitGTK's MiniBrowser through WebKitWebDriver. A driver runs in its own
// process group, its output kept in a file under test-artifacts/ (which
// `cargo xtask test` scans for API keys); `stop()` ends the session and the
// whole group (browser, Xvfb), and a process that exits ends the groups it
// started. Every request has a time limit, so a driver that hangs fails the
// test instead of holding it.
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { ARTIFACTS } from "./env.mjs";

/** An element reference's id (a page's or, in Firefox's chrome context, the browser window's). */
const ref = (el) => Object.values(el)[0];

/** Process groups started here and not yet stopped. */
const running = new Set();
function killRunning() {
  for (const pid of running) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
}
process.on("exit", killRunning);
// Interrupted (Ctrl-C, a runner's SIGTERM): the detached groups go too.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killRunning();
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

/** A free loopback TCP port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** An error a driver answered: `error` is its W3C error code. */
export class WebDriverError extends Error {
  constructor(status, value, what) {
    super(`${what}: ${value?.error ?? `HTTP ${status}`}: ${value?.message ?? ""}`.trim());
    this.name = "WebDriverError";
    this.error = value?.error;
  }
}

/** `POST`/`GET`/`DELETE` on a driver; the answer's `value`, or a WebDriverError. */
async function call(base, method, path, body, timeoutMs = 60_000) {
  const what = `${method} ${path.replace(/^\/session\/[^/]+/, "/session/…")}`;
  let r;
  try {
    r = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new Error(`${what}: no answer within ${timeoutMs} ms (${e?.message ?? e})`);
  }
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(r.status, { message: text.slice(0, 300) }, what);
  }
  if (!r.ok || json.value?.error) throw new WebDriverError(r.status, json.value, what);
  return json.value;
}

/**
 * Starts `command args... --port=N` in a new process group, its stdout and
 * stderr written to `test-artifacts/<log>`; resolves once its `/status`
 * says ready (within `timeoutMs`), else stops it and rejects with the end
 * of its log.
 */
export async function startDriver(command, args, { log, timeoutMs = 30_000, env } = {}) {
  const port = await freePort();
  mkdirSync(ARTIFACTS, { recursive: true });
  const logPath = new URL(log, ARTIFACTS).pathname;
  writeFileSync(logPath, `$ ${command} ${args.join(" ")} --port=${port}\n`);
  const child = spawn(command, [...args, `--port=${port}`], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  running.add(child.pid);
  let exited = null;
  const gone = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = signal ?? code))));
  const keep = (chunk) => appendFileSync(logPath, chunk);
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const driver = {
    url: `http://127.0.0.1:${port}`,
    logPath,
    /** The last `lines` lines the driver and its browser printed. */
    tail(lines = 80) {
      return readFileSync(logPath, "utf8").split("\n").slice(-lines).join("\n");
    },
    /** Ends the driver's process group: TERM, then KILL after 5 s. */
    async stop() {
      if (!running.has(child.pid)) return;
      const signal = (s) => {
        try {
          process.kill(-child.pid, s);
        } catch {}
      };
      signal("SIGTERM");
      const killed = setTimeout(() => signal("SIGKILL"), 5_000);
      await gone;
      clearTimeout(killed);
      // Whatever else of the group outlived the driver (a browser, Xvfb).
      signal("SIGKILL");
      running.delete(child.pid);
    },
  };
  for (const until = Date.now() + timeoutMs; ; ) {
    if (exited !== null) break;
    const ready = await call(driver.url, "GET", "/status", undefined, 2_000).then((v) => v?.ready, () => false);
    if (ready) return driver;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await driver.stop();
  throw new Error(`${command} was not ready within ${timeoutMs} ms (exit: ${exited}); its log:\n${driver.tail()}`);
}

/**
 * A browser: a session with `capabilities` on `driver` (see `startDriver`),
 * its window `width`×`height` CSS pixels. Resolves with the session, the
 * driver and `close()`, which quits the session and ends the driver's
 * process group; call it in a `finally`. If the session does not start
 * within `timeoutMs`, the driver is ended and the error carries its log.
 */
export async function openBrowser(driver, capabilities, { width, height, timeoutMs = 60_000 }) {
  try {
    const session = await Session.start(driver, capabilities, { timeoutMs });
    await session.cmd("POST", "/window/rect", { x: 0, y: 0, width, height });
    return {
      session,
      driver,
      async close() {
        await session.quit();
        await driver.stop();
      },
    };
  } catch (e) {
    await driver.stop();
    throw new Error(`${e.message}\nthe driver's log:\n${driver.tail()}`);
  }
}

/** A WebDriver session on `driver` (see `startDriver`). */
export class Session {
  /** Opens a session with `capabilities` (`alwaysMatch`); a driver that does
   * not answer within `timeoutMs` fails it. */
  static async start(driver, capabilities, { timeoutMs = 60_000 } = {}) {
    const value = await call(driver.url, "POST", "/session", { capabilities: { alwaysMatch: capabilities } }, timeoutMs);
    return new Session(driver, value.sessionId, value.capabilities);
  }

  constructor(driver, id, capabilities) {
    this.driver = driver;
    this.id = id;
    this.capabilities = capabilities;
  }

  /** One command of this session: `path` is relative to `/session/{id}`. */
  cmd(method, path, body, timeoutMs) {
    return call(this.driver.url, method, `/session/${this.id}${path}`, body, timeoutMs);
  }

  /** Ends the session (the browser quits); never throws. */
  async quit() {
    await this.cmd("DELETE", "", undefined, 20_000).catch(() => {});
  }

  navigate(url) {
    return this.cmd("POST", "/url", { url });
  }

  /** Runs `fn(...args)` in the current browsing context and resolves with
   * what it returns (a Promise is awaited); elements found by `find` may be
   * passed and are returned as such. */
  run(fn, ...args) {
    return this.cmd("POST", "/execute/sync", { script: `return (${fn}).apply(null, arguments);`, args }, 90_000);
  }

  /** Polls `fn(...args)` in the page until it returns something truthy,
   * and resolves with that; after `timeoutMs`, rejects with `message` and
   * the last value seen. */
  async waitFor(fn, args = [], { timeoutMs = 30_000, message = "the condition" } = {}) {
    let last;
    for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
      last = await this.run(fn, ...args).catch((e) => ({ error: e.message }));
      if (last && !last.error) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${message} not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
  }

  /** The first element `css` matches, or a WebDriverError ("no such element"). */
  find(css) {
    return this.cmd("POST", "/element", { using: "css selector", value: css });
  }

  click(el) {
    return this.cmd("POST", `/element/${ref(el)}/click`, {});
  }

  /** Replaces an input's value by typing `text`. */
  async type(el, text) {
    await this.cmd("POST", `/element/${ref(el)}/clear`, {});
    await this.cmd("POST", `/element/${ref(el)}/value`, { text });
  }

  /** Enters the frame `el` (an <iframe> element), or the top level with `null`. */
  frame(el) {
    return this.cmd("POST", "/frame", { id: el });
  }

  /** Moves the mouse from the viewport's corner onto the centre of `el`
   * (in the current frame), and clicks there if `click`: the browser's own
   * input events, as a person's, not events dispatched by a script. */
  async pointer(el, { click = false } = {}) {
    const moves = [
      { type: "pointerMove", duration: 0, origin: "viewport", x: 1, y: 1 },
      { type: "pointerMove", duration: 200, origin: el, x: 0, y: 0 },
    ];
    if (click) moves.push({ type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 });
    await this.cmd("POST", "/actions", { actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions: moves }] });
  }

  /** The text of an open alert, confirm or prompt, or null if none is open. */
  async dialog() {
    return this.cmd("GET", "/alert/text").catch((e) => (e.error === "no such alert" ? null : Promise.reject(e)));
  }

  /** Types `text` into the open prompt and accepts it. */
  async answerPrompt(text) {
    await this.cmd("POST", "/alert/text", { text });
    await this.cmd("POST", "/alert/accept", {});
  }

  /** A PNG of the viewport, written to test-artifacts/`name`. */
  async screenshot(name) {
    const png = Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(new URL(name, ARTIFACTS), png);
    return png;
  }
}
