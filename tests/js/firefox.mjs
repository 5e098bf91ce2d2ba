// Debian's Firefox ESR, headless, through geckodriver (W3C WebDriver, from
// webdriver.mjs): a fresh profile that geckodriver makes and removes, no
// background traffic (the machine has no network), and every console
// message of pages and of extensions printed into the driver's log under
// test-artifacts/. `cargo xtask test` installs Firefox and geckodriver for
// a JS test that imports this module.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { openBrowser, startDriver } from "./webdriver.mjs";

export const FIREFOX = "/usr/bin/firefox-esr";

/** geckodriver: `$GECKODRIVER`, else where `cargo install` puts it, else PATH's. */
export const GECKODRIVER =
  process.env.GECKODRIVER ?? [join(homedir(), ".cargo", "bin", "geckodriver")].find((p) => existsSync(p)) ?? "geckodriver";

const QUIET = {
  "app.update.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "toolkit.telemetry.enabled": false,
  "extensions.getAddons.cache.enabled": false,
  "extensions.update.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  // Pages' and extensions' console messages on stdout: in the driver's log.
  "devtools.console.stdout.content": true,
  "devtools.console.stdout.chrome": true,
};

/**
 * Headless Firefox with `prefs` (added to the quiet ones), a window of
 * `width`×`height` CSS pixels at devicePixelRatio `dpr`, its driver's
 * output (and the browser's console) in `test-artifacts/<log>`: see
 * `openBrowser`. geckodriver is started with `--allow-system-access`, so
 * that the session may open the extension's own pages (moz-extension://)
 * and act in the browser's window (its toolbar).
 */
export async function firefox({ log, prefs = {}, dpr = 1, width = 1280, height = 800 }) {
  const driver = await startDriver(GECKODRIVER, ["--allow-system-access"], { log });
  const capabilities = {
    browserName: "firefox",
    // A prompt stays open until the test answers it.
    unhandledPromptBehavior: "ignore",
    "moz:firefoxOptions": { binary: FIREFOX, args: ["-headless"], prefs: { ...QUIET, "layout.css.devPixelsPerPx": String(dpr), ...prefs } },
  };
  return openBrowser(driver, capabilities, { width, height });
}

/** Installs the unpacked extension in `dir` (an absolute path) as a
 * temporary add-on, as about:debugging's "Load Temporary Add-on" does; its id. */
export function installTemporaryAddon(session, dir) {
  return session.cmd("POST", "/moz/addon/install", { path: dir, temporary: true });
}

/**
 * Presses the extension's toolbar button: pins it to the toolbar (as a
 * person does with "Pin to Toolbar"; Firefox keeps it in the extensions
 * menu at first), then clicks it with WebDriver in the browser window's own
 * context. The click is Firefox's own mouse event on its toolbar button, so
 * the extension's `action.onClicked` runs as on a person's click, activeTab
 * granted; only the pointer that made it is not a person's. Leaves the
 * session in the page's context.
 */
export async function pressActionButton(session, addonId) {
  // The button's id, as Firefox makes it from the add-on's id.
  const widget = `${addonId.toLowerCase().replace(/[^a-z0-9_-]/g, "_")}-browser-action`;
  await session.cmd("POST", "/moz/context", { context: "chrome" });
  try {
    await session.run((id) => CustomizableUI.addWidgetToArea(id, CustomizableUI.AREA_NAVBAR), widget);
    await session.click(await session.find(`#${widget} .webextension-browser-action`));
  } finally {
    await session.cmd("POST", "/moz/context", { context: "content" });
  }
}
