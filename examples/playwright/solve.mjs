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

/** The border box of `locator` in the viewport, in CSS pixels, from the
 * DOM of its frame and of each frame around it. (Playwright's
 * `boundingBox()` of an element in a frame of another origin leaves out
 * the frame's border and padding: 10 px off in the tests' widget with
 * playwright-core 1.65.1, where Puppeteer's box is right.) */
export async function boxOf(locator) {
  const element = await locator.elementHandle();
  const box = await element.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  });
  for (let frame = await element.ownerFrame(); frame?.parentFrame(); frame = frame.parentFrame()) {
    const owner = await frame.frameElement();
    // Where the frame's document starts: inside the element's border and padding.
    const { x, y } = await owner.evaluate((f) => {
      const r = f.getBoundingClientRect();
      const cs = getComputedStyle(f);
      return { x: r.x + f.clientLeft + parseFloat(cs.paddingLeft), y: r.y + f.clientTop + parseFloat(cs.paddingTop) };
    });
    await owner.dispose();
    box.x += x;
    box.y += y;
  }
  await element.dispose();
  return box;
}

/** Solves what `challenge` (a Locator, in the page or a frame) shows and clicks the answer on `page`. */
export async function solveAndClick(page, challenge, client, comment) {
  await challenge.scrollIntoViewIfNeeded();
  const box = await boxOf(challenge);
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
