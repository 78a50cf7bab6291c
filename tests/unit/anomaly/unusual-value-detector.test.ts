import { describe, expect, it } from 'vitest';
import type { AlarmTransition } from '../../../runtime/anomaly/alarm.js';
import { UnusualValueDetector } from '../../../runtime/anomaly/unusual-value-detector.js';
import { seededRandom } from '../../../runtime/shared/seeded-random.js';

const FIVE_MIN = 300_000;
const DAY = 86_400_000;

/** A reading with a daily wave (±40 around 100) and noise of sd 1, at the end of window `i`. */
function pattern(seed: number): (i: number) => number {
  const random = seededRandom(seed);
  return (i) =>
    100 +
    40 * Math.sin((2 * Math.PI * ((i * FIVE_MIN) % DAY)) / DAY) +
    (random() + random() + random() - 1.5) * 2;
}

const window = (i: number, mean: number | null) => ({
  atMs: Date.UTC(2026, 0, 1) + i * FIVE_MIN,
  n: mean === null ? 0 : 5,
  min: mean,
  max: mean,
  mean,
});

describe('UnusualValueDetector', () => {
  it('raises unusual_value on a window far off its daily pattern, with evidence, and clears after', () => {
    const value = pattern(1);
    const d = new UnusualValueDetector('street-pm25', FIVE_MIN, 0.55);
    const days = 9;
    // Eight days learnt from the store, then a day judged live.
    for (let i = 0; i < 8 * 288; i++) d.warm(window(i, value(i)));
    const out: AlarmTransition[] = [];
    const at = 8 * 288 + 150;
    for (let i = 8 * 288; i < days * 288; i++)
      out.push(...d.push(window(i, value(i) + (i === at ? 15 : 0))));
    expect(out.map((t) => t.state)).toEqual(['raised', 'cleared']);
    const [raised, cleared] = out;
    expect(raised).toMatchObject({
      name: 'unusual_value',
      subject: 'street-pm25',
      severity: 'warning',
      atMs: window(at, 0).atMs,
      evidence: { above: 0.55, persistentDeparture: false, newRegime: false },
    });
    expect(raised?.evidence.score).toBeGreaterThanOrEqual(0.55);
    // It was judged by a model that knows the time of day: predicted near the wave, not the spike.
    expect(raised?.evidence.model).not.toBe('step');
    expect(
      Math.abs(Number(raised?.evidence.mean) - Number(raised?.evidence.predicted)),
    ).toBeGreaterThan(10);
    // Cleared after six usual windows.
    expect(cleared?.atMs).toBe(window(at + 6, 0).atMs);
  });

  it('keeps the time of day across a gap, so the pattern after it is not unusual', () => {
    const value = pattern(2);
    const d = new UnusualValueDetector('street-pm25', FIVE_MIN, 0.55);
    for (let i = 0; i < 8 * 288; i++) d.warm(window(i, value(i)));
    const out: AlarmTransition[] = [];
    // Three hours without a window at all (the gateway was off), then one with no reading.
    const gapFrom = 8 * 288 + 20;
    for (let i = 8 * 288; i < 9 * 288; i++) {
      const v = value(i);
      if (i >= gapFrom && i < gapFrom + 36) continue;
      out.push(...d.push(window(i, i === gapFrom + 40 ? null : v)));
    }
    expect(out).toEqual([]);
  });

  it('does not predict across a gap from the last value before it', () => {
    // Hourly, a daily wave on a wandering level: the value before plus the day's step predicts
    // it best, until six hours go missing and the value before is six hours old.
    const hour = 3_600_000;
    const random = seededRandom(6);
    let level = 200;
    const d = new UnusualValueDetector('footfall', hour, 0.55);
    const out: AlarmTransition[] = [];
    for (let i = 0; i < 24 * 40; i++) {
      level += (random() - 0.5) * 4;
      const v = level + 50 * Math.sin((2 * Math.PI * (i % 24)) / 24) + (random() - 0.5);
      if (i >= 24 * 30 + 3 && i < 24 * 30 + 9) continue;
      const transitions = d.push({ atMs: i * hour, n: 1, min: v, max: v, mean: v });
      if (i > 24 * 30) out.push(...transitions);
    }
    expect(out).toEqual([]);
  });

  it('says when the alarm is a new regime: a meter that no longer comes to rest', () => {
    // Hourly household use, idle about half the hours; from hour 1,500 the idle hours read 1 to
    // 3 L (water running). No single hour is unusual; the spread of the last 52 is.
    const hour = 3_600_000;
    const random = seededRandom(3);
    const flow = seededRandom(4);
    const d = new UnusualValueDetector('flat-12/water', hour, 0.5);
    const out: AlarmTransition[] = [];
    for (let i = 0; i < 1552; i++) {
      let v = random() < 0.5 ? 0 : Math.round(1 + 59 * random());
      if (i >= 1500 && v === 0) v = 1 + Math.floor(3 * flow());
      const w = { atMs: i * hour, n: 1, min: v, max: v, mean: v };
      if (i < 600) d.warm(w);
      else out.push(...d.push(w));
    }
    expect(out.filter((t) => t.state === 'raised' && t.atMs < 1500 * hour)).toEqual([]);
    const raised = out.find((t) => t.state === 'raised');
    expect(raised?.evidence).toMatchObject({ newRegime: true, persistentDeparture: false });
  });
});
