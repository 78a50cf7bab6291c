/** Modbus TCP through the gateway's scheduler against simulated slaves on loopback. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { ModbusBusScheduler } from '../../runtime/drivers/modbus/modbus-bus-scheduler.js';
import { ModbusTcpLink } from '../../runtime/drivers/modbus/modbus-tcp-link.js';
import { polledDevice } from '../../runtime/drivers/modbus/polled-device.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { simulatedDevice } from '../../scripts/simulators/device-models.js';
import type { FaultKind } from '../../scripts/simulators/faults.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import type { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { waitFor } from '../harness/wait-for.js';

const catalogue = DeviceCatalogue.load();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP endpoint with simulated slaves: a meter, or an RS-485 gateway with several behind it. */
async function endpoint(
  clock: ManualClock,
  slaves: { profile: string; unitId: number }[],
  port = 0,
) {
  const devices = new Map<number, ProfileRegisterDevice>();
  for (const s of slaves) {
    const sim = simulatedDevice(catalogue.require(s.profile, 'modbus'), clock, {
      unitId: s.unitId,
    });
    if (sim.kind === 'modbus') devices.set(s.unitId, sim.device);
  }
  const server = new ModbusTcpSimulator({ port, devices: [...devices.values()] });
  await server.start();
  cleanups.push(() => server.stop());
  return { server, devices };
}

function scheduler(
  clock: ManualClock,
  port: number,
  devices: { id: string; profile: string; unitId: number; pollMs?: number }[],
  readings: Reading[],
) {
  const bus = new ModbusBusScheduler({
    busId: 'tcp0',
    link: new ModbusTcpLink('127.0.0.1', port, 200),
    clock,
    log: silentLog(),
    sink: (r) => readings.push(r),
    devices: devices.map((d) =>
      polledDevice(d.id, catalogue.require(d.profile, 'modbus'), {
        unitId: d.unitId,
        pollMs: d.pollMs,
      }),
    ),
  });
  cleanups.push(() => bus.stop());
  return bus;
}

describe('Modbus TCP', () => {
  it('reads a TUF-2000M and its word-swapped totals exactly as it sent them', async () => {
    const clock = manualClock();
    const { server, devices } = await endpoint(clock, [{ profile: 'tuf-2000m', unitId: 1 }]);
    const readings: Reading[] = [];
    const bus = scheduler(
      clock,
      server.port,
      [{ id: 'main', profile: 'tuf-2000m', unitId: 1 }],
      readings,
    );
    await bus.start();
    await clock.advance(0);
    const [fast, slow] = devices.get(1)?.answered ?? [];
    const value = (point: string): number | null | undefined =>
      readings.find((r) => r.point === point)?.value;
    expect(value('flowRate')).toBe(Math.fround(fast?.flowRate ?? NaN));
    expect(value('velocity')).toBe(Math.fround(fast?.velocity ?? NaN));
    expect(value('signalQuality')).toBe(86);
    expect(value('errorCode')).toBe(0);
    // LONG integer part + REAL4 fraction: exact to float32 precision of the fraction.
    expect(value('netVolume')).toBeCloseTo(slow?.netVolume ?? NaN, 5);
    expect(bus.deviceHealth().main?.state).toBe('online');
  });

  it('polls several unit ids behind one endpoint, each at its own interval', async () => {
    const clock = manualClock();
    const { server } = await endpoint(clock, [
      { profile: 'eastron-sdm120', unitId: 1 },
      { profile: 'dfrobot-urm14', unitId: 12 },
    ]);
    const readings: Reading[] = [];
    const bus = scheduler(
      clock,
      server.port,
      [
        { id: 'lamp', profile: 'eastron-sdm120', unitId: 1, pollMs: 1000 },
        { id: 'bay', profile: 'dfrobot-urm14', unitId: 12, pollMs: 5000 },
      ],
      readings,
    );
    await bus.start();
    await clock.advance(9_999);
    expect(readings.filter((r) => r.device === 'lamp' && r.point === 'voltage')).toHaveLength(10);
    expect(readings.filter((r) => r.device === 'bay' && r.point === 'distance')).toHaveLength(2);
  });

  it.each<[FaultKind, Record<string, unknown>]>([
    ['silence', { timeouts: 1, retries: 1 }],
    ['late', { timeouts: 1, retries: 1 }],
    ['truncated', { timeouts: 1, retries: 1 }],
    ['garbage', { timeouts: 1, retries: 1 }],
  ])(
    'recovers from %s on a TCP stream: retry, resync, and the poll still delivered',
    async (kind, counters) => {
      const clock = manualClock();
      const { server } = await endpoint(clock, [{ profile: 'dfrobot-urm14', unitId: 12 }]);
      const readings: Reading[] = [];
      const bus = scheduler(
        clock,
        server.port,
        [{ id: 'bay', profile: 'dfrobot-urm14', unitId: 12 }],
        readings,
      );
      await bus.start();
      await clock.advance(0);
      server.faults.add({ kind, count: 1, lateMs: 400 });
      await clock.advance(1000);
      expect(bus.deviceHealth().bay).toMatchObject({ ...counters, state: 'degraded' });
      expect(readings.filter((r) => r.point === 'distance' && r.quality === 'good')).toHaveLength(
        2,
      );
      await clock.advance(1000);
      expect(bus.deviceHealth().bay?.state).toBe('online');
      expect(server.faults.applied[kind]).toBe(1);
    },
  );

  it('reports an exception code without retrying', async () => {
    const clock = manualClock();
    const { server } = await endpoint(clock, [{ profile: 'dfrobot-urm14', unitId: 12 }]);
    const readings: Reading[] = [];
    const bus = scheduler(
      clock,
      server.port,
      [{ id: 'bay', profile: 'dfrobot-urm14', unitId: 12 }],
      readings,
    );
    await bus.start();
    server.faults.add({ kind: 'exception', exceptionCode: 6, count: 1 });
    await clock.advance(0);
    expect(bus.deviceHealth().bay).toMatchObject({
      exceptions: 1,
      retries: 0,
      responses: 1,
      state: 'degraded',
    });
    expect(readings).toHaveLength(0);
  });

  it('reads exception 2 when the profile asks for registers the device does not have', async () => {
    const clock = manualClock();
    const { server } = await endpoint(clock, [{ profile: 'dfrobot-urm14', unitId: 12 }]);
    const readings: Reading[] = [];
    // A URM14 asked as if it were an SDM120: its input registers do not exist.
    const bus = scheduler(
      clock,
      server.port,
      [{ id: 'wrong', profile: 'eastron-sdm120', unitId: 12 }],
      readings,
    );
    await bus.start();
    await clock.advance(0);
    expect(bus.deviceHealth().wrong).toMatchObject({ exceptions: 2, state: 'degraded' });
  });

  it('marks a silent unit offline without stopping the others from being polled', async () => {
    const clock = manualClock();
    const { server } = await endpoint(clock, [{ profile: 'eastron-sdm120', unitId: 1 }]);
    const readings: Reading[] = [];
    const bus = scheduler(
      clock,
      server.port,
      [
        { id: 'lamp', profile: 'eastron-sdm120', unitId: 1 },
        { id: 'ghost', profile: 'eastron-sdm120', unitId: 9 },
      ],
      readings,
    );
    await bus.start();
    await clock.advance(4_000);
    expect(bus.deviceHealth().ghost).toMatchObject({
      state: 'offline',
      responses: 0,
      breakerOpens: 1,
    });
    expect(bus.deviceHealth().lamp?.state).toBe('online');
    expect(readings.filter((r) => r.device === 'lamp' && r.point === 'voltage')).toHaveLength(5);
  });

  it('reconnects with backoff after the endpoint goes away, and the device comes back online', async () => {
    const clock = manualClock();
    const port = await freePort();
    const first = await endpoint(clock, [{ profile: 'eastron-sdm120', unitId: 1 }], port);
    const readings: Reading[] = [];
    const bus = scheduler(
      clock,
      port,
      [{ id: 'lamp', profile: 'eastron-sdm120', unitId: 1 }],
      readings,
    );
    await bus.start();
    await clock.advance(2_000);
    await first.server.stop();
    await clock.advance(5_000);
    expect(['backoff', 'connecting']).toContain(bus.linkState());
    await endpoint(clock, [{ profile: 'eastron-sdm120', unitId: 1 }], port);
    const before = readings.length;
    await waitFor(async () => {
      await clock.advance(1_000);
      return bus.linkState() === 'connected' && readings.length > before;
    }, 'lamp polled again');
    expect(bus.deviceHealth().lamp?.state).toBe('online');
  });

  it('stops promptly in the middle of backoff and leaves no timer behind', async () => {
    const clock = manualClock();
    const readings: Reading[] = [];
    const bus = scheduler(
      clock,
      await freePort(),
      [{ id: 'lamp', profile: 'eastron-sdm120', unitId: 1 }],
      readings,
    );
    await bus.start();
    await clock.advance(3_000);
    expect(bus.linkState()).toBe('backoff');
    await bus.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(bus.linkState()).toBe('stopped');
  });
});
