import { afterEach, describe, expect, it } from 'vitest';
import { Sdm120Simulator } from '../../devices/eastron-sdm120/simulator.js';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import type { ModbusTcpBusConfig } from '../../runtime/config/schema.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import type { DeviceProfile } from '../../runtime/devices/profile-schema.js';
import { ModbusTcpBus } from '../../runtime/drivers/modbus/modbus-tcp-bus.js';
import { polledDevice } from '../../runtime/drivers/modbus/polled-device.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { waitFor } from '../harness/wait-for.js';

const profile: DeviceProfile = (() => {
  const p = DeviceCatalogue.load().get('eastron-sdm120');
  if (!p) throw new Error('eastron-sdm120 profile missing');
  return p;
})();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulator(clock: ManualClock, port?: number): Promise<Sdm120Simulator> {
  const sim = new Sdm120Simulator({
    profile: profile,
    clock,
    port: port ?? (await freePort()),
    circuit: { level: 1 },
  });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

function bus(
  clock: ManualClock,
  port: number,
  devices: { id: string; unitId: number; pollMs: number }[],
  sink: Reading[],
): ModbusTcpBus {
  const config: ModbusTcpBusConfig = {
    id: 'tcp0',
    type: 'modbus-tcp',
    host: '127.0.0.1',
    port,
    timeoutMs: 200,
  };
  const b = new ModbusTcpBus({
    bus: config,
    devices: devices.map((d) => polledDevice(d.id, profile, d)),
    clock,
    log: silentLog(),
    sink: (r) => sink.push(r),
  });
  cleanups.push(() => b.stop());
  return b;
}

describe('ModbusTcpBus against the SDM120 simulator over real Modbus TCP', () => {
  it('decodes every point exactly as the meter sent it, stamped with the clock', async () => {
    const clock = manualClock();
    const sim = await simulator(clock);
    const readings: Reading[] = [];
    const b = bus(clock, sim.port, [{ id: 'lamp1', unitId: 1, pollMs: 1000 }], readings);
    await b.start();
    await clock.advance(0);
    expect(readings).toHaveLength(profile.points.length);
    // One block read 0x0000 x 0x4C, then the total-energy register: two requests per poll.
    expect(sim.answered).toHaveLength(2);
    const [block, total] = sim.answered;
    if (!block || !total) throw new Error('the simulator answered nothing');
    const byPoint = Object.fromEntries(readings.map((r) => [r.point, r]));
    // float32 on the wire: the gateway must see exactly the float32 the meter encoded.
    expect(byPoint.voltage?.value).toBe(Math.fround(block.voltage));
    expect(byPoint.current?.value).toBe(Math.fround(block.current));
    expect(byPoint.activePower?.value).toBe(Math.fround(block.activePower));
    expect(byPoint.apparentPower?.value).toBe(Math.fround(block.apparentPower));
    expect(byPoint.powerFactor?.value).toBe(Math.fround(block.powerFactor));
    expect(byPoint.frequency?.value).toBe(Math.fround(block.frequency));
    expect(byPoint.importEnergy?.value).toBe(Math.fround(block.importEnergy));
    expect(byPoint.exportEnergy?.value).toBe(0);
    expect(byPoint.totalEnergy?.value).toBe(Math.fround(total.importEnergy + total.exportEnergy));
    expect(
      readings.every(
        (r) => r.quality === 'good' && r.wallMs === clock.wallMs() && r.clockState === 'synced',
      ),
    ).toBe(true);
    expect(b.deviceHealth().lamp1).toMatchObject({ state: 'online', requests: 2, responses: 2 });
  });

  it('polls each device at its own interval', async () => {
    const clock = manualClock();
    const sim = await simulator(clock);
    const readings: Reading[] = [];
    const b = bus(
      clock,
      sim.port,
      [
        { id: 'lamp1', unitId: 1, pollMs: 1000 },
        { id: 'slow', unitId: 1, pollMs: 5000 },
      ],
      readings,
    );
    await b.start();
    await clock.advance(9_999);
    const polls = (id: string): number =>
      readings.filter((r) => r.device === id && r.point === 'voltage').length;
    expect(polls('lamp1')).toBe(10);
    expect(polls('slow')).toBe(2);
  });

  it('marks a silent device offline without stopping the others from being polled', async () => {
    const clock = manualClock();
    const sim = await simulator(clock);
    const readings: Reading[] = [];
    // The simulator answers unit 1 only: unit 9 never replies.
    const b = bus(
      clock,
      sim.port,
      [
        { id: 'lamp1', unitId: 1, pollMs: 1000 },
        { id: 'ghost', unitId: 9, pollMs: 1000 },
      ],
      readings,
    );
    await b.start();
    await clock.advance(4_000);
    const health = b.deviceHealth();
    expect(health.ghost).toMatchObject({ state: 'offline', responses: 0 });
    expect(health.ghost?.timeouts).toBeGreaterThanOrEqual(3);
    expect(health.lamp1?.state).toBe('online');
    expect(readings.filter((r) => r.device === 'lamp1' && r.point === 'voltage')).toHaveLength(5);
    expect(readings.some((r) => r.device === 'ghost')).toBe(false);
  });

  it('reconnects with backoff after the link drops, and the device comes back online', async () => {
    const clock = manualClock();
    const port = await freePort();
    const sim = await simulator(clock, port);
    const readings: Reading[] = [];
    const b = bus(clock, port, [{ id: 'lamp1', unitId: 1, pollMs: 1000 }], readings);
    await b.start();
    await clock.advance(2_000);
    await sim.stop();
    await clock.advance(5_000);
    expect(b.deviceHealth().lamp1).toMatchObject({ state: 'offline' });
    expect(['backoff', 'connecting']).toContain(b.linkState());
    await simulator(clock, port);
    const before = readings.length;
    await waitFor(async () => {
      await clock.advance(1_000);
      return b.deviceHealth().lamp1?.state === 'online';
    }, 'lamp1 online again');
    expect(readings.length).toBeGreaterThan(before);
    expect(b.linkState()).toBe('connected');
  });

  it('stops promptly in the middle of backoff and leaves no timer behind', async () => {
    const clock = manualClock();
    const readings: Reading[] = [];
    const b = bus(clock, await freePort(), [{ id: 'lamp1', unitId: 1, pollMs: 1000 }], readings);
    await b.start();
    await clock.advance(3_000);
    expect(b.linkState()).toBe('backoff');
    await b.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(b.linkState()).toBe('stopped');
  });
});
