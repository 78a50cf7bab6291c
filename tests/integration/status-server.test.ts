import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { StatusReport } from '../../runtime/status/status-report.js';
import { startMeterAndBroker, type MeterAndBroker } from '../harness/meter-and-broker.js';
import { startStatusSite, type StatusSite } from '../harness/status-site.js';
import { waitFor } from '../harness/wait-for.js';

const catalogue = DeviceCatalogue.load();
let site: MeterAndBroker;
let gw: StatusSite;

beforeAll(async () => {
  site = await startMeterAndBroker(catalogue);
  gw = await startStatusSite(catalogue, site);
});
afterAll(async () => {
  await gw.gateway.stop();
  await site.stop();
});

const get = (path: string, authorization?: string): Promise<Response> =>
  fetch(new URL(path, gw.url), authorization ? { headers: { authorization } } : {});

describe('the status page, its JSON and its metrics', () => {
  it('asks for the editor login on every page, and refuses a wrong one', async () => {
    for (const path of ['/', '/api/status', '/metrics']) {
      const none = await get(path);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Basic');
    }
    const wrong = `Basic ${Buffer.from('admin:not-the-password').toString('base64')}`;
    expect((await get('/', wrong)).status).toBe(401);
    expect((await get('/', gw.authorization)).status).toBe(200);
  });

  it('is read-only', async () => {
    const res = await fetch(new URL('/api/status', gw.url), {
      method: 'POST',
      headers: { authorization: gw.authorization },
    });
    expect(res.status).toBe(405);
  });

  it('reports the device, its last hour, the alarm and the backlog as JSON', async () => {
    let report: StatusReport | undefined;
    await waitFor(async () => {
      report = (await (await get('/api/status', gw.authorization)).json()) as StatusReport;
      return (
        report.history.alarms.active.length > 0 &&
        report.history.streams.some((s) => s.minutes.length > 0) &&
        report.history.backlog.length > 0
      );
    }, 'the alarm raised and a minute of voltage in the report');
    expect(report?.devices.lamp1?.state).toBe('online');
    expect(report?.history.alarms.active[0]).toMatchObject({
      name: 'out_of_range',
      subject: 'mains',
      state: 'raised',
    });
    const voltage = report?.history.streams.find((s) => s.point === 'voltage');
    expect(voltage?.unit).toBe('VLT');
    expect(voltage?.last).toBeGreaterThan(200);
    expect(report?.clock.state).toBe('synced');
    expect(report?.disk?.freeBytes).toBeGreaterThan(0);
  });

  it('serves Prometheus metrics that agree with the JSON', async () => {
    const text = await (await get('/metrics', gw.authorization)).text();
    expect(text).toContain('# TYPE edgegw_device_requests_total counter');
    expect(text).toMatch(/^edgegw_device_up\{device="lamp1"\} 1$/m);
    expect(text).toMatch(
      /^edgegw_alarm_active\{alarm="out_of_range",subject="mains",severity="\w+"\} 1$/m,
    );
    const volts = /^edgegw_reading\{device="lamp1",point="voltage",unit="VLT"\} (\S+)$/m.exec(text);
    expect(Number(volts?.[1])).toBeGreaterThan(200);
    // Every sample line is `name{labels} value` with a number the format accepts.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? (-?[\d.e+-]+|NaN|[+-]Inf)$/);
  });

  it('renders the page with the device, its points and the alarm', async () => {
    const html = await (await get('/', gw.authorization)).text();
    expect(html).toContain('data-device="lamp1"');
    expect(html).toContain('<b>out_of_range</b>');
    expect(html).toMatch(
      /<svg class="spark"[^>]*aria-label="lamp1 voltage, up to the last hour, range/,
    );
    expect(html).toContain('id="backlog-pending"');
  });
});

describe('an open status page', () => {
  it('reports a taken port while the gateway goes on collecting', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const gw2 = await startStatusSite(
      catalogue,
      site,
      `{ enabled: true, port: ${port}, open: true }`,
    );
    try {
      expect(gw2.gateway.status().statusPage).toMatchObject({
        state: 'failed',
        reason: `port ${port} on 127.0.0.1 is already taken (statusPage.port)`,
      });
      await waitFor(() => gw2.gateway.ingest.stats().committed > 0, 'readings committed');
    } finally {
      await gw2.gateway.stop();
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('still shows an alarm raised before a restart', async () => {
    const first = await startStatusSite(catalogue, site, '{ enabled: true, port: 0, open: true }');
    await waitFor(
      () => first.gateway.report().history.alarms.active.length > 0,
      'the alarm to be raised',
    );
    await first.gateway.stop();
    const again = new Gateway({
      config: first.config,
      catalogue,
      clock: new SystemClock({ evidence: 'trust-os' }),
      log: silentLog(),
    });
    await again.start();
    try {
      // Read at once: no window has closed since the start, so only the store can have said so.
      expect(again.report().history.alarms.active).toMatchObject([
        { name: 'out_of_range', subject: 'mains', state: 'raised' },
      ]);
    } finally {
      await again.stop();
    }
  });

  it('needs no login on a loopback address', async () => {
    const open = await startStatusSite(catalogue, site, '{ enabled: true, port: 0, open: true }');
    try {
      const res = await fetch(new URL('/api/status', open.url));
      expect(res.status).toBe(200);
      expect(((await res.json()) as StatusReport).gatewayId).toBe('lp-test');
    } finally {
      await open.gateway.stop();
    }
  });
});
