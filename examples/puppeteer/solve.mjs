// Solving a click challenge from Node with Puppeteer, two ways: a
// screenshot of the viewport with the challenge's box as `region`, or a
// screenshot of the challenge element alone. Both are in device pixels;
// the client measures the scale, crops and shrinks, and answers in the
// box's CSS pixels.
//
//   ANYSOLVER_KEY=... node solve.mjs https://example.com/page-with-a-challenge
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";
import { CoordinatesClient } from "anysolver-coordinates";

/** The viewport's screenshot and the challenge's box (an ElementHandle, in the page or a frame). */
export async function solveFromViewport(page, challenge, client, comment) {
  await challenge.scrollIntoView();
  const box = await challenge.boundingBox();
  const screenshot = await page.screenshot();
  // The layout viewport's width in CSS pixels (page.viewport() is null
  // when the browser keeps its own window size).
  const region = { ...box, viewportWidth: await page.evaluate(() => innerWidth) };
  const points = await client.solve(screenshot, { comment, region });
  for (const p of points) await page.mouse.click(box.x + p.x, box.y + p.y);
  return points;
}

/** The challenge element's own screenshot. */
export async function solveFromElement(page, challenge, client, comment) {
  await challenge.scrollIntoView();
  const box = await challenge.boundingBox();
  const screenshot = await challenge.screenshot();
  const points = await client.solve(screenshot, { comment, region: { width: box.width, height: box.height } });
  for (const p of points) await page.mouse.click(box.x + p.x, box.y + p.y);
  return points;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
  const page = await browser.newPage();
  await page.goto(process.argv[2]);
  const client = new CoordinatesClient({ clientKey: process.env.ANYSOLVER_KEY, endpoint: process.env.ANYSOLVER_ENDPOINT });
  const comment = await page.$eval("[data-anysolver-instruction]", (el) => el.textContent);
  console.log(await solveFromViewport(page, await page.$("[data-anysolver-challenge]"), client, comment));
  await browser.close();
}
