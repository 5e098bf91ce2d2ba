// Launching Debian's Chromium through playwright-core for the end-to-end
// tests: headless, a fresh profile, no background traffic (the machine has
// no network). Never downloads a browser.
import { chromium } from "playwright-core";
import { appendFileSync, mkdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTIFACTS, SANDBOX } from "./env.mjs";

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

/** Appends every console message of `target` (a page or a context) to
 * test-artifacts/console.log, which `cargo xtask test` scans for API keys. */
export function recordConsole(target) {
  target.on("console", (m) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    appendFileSync(new URL("console.log", ARTIFACTS), `${m.type()}: ${m.text()}\n`);
  });
}

/** Chromium whose every new page records its console; `args` are added
 * to its command line. */
export async function launch({ args = [] } = {}) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...CHROMIUM_ARGS, ...args] });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    recordConsole(page);
    return page;
  };
  return browser;
}

/** Chromium with the unpacked extension in `dir`. At `deviceScaleFactor` 2
 * the page's devicePixelRatio is 2 (emulated) and the screen renders at
 * 2× too (forced), so that a capture of the tab is 2 device pixels per CSS
 * pixel, as on a real 2× screen; headless, either alone leaves the other at 1. */
export async function launchWithExtension(dir, { deviceScaleFactor } = {}) {
  const profile = await mkdtemp(join(tmpdir(), "anysolver-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    deviceScaleFactor,
    args: [
      ...CHROMIUM_ARGS,
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
      ...(deviceScaleFactor ? [`--force-device-scale-factor=${deviceScaleFactor}`] : []),
    ],
  });
  recordConsole(context);
  return context;
}

export { ARTIFACTS, SANDBOX };
