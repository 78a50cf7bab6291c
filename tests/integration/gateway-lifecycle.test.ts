import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { startMeterAndBroker, type MeterAndBroker } from '../harness/meter-and-broker.js';
import { testSite } from '../harness/site-config.js';
import { tempDir } from '../harness/temp-dir.js';
import { ioTurn, waitFor } from '../harness/wait-for.js';

const catalogue = DeviceCatalogue.load();
let site: MeterAndBroker;
beforeAll(async () => {
  site = await startMeterAndBroker(catalogue);
});
afterAll(async () => {
  await site.stop();
});

/** Open handles by type (sockets, servers, timers, ...), as Node reports them. */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

async function settledHandles(): Promise<Map<string, number>> {
  // Closed sockets and servers leave the list one event-loop turn after their close callback.
  await ioTurn();
  await ioTurn();
  return handles();
}

describe('the gateway lifecycle', () => {
  it('starts, works, and stops leaving no socket, timer or file handle behind', async () => {
    const before = await settledHandles();
    const { config } = testSite({
      dir: tempDir(),
      simulatorPort: site.meter.port,
      upstreamUrl: site.broker.url,
      window: 'PT1S',
      pollMs: 200,
    });
    const gateway = new Gateway({
      config,
      catalogue,
      clock: new SystemClock({ evidence: 'trust-os' }),
      log: silentLog(),
    });
    await gateway.start();
    await waitFor(() => gateway.sender.stats().acked >= 2, 'two windows acknowledged upstream');
    // The Modbus link and the MQTT connection (and the simulator's end of the first).
    expect(handles().get('TCPSocketWrap') ?? 0).toBeGreaterThanOrEqual(
      (before.get('TCPSocketWrap') ?? 0) + 2,
    );
    const reports = await gateway.stop();
    expect(reports.map((r) => [r.name, r.outcome])).toEqual([
      ['bus:tcp0', 'stopped'],
      ['status-history', 'stopped'],
      ['sync', 'stopped'],
      ['ingest', 'stopped'],
      ['store', 'stopped'],
    ]);
    // Nothing beyond what was open before the gateway started (a harness timer may have ended).
    const after = await settledHandles();
    const leftOver = [...after].filter(([type, n]) => n > (before.get(type) ?? 0));
    expect(leftOver).toEqual([]);
  });

  it('stops promptly while the device and the broker are both unreachable', async () => {
    const clock = manualClock();
    const { config } = testSite({
      dir: tempDir(),
      simulatorPort: await freePort(),
      upstreamUrl: `mqtt://127.0.0.1:${await freePort()}`,
    });
    const gateway = new Gateway({ config, catalogue, clock, log: silentLog() });
    await gateway.start();
    await waitFor(() => gateway.sender.stats().state === 'backoff', 'upstream to be in backoff');
    await clock.advance(10_000);
    expect(gateway.status().devices.lamp1?.state).toBe('offline');
    const t0 = performance.now();
    const reports = await gateway.stop();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(reports.every((r) => r.outcome === 'stopped')).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });
});
