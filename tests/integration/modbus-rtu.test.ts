/**
 * Modbus RTU through a real serial stack: the gateway's scheduler and modbus-serial on one end
 * of a socat pseudo-terminal pair, simulated slaves on the other, with wire time at 9600 baud.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../runtime/clock/clock.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { ModbusBusScheduler } from '../../runtime/drivers/modbus/modbus-bus-scheduler.js';
import { ModbusRtuLink } from '../../runtime/drivers/modbus/modbus-rtu-link.js';
import { polledDevice } from '../../runtime/drivers/modbus/polled-device.js';
import { silentLog, type Log } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { capturedLog } from '../harness/log-capture.js';
import { startRtuLine, type RtuLine } from '../harness/rtu-line.js';
import { waitFor } from '../harness/wait-for.js';

const catalogue = DeviceCatalogue.load();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LAMP_POLE = [
  { id: 'lamp', profile: 'eastron-sdm120', unitId: 1 },
  { id: 'cabinet', profile: 'eastron-sdm630', unitId: 2 },
  { id: 'bay', profile: 'dfrobot-urm14', unitId: 12 },
];

async function lineWith(clock: Clock, slaves = LAMP_POLE): Promise<RtuLine> {
  const line = await startRtuLine(catalogue, clock, slaves);
  cleanups.push(() => line.stop());
  return line;
}

function scheduler(
  line: RtuLine,
  clock: Clock,
  readings: Reading[],
  options: { devices?: typeof LAMP_POLE; log?: Log; timeoutMs?: number; pollMs?: number } = {},
) {
  const link = new ModbusRtuLink(line.pair.gatewayEnd, line.line, options.timeoutMs ?? 150);
  const bus = new ModbusBusScheduler({
    busId: 'rs485',
    link,
    clock,
    log: options.log ?? silentLog(),
    sink: (r) => readings.push(r),
    devices: (options.devices ?? LAMP_POLE).map((d) =>
      polledDevice(d.id, catalogue.require(d.profile, 'modbus'), {
        unitId: d.unitId,
        pollMs: options.pollMs,
      }),
    ),
  });
  cleanups.push(() => bus.stop());
  return { bus, link };
}

const valueOf = (readings: Reading[], device: string, point: string): number | null | undefined =>
  readings.filter((r) => r.device === device && r.point === point).at(-1)?.value;

describe('Modbus RTU over a pseudo-terminal pair at 9600 baud', () => {
  it('reads an SDM120, an SDM630 and a URM14 on one line exactly as each sent it', async () => {
    const clock = manualClock();
    const line = await lineWith(clock);
    const readings: Reading[] = [];
    const { bus } = scheduler(line, clock, readings);
    await bus.start();
    await clock.advance(0);
    const sdm120 = line.devices.get(1)?.answered[0];
    const sdm630 = line.devices.get(2)?.answered;
    const urm14 = line.devices.get(12)?.answered[0];
    if (!sdm120 || !sdm630?.length || !urm14) throw new Error('a slave was not read');
    // float32 on the wire: exactly the float32 the meter encoded.
    expect(valueOf(readings, 'lamp', 'voltage')).toBe(Math.fround(sdm120.voltage ?? NaN));
    expect(valueOf(readings, 'lamp', 'activePower')).toBe(Math.fround(sdm120.activePower ?? NaN));
    expect(valueOf(readings, 'cabinet', 'voltageL3')).toBe(
      Math.fround(sdm630[0]?.voltageL3 ?? NaN),
    );
    expect(valueOf(readings, 'cabinet', 'totalActivePower')).toBe(
      Math.fround(sdm630[0]?.totalActivePower ?? NaN),
    );
    // The energy group is read separately (every 10 s), from the second answer.
    expect(valueOf(readings, 'cabinet', 'importEnergy')).toBe(
      Math.fround(sdm630[1]?.importEnergy ?? NaN),
    );
    // uint16 in 0.1 mm.
    expect(valueOf(readings, 'bay', 'distance')).toBeCloseTo(urm14.distance ?? NaN, 1);
    expect(valueOf(readings, 'bay', 'temperature')).toBeCloseTo(18.3, 6);
    expect(Object.values(bus.deviceHealth()).map((h) => h.state)).toEqual([
      'online',
      'online',
      'online',
    ]);
    expect(line.sim.stats).toMatchObject({ badCrcRequests: 0, gapViolations: 0 });
  });

  it('reads each point at its own interval, energy totals every 10 s and power every second', async () => {
    const clock = manualClock();
    const line = await lineWith(clock, [LAMP_POLE[1]!]);
    const readings: Reading[] = [];
    const { bus } = scheduler(line, clock, readings, { devices: [LAMP_POLE[1]!] });
    await bus.start();
    await clock.advance(19_999);
    const count = (point: string): number => readings.filter((r) => r.point === point).length;
    expect(count('voltageL1')).toBe(20);
    expect(count('importEnergy')).toBe(2);
    expect(line.sim.stats.gapViolations).toBe(0);
  });

  describe('faults on a healthy slave', () => {
    async function healthyThen(
      kind: 'bad-crc' | 'garbage' | 'truncated' | 'late' | 'silence' | 'exception',
    ) {
      const clock = manualClock();
      const line = await lineWith(clock, [LAMP_POLE[0]!]);
      const readings: Reading[] = [];
      const captured = capturedLog();
      // A late answer is one the link has given up on: it lands after the timeout, in the
      // guard time the link leaves before retrying (the link drops it there). A long timeout
      // makes that guard 200 ms wide, so the answer lands in its middle, 100 ms from either
      // edge: the timeout and the simulator run on real time, and with 500 ms (50 ms either
      // side) a CI run with every suite in parallel once landed it outside.
      const timeoutMs = kind === 'late' ? 1000 : 150;
      const { bus, link } = scheduler(line, clock, readings, {
        devices: [LAMP_POLE[0]!],
        log: captured.log,
        timeoutMs,
      });
      await bus.start();
      await clock.advance(0);
      expect(bus.deviceHealth().lamp?.state).toBe('online');
      // The simulator answers `lateMs` after it would have; the link waits `timeoutMs` past
      // the same point before it gives up.
      const lateMs = timeoutMs + link.lateReplyGuardMs / 2;
      line.sim.faults.add({ kind, count: 1, lateMs, exceptionCode: 4 });
      const before = readings.length;
      await clock.advance(1000);
      const during = { health: bus.deviceHealth().lamp, readings: readings.slice(before) };
      await clock.advance(1000);
      return { bus, link, line, during, after: bus.deviceHealth().lamp, lines: captured.lines };
    }

    it('retries a bad CRC, counts it, and still delivers the poll', async () => {
      const { during, after, line } = await healthyThen('bad-crc');
      expect(during.health).toMatchObject({ crcErrors: 1, retries: 1, state: 'degraded' });
      expect(during.readings.filter((r) => r.quality === 'good').length).toBe(9);
      expect(after?.state).toBe('online');
      expect(line.sim.faults.applied['bad-crc']).toBe(1);
    });

    it('skips noise before a frame and counts it', async () => {
      const { during, link } = await healthyThen('garbage');
      expect(during.health).toMatchObject({ state: 'online', crcErrors: 0, retries: 0 });
      expect(during.readings.filter((r) => r.quality === 'good').length).toBe(9);
      expect(link.lineStats.noiseBytes).toBeGreaterThan(0);
    });

    it('treats a truncated answer as a framing error and retries', async () => {
      const { during, after } = await healthyThen('truncated');
      expect(during.health).toMatchObject({ framingErrors: 1, retries: 1, state: 'degraded' });
      expect(during.readings.filter((r) => r.quality === 'good').length).toBe(9);
      expect(after?.state).toBe('online');
    });

    it('times out on a late answer and does not mistake it for a later one', async () => {
      const { during, after, line } = await healthyThen('late');
      expect(during.health).toMatchObject({ timeouts: 1, retries: 1, state: 'degraded' });
      expect(after?.state).toBe('online');
      expect(line.sim.stats.gapViolations).toBe(0);
    });

    it('times out on silence and gets the answer on the retry', async () => {
      const { during, after } = await healthyThen('silence');
      expect(during.health).toMatchObject({ timeouts: 1, retries: 1, state: 'degraded' });
      expect(during.readings.filter((r) => r.quality === 'good').length).toBe(9);
      expect(after?.state).toBe('online');
    });

    it('does not retry an exception, marks the read bad, and says which read once', async () => {
      const { during, after, lines } = await healthyThen('exception');
      expect(during.health).toMatchObject({ exceptions: 1, retries: 0, state: 'degraded' });
      // The block read was refused; the total-energy read still answered.
      expect(during.readings.map((r) => r.point)).toEqual(['totalEnergy']);
      expect(after?.state).toBe('online');
      const warning = lines.filter(
        (l) => l.msg === 'device refused a read; check its profile and unit id',
      );
      expect(warning).toHaveLength(1);
      expect(warning[0]).toMatchObject({
        device: 'lamp',
        unitId: 1,
        register: 'input',
        address: 0,
        count: 76,
        exception: 'exception 4 (slave device failure)',
      });
    });
  });

  it('opens the breaker on a slave that never answers, and probes it later', async () => {
    const clock = manualClock();
    const line = await lineWith(clock, [LAMP_POLE[0]!]);
    const readings: Reading[] = [];
    // The cabinet meter is configured but not on the line.
    const { bus } = scheduler(line, clock, readings, { devices: [LAMP_POLE[0]!, LAMP_POLE[1]!] });
    await bus.start();
    // Its two poll groups fail at 0 s, the fast one again at 1 s: three failures open it.
    await clock.advance(1_500);
    expect(bus.deviceHealth().cabinet).toMatchObject({
      state: 'offline',
      breakerOpens: 1,
      responses: 0,
      requests: 3,
    });
    const requestsWhenOpened = bus.deviceHealth().cabinet?.requests ?? 0;
    await clock.advance(4_000);
    expect(bus.deviceHealth().cabinet?.requests).toBe(requestsWhenOpened);
    await clock.advance(1_000);
    // The cooldown (5 s) has passed: one probe, which fails and doubles the cooldown.
    expect(bus.deviceHealth().cabinet?.requests).toBe(requestsWhenOpened + 1);
    expect(bus.deviceHealth().cabinet?.breakerOpens).toBe(2);
    expect(bus.deviceHealth().lamp?.state).toBe('online');
  });

  it('keeps the others on time when one slave is dead (real clock)', async () => {
    const clock = new SystemClock({ evidence: 'trust-os' });
    const line = await lineWith(clock, [LAMP_POLE[0]!, LAMP_POLE[2]!]);
    const readings: Reading[] = [];
    // The cabinet meter (unit 2) is configured but dead: every request to it times out after
    // the default 1000 ms (plus wire time), longer than the others' poll interval.
    const { bus } = scheduler(line, clock, readings, { timeoutMs: 1000, pollMs: 1000 });
    await bus.start();
    await waitFor(
      () => (bus.deviceHealth().cabinet?.breakerOpens ?? 0) >= 1,
      'the dead slave to be given up on',
      15_000,
    );
    const from = Date.now();
    // Long enough for the breaker to let a probe through (its cooldown is 5 s).
    await waitFor(
      () => (bus.deviceHealth().cabinet?.requests ?? 0) > 3 && Date.now() - from > 7_000,
      'seven seconds of polling with a probe in them',
      15_000,
    );
    const gaps = (device: string): number[] => {
      const times = readings
        .filter(
          (r) =>
            r.device === device &&
            r.point !== 'totalEnergy' &&
            r.point !== 'temperature' &&
            r.wallMs >= from,
        )
        .map((r) => r.wallMs);
      const polls = [...new Set(times)];
      return polls.slice(1).map((t, i) => t - (polls[i] ?? t));
    };
    for (const device of ['lamp', 'bay']) {
      const g = gaps(device);
      expect(g.length).toBeGreaterThanOrEqual(5);
      // Each poll within its interval of the last; timers on a loaded CI box get a little slack.
      expect(Math.max(...g)).toBeLessThan(1000 + 80);
    }
    expect(line.sim.stats.gapViolations).toBe(0);
  });

  it('reopens the line after the serial port goes away', async () => {
    const clock = manualClock();
    const line = await lineWith(clock, [LAMP_POLE[0]!]);
    const readings: Reading[] = [];
    const { bus } = scheduler(line, clock, readings, { devices: [LAMP_POLE[0]!] });
    await bus.start();
    await clock.advance(1000);
    expect(bus.deviceHealth().lamp?.state).toBe('online');
    // Unplug: socat ends and both pseudo-terminals close.
    await line.sim.stop();
    await line.pair.stop();
    await waitFor(async () => {
      await clock.advance(1000);
      return bus.linkState() === 'backoff';
    }, 'the scheduler to notice the port is gone');
    // Plug back in.
    await line.pair.start();
    await line.sim.start();
    const before = readings.length;
    await waitFor(async () => {
      await clock.advance(1000);
      return bus.linkState() === 'connected' && readings.length > before;
    }, 'readings again after the port came back');
    expect(bus.deviceHealth().lamp?.state).toBe('online');
  });
});
