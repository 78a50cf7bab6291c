import { describe, expect, it } from 'vitest';
import { Hysteresis } from '../../../runtime/anomaly/alarm.js';
import { ValueHistogram } from '../../../runtime/anomaly/value-histogram.js';
import {
  LEAK_HOURS,
  WaterMeterDetector,
  type MeterReading,
} from '../../../runtime/anomaly/water-meter-detector.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

/** A household: idle from midnight to 6, 20 L/h by day, a 150 L shower at 7 and 21. */
function household(days: number, startMs = T0): MeterReading[] {
  const out: MeterReading[] = [];
  for (let h = 0; h < days * 24; h++) {
    const hod = h % 24;
    const litres = hod < 6 ? 0 : hod === 7 || hod === 21 ? 150 : 20;
    out.push({ atMs: startMs + (h + 1) * HOUR, litres });
  }
  return out;
}

function detector(): { d: WaterMeterDetector; after: number } {
  const d = new WaterMeterDetector('m1');
  const cal = household(28);
  d.calibrate(cal);
  return { d, after: cal.at(-1)?.atMs ?? T0 };
}

function run(d: WaterMeterDetector, readings: MeterReading[]) {
  return readings.flatMap((r) => d.push(r));
}

describe('Hysteresis', () => {
  it('raises after N checks in a row and clears after M', () => {
    const h = new Hysteresis(2, 3);
    expect([true, false, true, true].map((c) => h.update(c))).toEqual([
      undefined,
      undefined,
      undefined,
      'raised',
    ]);
    expect([false, false, true, false, false, false].map((c) => h.update(c))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'cleared',
    ]);
  });
});

describe('ValueHistogram', () => {
  it('answers quantiles of what it has seen', () => {
    const h = new ValueHistogram(100);
    for (let i = 0; i < 100; i++) h.add(i);
    expect(h.quantile(0.5)).toBe(49);
    expect(h.quantile(0.995)).toBe(99);
    expect(h.max).toBe(99);
    h.add(1_000);
    expect(h.quantile(1)).toBe(99);
    expect(h.max).toBe(1_000);
  });
});

describe('WaterMeterDetector', () => {
  it('raises nothing on more of the same household', () => {
    const { d, after } = detector();
    expect(run(d, household(30, after))).toEqual([]);
  });

  it('finds a 6 L/h leak as soon as the last LEAK_HOURS hold no idle hour, with its evidence', () => {
    const { d, after } = detector();
    const leaking = household(4, after).map((r) => ({ ...r, litres: r.litres + 6 }));
    const alarms = run(d, leaking);
    const leak = alarms.find((a) => a.name === 'leak');
    expect(leak).toMatchObject({
      state: 'raised',
      severity: 'warning',
      evidence: { lowestHourLph: 6, usualLowestLph: 0 },
    });
    // The idle hours were midnight to 6, the last of them 18 readings before the leak began: the
    // window holds no idle hour LEAK_HOURS − 18 readings into the leak.
    expect(((leak?.atMs ?? 0) - after) / HOUR).toBe(LEAK_HOURS - 18);
    // Fixed: idle hours again; the alarm clears after six readings without the condition.
    const fixed = run(d, household(2, leaking.at(-1)?.atMs));
    expect(fixed.filter((a) => a.name === 'leak').map((a) => a.state)).toEqual(['cleared']);
  });

  it('finds a burst at night at once, and not a normal shower', () => {
    const { d, after } = detector();
    const night = household(1, after).map((r, i) => (i === 2 ? { ...r, litres: 450 } : r));
    const alarms = run(d, night);
    expect(alarms.filter((a) => a.name === 'burst' && a.state === 'raised')).toHaveLength(1);
    expect(alarms.find((a) => a.name === 'burst')?.atMs).toBe(night[2]?.atMs);
  });

  it('learns a one-hour spike that stopped by itself, so the same habit raises once', () => {
    const { d, after } = detector();
    // A garden hose at 23:00 on two evenings a week apart: 300 L, then back to normal.
    const hose = (days: number, from: number): MeterReading[] =>
      household(days, from).map((r, i) => (i === 23 ? { ...r, litres: 300 } : r));
    const first = hose(7, after);
    const second = hose(7, first.at(-1)?.atMs ?? after);
    const raised = (rs: MeterReading[]): number =>
      run(d, rs).filter((a) => a.name === 'burst' && a.state === 'raised').length;
    expect(raised(first)).toBe(1);
    expect(raised(second)).toBe(0);
  });

  it('keeps learning nothing from a burst that goes on', () => {
    const { d, after } = detector();
    const burst = (from: number): MeterReading[] =>
      household(2, from).map((r, i) => (i >= 23 && i < 29 ? { ...r, litres: r.litres + 300 } : r));
    const first = burst(after);
    const alarms = run(d, first);
    expect(alarms.filter((a) => a.name === 'burst').map((a) => a.state)).toEqual([
      'raised',
      'cleared',
    ]);
    // Six hours of it were a burst, not a habit: the same again is raised again.
    expect(
      run(d, burst(first.at(-1)?.atMs ?? after)).filter(
        (a) => a.name === 'burst' && a.state === 'raised',
      ),
    ).toHaveLength(1);
  });

  it('calls a reading no household connection can pass a meter fault, not a burst', () => {
    const { d, after } = detector();
    const glitch = household(1, after).map((r, i) => (i === 12 ? { ...r, litres: 248_243 } : r));
    const alarms = run(d, glitch).filter((a) => a.state === 'raised');
    expect(alarms.map((a) => a.name)).toEqual(['meter_fault']);
    expect(alarms[0]?.evidence.litresPerHour).toBe(248_243);
    // And it was not learnt: a real burst at that hour the next day is still found.
    const next = household(1, glitch.at(-1)?.atMs).map((r, i) =>
      i === 12 ? { ...r, litres: 600 } : r,
    );
    expect(run(d, next).filter((a) => a.name === 'burst' && a.state === 'raised')).toHaveLength(1);
  });

  it('counts what a register that ran backwards gains back as no use, not a burst', () => {
    const { d, after } = detector();
    // At 2 and 3 in the morning (idle hours): −3,076 L, then +3,112 L: 36 L over two hours.
    const misread = household(1, after).map((r, i) =>
      i === 1 ? { ...r, litres: -3076 } : i === 2 ? { ...r, litres: 3112 } : r,
    );
    const alarms = run(d, misread).filter((a) => a.state === 'raised');
    expect(alarms.map((a) => a.name)).toEqual(['backflow']);
    // What was gained back is not use either: a real night burst the next day is still found
    // against the same line.
    const next = household(1, misread.at(-1)?.atMs).map((r, i) =>
      i === 2 ? { ...r, litres: 400 } : r,
    );
    expect(run(d, next).filter((a) => a.name === 'burst' && a.state === 'raised')).toHaveLength(1);
  });

  it('calls a register swinging by hundreds of m³ either way a fault, not backflow or a burst', () => {
    const { d, after } = detector();
    // DAIAD's swinging register: +248,243 L, −248,203 L, +248,459 L, −248,422 L, … at night.
    const swing = [248_243, -248_203, 248_459, -248_422, 248_502, -248_467];
    const glitch = household(1, after).map((r, i) =>
      i >= 1 && i <= swing.length ? { ...r, litres: swing[i - 1] ?? 0 } : r,
    );
    const alarms = run(d, glitch).filter((a) => a.state === 'raised');
    expect(alarms.map((a) => a.name)).toEqual(['meter_fault']);
  });

  it('finds reverse flow, a stuck register and a silent meter', () => {
    const { d, after } = detector();
    const readings = household(6, after).map((r, i) => ({
      ...r,
      litres: i === 5 ? -12 : i >= 24 && i < 24 + 80 ? 0 : r.litres,
    }));
    const gapped = readings.filter((_, i) => i < 120 || i >= 126);
    const names = run(d, gapped)
      .filter((a) => a.state === 'raised')
      .map((a) => a.name);
    expect(names).toEqual(['backflow', 'stuck_meter', 'meter_offline']);
  });
});
