/**
 * The gateway against a real Mosquitto, with the broker stopped for two minutes in the middle.
 * Time is a manual clock, so the two minutes take a few seconds; the broker, the Modbus
 * simulator, the SQLite store and the MQTT traffic are all real.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { T0, manualClock } from '../harness/gateway-fixtures.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { testSite } from '../harness/site-config.js';
import { SummaryCollector } from '../harness/summary-collector.js';
import { tempDir } from '../harness/temp-dir.js';
import { ioTurn, waitFor } from '../harness/wait-for.js';

const MINUTE = 60_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('an upstream outage of two minutes', () => {
  it('loses no window: every window arrives exactly once after dedupe by its key', async () => {
    const catalogue = DeviceCatalogue.load();
    const clock = manualClock(T0);
    const broker = await Mosquitto.start();
    cleanups.push(() => broker.stop());
    const sim = new ModbusTcpSimulator({
      port: 0,
      devices: [sdm120Device(catalogue.require('eastron-sdm120', 'modbus'), clock)],
    });
    await sim.start();
    cleanups.push(() => sim.stop());
    const collector = await SummaryCollector.start(broker.url);
    cleanups.push(() => collector.stop());
    const { config } = testSite({
      dir: tempDir(),
      simulatorPort: sim.port,
      upstreamUrl: broker.url,
    });
    const gateway = new Gateway({ config, catalogue, clock, log: silentLog() });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    await waitFor(
      () => gateway.sender.stats().state === 'connected',
      'the gateway to connect upstream',
    );

    /** One second of gateway time, then let real I/O (PUBACKs) catch up. */
    const second = async (): Promise<void> => {
      await clock.advance(1000);
      await ioTurn();
      if (gateway.sender.stats().state === 'connected')
        await waitFor(
          () =>
            gateway.sender.stats().inFlight === 0 || gateway.sender.stats().state !== 'connected',
          'in-flight messages to be acknowledged',
          5_000,
        );
    };
    const run = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 1000) await second();
    };

    // Three minutes up: the windows starting T0 and T0+1min have closed and arrived.
    await run(3 * MINUTE);
    expect(collector.t0s('lamp1', 'voltage')).toEqual([T0, T0 + MINUTE]);

    // Two minutes down.
    await broker.stop();
    await waitFor(
      () => gateway.sender.stats().state !== 'connected',
      'the gateway to notice the broker is gone',
    );
    const receivedBefore = collector.envelopes.length;
    await run(2 * MINUTE);
    expect(collector.envelopes.length).toBe(receivedBefore);
    // The windows that closed during the outage wait in the outbox.
    const waiting = gateway.store.outbox
      .after(0, 100)
      .flatMap((row) =>
        (JSON.parse(row.body) as { m: string; t0: number }[])
          .filter((r) => r.m === 'voltage')
          .map((r) => r.t0),
      );
    expect(waiting).toEqual([T0 + 2 * MINUTE, T0 + 3 * MINUTE]);

    // Back up: the collector resubscribes, the gateway reconnects and sends its backlog.
    await broker.start();
    await waitFor(() => collector.ready, 'the collector to resubscribe');
    await waitFor(
      async () => {
        await second();
        return (
          gateway.sender.stats().state === 'connected' && gateway.store.outbox.stats().pending === 0
        );
      },
      'the backlog to drain',
      20_000,
    );
    // And a little more ordinary running after the outage.
    await run(2 * MINUTE);
    await waitFor(
      () => gateway.store.outbox.stats().pending === 0,
      'the last window to be acknowledged',
    );

    const closed = gateway.ingest.stats().windowsClosed;
    const expectedT0s = Array.from({ length: closed }, (_, i) => T0 + i * MINUTE);
    expect(closed).toBeGreaterThanOrEqual(7);
    for (const point of catalogue.require('eastron-sdm120', 'modbus').points) {
      // Every window, for every point, once: no gap, nothing extra.
      expect(collector.t0s('lamp1', point.name)).toEqual(expectedT0s);
    }
    // ... including those that waited out the outage in the outbox.
    for (const t0 of waiting) expect(expectedT0s).toContain(t0);
    // At-least-once may repeat a message; a repeat never disagrees with the first copy.
    expect(collector.conflicts).toEqual([]);
    expect(collector.byKey.size).toBe(
      closed * catalogue.require('eastron-sdm120', 'modbus').points.length,
    );
    // Each window held a full minute of one-second polls (the first starts at T0 exactly).
    for (const t0 of expectedT0s)
      expect(collector.byKey.get(`lp-test|lamp1|voltage|PT1M|${t0}`)?.n).toBe(60);
    expect(gateway.sender.stats().connects).toBeGreaterThanOrEqual(2);
  });
});
