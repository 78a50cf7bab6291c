import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { startMeterAndBroker, type MeterAndBroker } from '../harness/meter-and-broker.js';
import { startStatusSite, type StatusSite } from '../harness/status-site.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

/** Debian's chromium (apt-get install chromium); .ci/run installs it and sets REQUIRE_BROWSER so
 * that CI cannot skip this file. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = existsSync(executablePath);
if (!haveBrowser && process.env.REQUIRE_BROWSER)
  throw new Error(`REQUIRE_BROWSER is set but there is no Chromium at ${executablePath}`);
if (!haveBrowser)
  console.warn(
    `skipping the status page browser test: no Chromium at ${executablePath} (apt-get install chromium)`,
  );

/** Where the test's screenshot goes (STATUS_SCREENSHOT, or a temp folder). The picture in the
 * docs is of the demo after a while (scripts/docs/status-screenshot.ts), with fuller charts. */
const screenshot = resolve(
  packageRoot(),
  process.env.STATUS_SCREENSHOT ?? `${tempDir()}/status-page.png`,
);

const catalogue = DeviceCatalogue.load();
let site: MeterAndBroker;
let gw: StatusSite;
let browser: Browser;

describe.runIf(haveBrowser)('the status page in headless Chromium', () => {
  beforeAll(async () => {
    site = await startMeterAndBroker(catalogue);
    gw = await startStatusSite(catalogue, site);
    browser = await chromium.launch({
      executablePath,
      // As root in a sandboxed machine with no internet: no sandbox, no background fetches.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser.close();
    await gw.gateway.stop();
    await site.stop();
  });

  it('is refused without the login', async () => {
    const context = await browser.newContext();
    // Chromium itself gives up on a page that keeps asking for a login; its request API shows the 401.
    const res = await context.request.get(gw.url);
    expect(res.status()).toBe(401);
    expect(res.headers()['www-authenticate']).toContain('Basic');
    await context.close();
  });

  it('loads on a phone-sized screen and shows the simulated device, an alarm and the backlog', async () => {
    await waitFor(
      () =>
        gw.gateway.report().history.alarms.active.length > 0 &&
        gw.gateway.report().history.streams.some((s) => s.minutes.length > 0),
      'an alarm raised and a minute of readings',
    );
    const context = await browser.newContext({
      viewport: { width: 412, height: 915 },
      deviceScaleFactor: 1,
      httpCredentials: credentials(gw.authorization),
    });
    const page = await context.newPage();
    const res = await page.goto(gw.url);
    expect(res?.status()).toBe(200);
    await expect(page.title()).resolves.toContain('lp-test');
    const device = page.locator('[data-device="lamp1"]');
    await expect(device.locator('.badge').first().textContent()).resolves.toBe('online');
    await expect(device.locator('td', { hasText: 'voltage' }).count()).resolves.toBeGreaterThan(0);
    await expect(device.locator('svg.spark path').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#alarms').textContent()).resolves.toContain('out_of_range');
    await expect(page.locator('#backlog-pending').textContent()).resolves.toMatch(/^\d+$/);
    // Readable on a phone: nothing wider than the screen.
    // A string, as the DOM types are not part of this project's TypeScript libs.
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(overflow).toBeLessThanOrEqual(0);
    expect(existsSync(screenshot)).toBe(true);
    await context.close();
  });
});

function credentials(authorization: string): { username: string; password: string } {
  const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
