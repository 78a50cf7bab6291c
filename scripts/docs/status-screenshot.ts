/**
 * A screenshot of a running gateway's status page for the docs, in Debian's Chromium, at a
 * phone's width: `npm start`, let it run a while (the charts fill over an hour), then
 *   npm run docs:screenshot -- http://127.0.0.1:8080/ docs/status-page.png
 * A page that asks for a login takes `--user` and `--password` (secrets/node-red.json).
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    user: { type: 'string' },
    password: { type: 'string' },
    width: { type: 'string', default: '412' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  },
});
const [url, out] = positionals;
if (!url || !out) {
  process.stderr.write('usage: npm run docs:screenshot -- URL OUT.png [--user U --password P]\n');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: values.chromium,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({
    viewport: { width: Number(values.width), height: 900 },
    ...(values.user
      ? { httpCredentials: { username: values.user, password: values.password ?? '' } }
      : {}),
  });
  const page = await context.newPage();
  const res = await page.goto(url);
  if (res?.status() !== 200) throw new Error(`${url} answered ${res?.status() ?? 'nothing'}`);
  await page.screenshot({ path: out, fullPage: true });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
}
