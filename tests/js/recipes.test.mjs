// The READMEs' recipes for Node, run as a user runs them: the packed
// package installed from its tarball into a fresh project (nothing else of
// ours), examples/playwright/solve.mjs and examples/puppeteer/solve.mjs
// copied in, driving Debian's Chromium against the sandbox's click-checking
// widget in its four variants (an <img>, a tainted canvas, a CSS background,
// a canvas in a frame of another origin) at devicePixelRatio 1 and 2, the
// 2 of a HiDPI screen (Chromium started with it, as a user's is). The
// screenshots are in device pixels and wider than the providers take: the
// package's Node build crops and shrinks them itself. The widget must say
// `passed`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { ARTIFACTS, CHROMIUM_ARGS, launch, SANDBOX } from "./browser.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
const VARIANTS = ["img", "canvas", "background", "iframe"];
let project;
let client;
const playwright = {};
const puppet = {};

before(async () => {
  if (skip) return;
  project = await mkdtemp(join(tmpdir(), "anysolver-recipes-"));
  const dir = join(ROOT, "target", "npm");
  const tarball = join(dir, (await readdir(dir)).find((f) => f.endsWith(".tgz")));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "recipes", private: true, type: "module", dependencies: { "anysolver-coordinates": `file:${tarball}` } }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: project, stdio: "inherit" });
  // The browser drivers a user installs themselves: the workspace's copies.
  for (const driver of ["playwright-core", "puppeteer-core"]) {
    await symlink(join(ROOT, "node_modules", driver), join(project, "node_modules", driver), "dir");
  }
  for (const tool of ["playwright", "puppeteer"]) {
    await mkdir(join(project, tool));
    await copyFile(join(ROOT, "examples", tool, "solve.mjs"), join(project, tool, "solve.mjs"));
  }
  const { CoordinatesClient } = await import(join(project, "node_modules", "anysolver-coordinates", "node.mjs"));
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  client = new CoordinatesClient({ clientKey: (await r.json()).clientKey, endpoint: SANDBOX });
  // One browser per devicePixelRatio, set as a HiDPI screen sets it, and
  // pages with no viewport emulation: with Puppeteer's setViewport, a frame
  // of another origin keeps devicePixelRatio 1 and clicks into it land at
  // half their place; with Playwright's deviceScaleFactor, they did so in 2
  // to 3 tries of 8 here (the recipe's points right every time).
  for (const scale of [1, 2]) {
    const screen = [`--force-device-scale-factor=${scale}`, "--window-size=1280,800"];
    playwright[scale] = await launch({ args: screen });
    const profile = await mkdtemp(join(tmpdir(), "anysolver-puppeteer-"));
    const args = [...CHROMIUM_ARGS, ...screen];
    puppet[scale] = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: true, args, userDataDir: profile, defaultViewport: null });
  }
});

after(async () => {
  client?.free();
  for (const browser of [...Object.values(playwright), ...Object.values(puppet)]) await browser.close();
  if (project) await rm(project, { recursive: true, force: true });
});

const widget = (variant, seed) => `${SANDBOX}/challenge/widget?seed=${seed}&variant=${variant}`;

/** Where in `element` (a Locator; CSS px from its border box's corner)
 * the browser delivers the mouse moved to (`x`, `y`) of the page's
 * viewport, or null when it lands on something else. */
async function landsAt(page, element, x, y) {
  await element.evaluate((el) => {
    window.landed = null;
    el.addEventListener("mousemove", (e) => {
      const r = el.getBoundingClientRect();
      window.landed = [e.clientX - r.x, e.clientY - r.y];
    }, { once: true });
  });
  await page.mouse.move(x, y);
  const deadline = Date.now() + 1_000;
  for (;;) {
    const at = await element.evaluate(() => window.landed);
    if (at || Date.now() > deadline) return at;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The widget's verdict, once it has one. */
async function verdict(evaluate) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const state = await evaluate(() => document.body.dataset.state);
    if (state !== "pending" || Date.now() > deadline) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("Playwright: a viewport screenshot and the challenge's box; the widget passes 4 ways at devicePixelRatio 1 and 2", { skip, timeout: 240_000 }, async (t) => {
  const { boxOf, solveAndClick } = await import(join(project, "playwright", "solve.mjs"));
  for (const deviceScaleFactor of [1, 2]) {
    for (const [i, variant] of VARIANTS.entries()) {
      await t.test(`${variant} at ${deviceScaleFactor}x`, async () => {
        const page = await playwright[deviceScaleFactor].newPage({ viewport: null });
        await page.goto(widget(variant, 40 + 10 * deviceScaleFactor + i));
        assert.deepEqual(await page.evaluate(() => [devicePixelRatio, innerWidth]), [deviceScaleFactor, 1280]);
        const scope = variant === "iframe" ? page.frameLocator("iframe") : page;
        if (variant === "iframe") assert.equal(await scope.locator("body").evaluate(() => devicePixelRatio), deviceScaleFactor);
        const comment = await scope.locator("[data-anysolver-instruction]").textContent();
        const challenge = scope.locator("[data-anysolver-challenge]");
        // The recipe's box is where the browser delivers the mouse: 2 px
        // inside two opposite corners lands 2 px inside the challenge.
        await challenge.scrollIntoViewIfNeeded();
        const box = await boxOf(challenge);
        for (const [dx, dy] of [[2, 2], [box.width - 2, box.height - 2]]) {
          const at = await landsAt(page, challenge, box.x + dx, box.y + dy);
          assert.ok(at && Math.hypot(at[0] - dx, at[1] - dy) <= 1, `${variant} at ${deviceScaleFactor}x: (${dx}, ${dy}) of ${JSON.stringify(box)} landed at ${JSON.stringify(at)}`);
        }
        const points = await solveAndClick(page, challenge, client, comment);
        assert.ok(points.length >= 1);
        const state = await verdict((f) => page.evaluate(f));
        await page.screenshot({ path: join(ARTIFACTS.pathname, `playwright-${variant}-dpr${deviceScaleFactor}.png`) });
        assert.equal(state, "passed", `${variant} at ${deviceScaleFactor}x: ${JSON.stringify(points)}`);
        await page.close();
      });
    }
  }
});

test("Puppeteer: viewport and element screenshots; the widget passes at devicePixelRatio 1 and 2", { skip, timeout: 240_000 }, async (t) => {
  const { solveFromViewport, solveFromElement } = await import(join(project, "puppeteer", "solve.mjs"));
  const ways = [
    ...VARIANTS.map((variant) => ["viewport", variant, solveFromViewport]),
    ...["img", "background"].map((variant) => ["element", variant, solveFromElement]),
  ];
  for (const deviceScaleFactor of [1, 2]) {
    for (const [i, [way, variant, solve]] of ways.entries()) {
      await t.test(`${way} screenshot, ${variant} at ${deviceScaleFactor}x`, async () => {
        const page = await puppet[deviceScaleFactor].newPage();
        await page.goto(widget(variant, 60 + 10 * deviceScaleFactor + i), { waitUntil: "load" });
        const frame = variant === "iframe" ? await (await page.$("iframe")).contentFrame() : page.mainFrame();
        // The page and the challenge's own frame both at the ratio.
        assert.deepEqual(await page.evaluate(() => [devicePixelRatio, innerWidth]), [deviceScaleFactor, 1280]);
        assert.equal(await frame.evaluate(() => devicePixelRatio), deviceScaleFactor);
        const comment = await frame.$eval("[data-anysolver-instruction]", (el) => el.textContent);
        const points = await solve(page, await frame.$("[data-anysolver-challenge]"), client, comment);
        assert.ok(points.length >= 1);
        const state = await verdict((f) => page.evaluate(f));
        await page.screenshot({ path: join(ARTIFACTS.pathname, `puppeteer-${way}-${variant}-dpr${deviceScaleFactor}.png`) });
        // How many clicks the challenge's own document saw: a lost click or a wrong one.
        const clicks = await frame.evaluate(() => document.body.dataset.clicks ?? "0");
        assert.equal(state, "passed", `${way} ${variant} at ${deviceScaleFactor}x: ${JSON.stringify(points)}, ${clicks} clicks seen`);
        await page.close();
      });
    }
  }
});
