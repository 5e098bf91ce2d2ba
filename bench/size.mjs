// Size of the other captcha-service clients as a browser bundle: installed
// into a temporary folder at bench time, bundled minified for the browser
// with esbuild, gzipped. Prints one JSON line per client.
import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = new URL("../", import.meta.url).pathname;
const CLIENTS = [
  ["@2captcha/captcha-solver", "import * as m from '@2captcha/captcha-solver'; globalThis.m = m;"],
  ["@zennolab_com/capmonstercloud-client", "import * as m from '@zennolab_com/capmonstercloud-client'; globalThis.m = m;"],
  ["@antiadmin/anticaptchaofficial", "import * as m from '@antiadmin/anticaptchaofficial'; globalThis.m = m;"],
];

const dir = await mkdtemp(join(tmpdir(), "anysolver-bench-size-"));
try {
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "bench", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", ...CLIENTS.map(([n]) => n)], { cwd: dir, stdio: "inherit" });
  for (const [name, entry] of CLIENTS) {
    const version = JSON.parse(await readFile(join(dir, "node_modules", name, "package.json"), "utf8")).version;
    const file = join(dir, "entry.js");
    await writeFile(file, entry);
    const out = join(dir, "out.js");
    execFileSync(join(ROOT, "node_modules", ".bin", "esbuild"), [file, "--bundle", "--minify", "--platform=browser", "--format=esm", `--outfile=${out}`, "--log-level=error"], { cwd: dir });
    const gz = gzipSync(await readFile(out), { level: 9 }).length;
    console.log(JSON.stringify({ name, version, gzipped: gz }));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
