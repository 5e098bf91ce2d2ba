// Launching Debian's Chromium through playwright-core for the end-to-end
// tests: headless, a fresh profile, no background traffic (the machine has
// no network). Never downloads a browser.
import { chromium } from "playwright-core";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

export async function launch() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
}

export async function launchWithExtension(dir) {
  const profile = await mkdtemp(join(tmpdir(), "anysolver-profile-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
  });
}

export const SANDBOX = process.env.SANDBOX_URL;
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);
