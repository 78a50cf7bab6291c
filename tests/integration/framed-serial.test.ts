/** UART sensors through the gateway's framed-serial driver, simulators at the far end of a
 * socat pseudo-terminal pair, with wire time at each device's baud rate. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { CODECS } from '../../runtime/devices/codecs.js';
import type { ImageFrame } from '../../runtime/drivers/serial/frame-codec.js';
import { FramedSerialDriver } from '../../runtime/drivers/serial/framed-serial-driver.js';
import type { LineSettings } from '../../runtime/drivers/serial/line-timing.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { simulatedDevice } from '../../scripts/simulators/device-models.js';
import type { FaultKind } from '../../scripts/simulators/faults.js';
import {
  FramedSerialSimulator,
  type FramedDeviceModel,
} from '../../scripts/simulators/framed-serial-simulator.js';
import { PtyPair } from '../../scripts/simulators/pty-pair.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { waitFor } from '../harness/wait-for.js';

const catalogue = DeviceCatalogue.load();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(profileId: string, options: { clock?: ManualClock; pollMs?: number } = {}) {
  const clock = options.clock ?? manualClock();
  const profile = catalogue.require(profileId, 'framed');
  const codec = CODECS.get(profile.codec);
  if (!codec) throw new Error(`no codec ${profile.codec}`);
  const line: LineSettings = {
    baudRate: profile.defaults.baudRate ?? codec.defaultBaudRate,
    parity: 'none',
    stopBits: 1,
  };
  const pair = await PtyPair.start();
  cleanups.push(() => pair.dispose());
  const sim = simulatedDevice(profile, clock);
  if (sim.kind !== 'framed') throw new Error('not a framed device');
  const device = new FramedSerialSimulator({
    path: pair.deviceEnd,
    line,
    model: sim.model,
    wallMs: () => clock.wallMs(),
  });
  await device.start();
  cleanups.push(() => device.stop());
  const readings: Reading[] = [];
  const images: ImageFrame[] = [];
  const driver = new FramedSerialDriver({
    busId: 'uart',
    path: pair.gatewayEnd,
    line,
    timeoutMs: 150,
    codec,
    device: {
      id: 'sensor',
      pollMs: options.pollMs ?? profile.defaults.pollMs,
      points: profile.points,
    },
    clock,
    log: silentLog(),
    sink: (r) => readings.push(r),
    images: (_id, image) => images.push(image),
  });
  cleanups.push(() => driver.stop());
  return {
    clock,
    pair,
    device,
    model: sim.model as FramedDeviceModel & { mode?: () => string },
    driver,
    readings,
    images,
    line,
  };
}

const good = (readings: Reading[], point: string): number[] =>
  readings.filter((r) => r.point === point && r.quality === 'good').map((r) => r.value ?? NaN);

describe('framed serial devices over a pseudo-terminal pair', () => {
  it('PMS5003: switches the sensor to passive mode and reads it on request', async () => {
    const r = await rig('plantower-pms5003');
    await r.driver.start();
    await r.clock.advance(0);
    await waitFor(() => r.model.mode?.() === 'passive', 'the sensor in passive mode');
    await r.clock.advance(5000);
    const [pm25] = good(r.readings, 'pm25');
    expect(pm25).toBeGreaterThan(0);
    expect(good(r.readings, 'pm10')[0]).toBeGreaterThanOrEqual(pm25 ?? 0);
    expect(r.driver.deviceHealth().sensor).toMatchObject({ state: 'online', crcErrors: 0 });
  });

  it('SDS011: polls at a new interval once it is changed', async () => {
    const r = await rig('nova-sds011', { pollMs: 1000 });
    await r.driver.start();
    await r.clock.advance(0);
    await waitFor(() => r.model.mode?.() === 'query', 'the sensor in query mode');
    const requests = (): number => r.driver.deviceHealth().sensor?.requests ?? 0;
    await r.clock.advance(3000);
    const before = requests();
    expect(r.driver.setPollInterval('sensor', 250)).toBe(true);
    expect(r.driver.setPollInterval('other', 250)).toBe(false);
    await r.clock.advance(2000);
    // Two seconds at 250 ms is eight polls; at the old 1000 ms it would have been two.
    expect(requests() - before).toBeGreaterThanOrEqual(7);
  });

  it('SDS011: sets query mode and reads PM2.5 and PM10 in µg/m³', async () => {
    const r = await rig('nova-sds011');
    await r.driver.start();
    await r.clock.advance(0);
    await waitFor(() => r.model.mode?.() === 'query', 'the sensor in query mode');
    await r.clock.advance(5000);
    const [pm25] = good(r.readings, 'pm25');
    expect(pm25).toBeGreaterThan(5);
    expect(pm25).toBeLessThan(20);
    // Values are tenths on the wire.
    expect(Math.round((pm25 ?? 0) * 10)).toBeCloseTo((pm25 ?? 0) * 10, 6);
  });

  it('A02YYUW: takes the newest of the frames it streams', async () => {
    const r = await rig('dfrobot-a02yyuw');
    await r.driver.start();
    await r.clock.advance(0);
    await waitFor(() => r.device.framesSent >= 3, 'frames streaming');
    await r.clock.advance(1000);
    const [distance] = good(r.readings, 'distance');
    // The bay model: about 540 mm to a car roof, or 2480 mm to the ground.
    expect([540, 2480].some((d) => Math.abs((distance ?? 0) - d) < 10)).toBe(true);
  });

  it('GY-MCU90640: reads thermal frames at 115200 baud; the image stays in memory, only temperatures leave', async () => {
    const r = await rig('gy-mcu90640');
    await r.driver.start();
    await r.clock.advance(0);
    await r.clock.advance(1000);
    expect(r.images.length).toBeGreaterThanOrEqual(2);
    expect(r.images[0]?.pixels).toHaveLength(768);
    const [max] = good(r.readings, 'maxTemperature');
    const [mean] = good(r.readings, 'meanTemperature');
    // Warm bodies on a ~21 °C background.
    expect(max).toBeGreaterThan(28);
    expect(mean).toBeGreaterThan(20);
    expect(good(r.readings, 'sensorTemperature')[0]).toBe(30.5);
    // Readings are scalars: no reading carries the frame.
    expect(r.readings.every((reading) => typeof reading.value === 'number')).toBe(true);
    expect(new Set(r.readings.map((x) => x.point))).toEqual(
      new Set(['sensorTemperature', 'maxTemperature', 'meanTemperature']),
    );
  });

  it('keeps reading a streaming sensor for many polls without collecting listeners on its port', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const r = await rig('gy-mcu90640');
      await r.driver.start();
      for (let i = 0; i < 14; i++) {
        await waitFor(() => r.device.framesSent > i, 'the next frame');
        await r.clock.advance(1000);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(good(r.readings, 'maxTemperature').length).toBeGreaterThanOrEqual(12);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  describe.each(['plantower-pms5003', 'nova-sds011', 'gy-mcu90640'])(
    '%s (answers on request) under faults',
    (profileId) => {
      it.each<[FaultKind, string]>([
        ['bad-crc', 'crcErrors'],
        ['garbage', 'framingErrors'],
        ['truncated', 'timeouts'],
        ['silence', 'timeouts'],
        ['late', 'timeouts'],
      ])('%s: counted as %s, and the next poll reads again', async (kind, counter) => {
        const r = await rig(profileId, { pollMs: 1000 });
        const poll = (): Promise<void> => r.clock.advance(1000);
        await r.driver.start();
        await r.clock.advance(0);
        await poll();
        expect(r.driver.deviceHealth().sensor?.state).toBe('online');
        const before = r.readings.length;
        r.device.faults.add({ kind, count: 1, lateMs: 400 });
        await waitFor(
          async () => {
            await poll();
            return (r.driver.deviceHealth().sensor?.[counter as 'timeouts'] ?? 0) > 0;
          },
          `a ${counter} count`,
          8000,
        );
        if (kind === 'garbage') {
          // Noise before a frame costs nothing but a count: the frame behind it is read.
          expect(r.driver.deviceHealth().sensor?.timeouts).toBe(0);
          expect(r.readings.length).toBeGreaterThan(before);
        }
        r.device.faults.clear();
        const after = r.readings.length;
        await waitFor(
          async () => {
            await poll();
            return r.readings.length > after;
          },
          'readings again after the fault',
          8000,
        );
        expect(r.driver.deviceHealth().sensor?.state).toBe('online');
      });
    },
  );

  it('A02YYUW (streams) on the real clock: counts corrupted frames, times out on a gap, recovers', async () => {
    const r = await rig('dfrobot-a02yyuw', {
      clock: new SystemClock({ evidence: 'trust-os' }) as unknown as ManualClock,
      pollMs: 300,
    });
    await r.driver.start();
    await waitFor(() => good(r.readings, 'distance').length >= 2, 'distances');
    // One frame in ten corrupted, one with noise in front: counted, and polls go on.
    r.device.faults.add({ kind: 'bad-crc', count: 1 });
    r.device.faults.add({ kind: 'garbage', count: 1 });
    r.device.faults.add({ kind: 'truncated', count: 1 });
    await waitFor(() => r.device.faults.applied.truncated === 1, 'the faults to be sent');
    const afterFaults = good(r.readings, 'distance').length;
    await waitFor(
      () => good(r.readings, 'distance').length >= afterFaults + 2,
      'polls after the faults',
    );
    expect(r.driver.deviceHealth().sensor).toMatchObject({ timeouts: 0, state: 'online' });
    expect(r.driver.deviceHealth().sensor?.crcErrors).toBeGreaterThanOrEqual(2);
    expect(r.driver.deviceHealth().sensor?.framingErrors).toBeGreaterThanOrEqual(1);
    // A second and a half of nothing: polls inside it find no new frame.
    r.device.faults.add({ kind: 'silence', count: 15 });
    await waitFor(() => (r.driver.deviceHealth().sensor?.timeouts ?? 0) >= 1, 'a timeout');
    const afterGap = good(r.readings, 'distance').length;
    await waitFor(() => good(r.readings, 'distance').length > afterGap, 'distances again');
    expect(r.driver.deviceHealth().sensor?.state).toBe('online');
  });

  it('marks a silent sensor offline after three polls, then online again when it speaks', async () => {
    const r = await rig('nova-sds011', { pollMs: 1000 });
    await r.driver.start();
    await r.clock.advance(0);
    r.device.faults.add({ kind: 'silence' });
    await r.clock.advance(3000);
    expect(r.driver.deviceHealth().sensor).toMatchObject({
      state: 'offline',
      consecutiveFailures: 3,
    });
    r.device.faults.clear();
    await r.clock.advance(1000);
    expect(r.driver.deviceHealth().sensor?.state).toBe('online');
  });

  it('reopens the port after it goes away (a USB adapter pulled and plugged back)', async () => {
    const r = await rig('nova-sds011', { pollMs: 1000 });
    await r.driver.start();
    await r.clock.advance(1000);
    await r.device.stop();
    await r.pair.stop();
    await waitFor(async () => {
      await r.clock.advance(1000);
      return r.driver.linkState() === 'backoff';
    }, 'the driver to notice');
    await r.pair.start();
    await r.device.start();
    const before = r.readings.length;
    await waitFor(async () => {
      await r.clock.advance(1000);
      return r.driver.linkState() === 'connected' && r.readings.length > before;
    }, 'readings after the port came back');
  });
});
