// Solving a click challenge from Node with Playwright: screenshot the
// challenge element, solve the picture with anysolver-coordinates, click the
// points with page.mouse. `region` maps the answer from screenshot pixels to
// the element's CSS pixels, so any devicePixelRatio works.
//
//   ANYSOLVER_KEY=... node solve.mjs https://example.com/page-with-a-challenge
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { CoordinatesClient } from "anysolver-coordinates";

/** Solves what `challenge` (a Locator) shows and clicks the answer on `page`. */
export async function solveAndClick(page, challenge, client, comment) {
  const box = await challenge.boundingBox();
  // One pixel per CSS pixel keeps the picture within the providers' limits
  // (Node cannot shrink images); `region` would map a 2× picture just as well.
  const picture = await challenge.screenshot({ type: "jpeg", quality: 90, scale: "css" });
  const points = await client.solve(picture, { comment, region: { width: box.width, height: box.height } });
  for (const p of points) await page.mouse.click(box.x + p.x, box.y + p.y);
  return points;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
  const page = await browser.newPage();
  await page.goto(process.argv[2]);
  const client = new CoordinatesClient({ clientKey: process.env.ANYSOLVER_KEY, endpoint: process.env.ANYSOLVER_ENDPOINT });
  const comment = await page.locator("[data-anysolver-instruction]").textContent();
  console.log(await solveAndClick(page, page.locator("[data-anysolver-challenge]"), client, comment));
  await browser.close();
}
