// WebKitGTK's MiniBrowser (Safari's engine) through Debian's WebKitWebDriver
// (W3C WebDriver, from webdriver.mjs), under a virtual display: MiniBrowser
// has no headless mode. The driver's output goes to test-artifacts/.
// `cargo xtask test` installs webkit2gtk-driver and xvfb for a JS test that
// imports this module.
import { openBrowser, startDriver } from "./webdriver.mjs";

export const WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver";
export const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
export const XVFB_RUN = "/usr/bin/xvfb-run";

/**
 * MiniBrowser with a `width`×`height` window, its driver's output in
 * `test-artifacts/<log>`: see `openBrowser`, whose `close()` also ends the
 * browser and the virtual display (one process group). A session that does
 * not start within 60 s (no display, an argument MiniBrowser refuses: the
 * driver then never answers) fails with the driver's log.
 */
export async function webkit({ log, width = 1200, height = 900 }) {
  // `xvfb-run -a` takes the first free display from `-n` up: a start of its
  // own keeps it from racing the wasm suites' xvfb-run for the same one.
  const display = String(100 + (process.pid % 400));
  const driver = await startDriver(XVFB_RUN, ["-a", "-n", display, WEBKIT_DRIVER], { log });
  const capabilities = {
    browserName: "MiniBrowser",
    "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
  };
  return openBrowser(driver, capabilities, { width, height });
}
