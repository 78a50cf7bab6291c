/**
 * Named alarms in the data path: ingest closes windows, the alarm engine judges them, alarms
 * land in the events table and the outbox (first in line upstream). A real store on disk,
 * driven by a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { AlarmEngine } from '../../runtime/anomaly/alarm-engine.js';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { AlarmSchema, type AlarmConfig } from '../../runtime/config/alarm-schema.js';
import { silentLog } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { manualClock, reading, storeAndIngest } from '../harness/gateway-fixtures.js';
import { tempDir } from '../harness/temp-dir.js';

const sensor = fillDefaults(AlarmSchema, {
  type: 'sensor',
  id: 'lamp-power',
  stream: 'lamp1/activePower',
  window: 'PT1M',
  min: 0,
  max: 100,
}) as AlarmConfig;

const door = fillDefaults(AlarmSchema, {
  type: 'tamper',
  id: 'cabinet',
  stream: 'door1/closed',
  window: 'PT1M',
}) as AlarmConfig;
const main = fillDefaults(AlarmSchema, {
  type: 'pressure',
  id: 'main',
  stream: 'main1/pressure',
  window: 'PT1M',
}) as AlarmConfig;

const unusual = fillDefaults(AlarmSchema, {
  type: 'unusual',
  id: 'lamp-power-unusual',
  stream: 'lamp1/activePower',
  window: 'PT1M',
}) as AlarmConfig;

async function site(dir: string, clock: ManualClock, alarms: AlarmConfig[] = [sensor]) {
  const { store, ingest } = storeAndIngest(dir, clock);
  let woken = 0;
  const engine = new AlarmEngine({
    alarms,
    store,
    clock,
    log: silentLog(),
    unitOf: () => 'WTT',
    onAlarms: () => woken++,
  });
  await store.start();
  await engine.start();
  ingest.onWindows((closed) => engine.onWindows(closed));
  await ingest.start();
  return {
    store,
    ingest,
    woken: () => woken,
    stop: async () => {
      await ingest.stop();
      await engine.stop();
      await store.stop();
    },
  };
}

/** `minutes` of one reading every 10 s, the value given by the minute. */
async function feed(
  clock: ManualClock,
  s: Awaited<ReturnType<typeof site>>,
  minutes: number,
  value: (minute: number, k: number) => number,
) {
  for (let m = 0; m < minutes; m++)
    for (let k = 0; k < 6; k++) {
      s.ingest.push(reading(clock, 'activePower', value(m, k)));
      await clock.advance(10_000);
    }
  await clock.advance(3_000);
}

describe('the alarm engine in the data path', () => {
  it('raises an alarm from a closed window into the events table and the outbox, and clears it', async () => {
    const clock = manualClock();
    const s = await site(tempDir(), clock);
    await feed(clock, s, 5, () => 70);
    expect(s.store.events.ofKind('out_of_range')).toEqual([]);
    await feed(clock, s, 1, (_m, k) => (k === 3 ? 150 : 70));
    const [raised] = s.store.events.ofKind('out_of_range');
    expect(raised).toMatchObject({
      severity: 'warning',
      data: {
        subject: 'lamp-power',
        state: 'raised',
        evidence: { max: 150, allowedMax: 100 },
      },
    });
    expect(s.woken()).toBe(1);
    const events = s.store.outbox
      .pending(100)
      .filter((r) => r.kind === 'event')
      .map((r) => r.body);
    expect(events.join()).toContain('"out_of_range"');
    await feed(clock, s, 3, () => 70);
    expect(s.store.events.ofKind('out_of_range').map((e) => e.data.state)).toEqual([
      'raised',
      'cleared',
    ]);
    await s.stop();
  });

  it('learns the usual spread from the windows in the store after a restart', async () => {
    const dir = tempDir();
    const clock = manualClock();
    const first = await site(dir, clock);
    await feed(clock, first, 40, (m, k) => 60 + ((m + k) % 3));
    await first.stop();
    // Restarted: the first window with a jump to 95 (inside the range) is a spike at once,
    // because 40 stored windows say the value moves by about 1 W.
    const second = await site(dir, clock);
    await feed(clock, second, 1, (_m, k) => (k === 2 ? 95 : 61));
    expect(second.store.events.ofKind('spike').map((e) => e.data.state)).toEqual(['raised']);
    await second.stop();
  });

  it('raises tamper when the cabinet door opens within a window, and clears when it stays shut', async () => {
    const clock = manualClock();
    const s = await site(tempDir(), clock, [door]);
    // The switch is read every 10 s, and reports at once when it changes.
    const poll = async (state: (k: number) => number) => {
      for (let k = 0; k < 6; k++) {
        s.ingest.push(reading(clock, 'closed', state(k), 'door1'));
        await clock.advance(10_000);
      }
    };
    await poll(() => 1);
    // Opened at 20 s and shut at 40 s.
    await poll((k) => (k === 2 || k === 3 ? 0 : 1));
    await clock.advance(3_000);
    const [raised] = s.store.events.ofKind('tamper');
    expect(raised).toMatchObject({
      severity: 'alarm',
      data: { subject: 'cabinet', state: 'raised', evidence: { openedInWindow: true } },
    });
    // A minute shut.
    await poll(() => 1);
    await clock.advance(3_000);
    expect(s.store.events.ofKind('tamper').map((e) => e.data.state)).toEqual(['raised', 'cleared']);
    await s.stop();
  });

  it("learns a main's pressure band from the store after a restart and raises a drop below it", async () => {
    const dir = tempDir();
    const clock = manualClock();
    const pressure = (m: number, k: number) => 3.2 + 0.05 * Math.sin(m) + 0.02 * (k % 2);
    const first = await site(dir, clock, [main]);
    for (let m = 0; m < 30; m++)
      for (let k = 0; k < 6; k++) {
        first.ingest.push(reading(clock, 'pressure', pressure(m, k), 'main1'));
        await clock.advance(10_000);
      }
    await clock.advance(3_000);
    expect(first.store.events.ofKind('pressure_drop')).toEqual([]);
    await first.stop();
    const second = await site(dir, clock, [main]);
    for (let k = 0; k < 6; k++) {
      second.ingest.push(reading(clock, 'pressure', k === 4 ? 2.4 : 3.2, 'main1'));
      await clock.advance(10_000);
    }
    await clock.advance(3_000);
    const [drop] = second.store.events.ofKind('pressure_drop');
    expect(drop).toMatchObject({
      severity: 'alarm',
      data: { subject: 'main', state: 'raised', evidence: { lowest: 2.4 } },
    });
    await second.stop();
  });

  it('learns a stream from the store after a restart and raises unusual_value on a window off it', async () => {
    const dir = tempDir();
    const clock = manualClock();
    const first = await site(dir, clock, [unusual]);
    // Two and a half hours of a reading that wanders by a few tenths of a watt.
    await feed(clock, first, 150, (m, k) => 60 + ((m * 7 + k) % 5) * 0.3);
    expect(first.store.events.ofKind('unusual_value')).toEqual([]);
    await first.stop();
    // Restarted: it judges from the stored windows on, so a minute 5 W higher stands out at once.
    const second = await site(dir, clock, [unusual]);
    await feed(clock, second, 1, () => 65);
    const [raised] = second.store.events.ofKind('unusual_value');
    expect(raised).toMatchObject({
      severity: 'warning',
      data: { subject: 'lamp-power-unusual', state: 'raised', evidence: { mean: 65 } },
    });
    await second.stop();
  });
});
