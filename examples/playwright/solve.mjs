// Solving a click challenge from Node with Playwright: a screenshot of the
// viewport, the challenge's box as `region`, the points clicked with
// page.mouse. The client crops the screenshot to the box at the scale it
// measures (any devicePixelRatio), shrinks it, and answers in the box's
// CSS pixels, in the page or in a frame.
//
//   ANYSOLVER_KEY=... node solve.mjs https://example.com/page-with-a-challenge
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { CoordinatesClient } from "anysolver-coordinates";

/** Solves what `challenge` (a Locator, in the page or a frame) shows and clicks the answer on `page`. */
export async function solveAndClick(page, challenge, client, comment) {
  await challenge.scrollIntoViewIfNeeded();
  const box = await challenge.boundingBox();
  const screenshot = await page.screenshot();
  const region = { ...box, viewportWidth: await page.evaluate(() => innerWidth) };
  const points = await client.solve(screenshot, { comment, region });
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
