import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../runtime/shared/seeded-random.js';
import { AdaptiveScorer, quietRepeats } from '../../../runtime/anomaly/adaptive-scorer.js';
import { adaptiveScores } from '../../../scripts/eval/streaming-detector.js';

/** A seeded random walk: a process reading with no daily pattern. */
function walk(n: number, seed = 1): number[] {
  const random = seededRandom(seed);
  let x = 50;
  return Array.from({ length: n }, () => (x += random() - 0.5));
}

const argMax = (a: ArrayLike<number>, from: number): number => {
  let best = from;
  for (let i = from; i < a.length; i++) if ((a[i] ?? 0) > (a[best] ?? 0)) best = i;
  return best;
};

describe('adaptiveScores', () => {
  it('finds a step in a wandering reading, and it scores higher than anything before it', () => {
    const values = walk(2000);
    for (let i = 1500; i < values.length; i++) values[i] = (values[i] ?? 0) + 5;
    const s = adaptiveScores(values, 288);
    expect(argMax(s, 100)).toBe(1500);
    expect(s[1500]).toBeGreaterThan(0.5);
    expect(Math.max(...Array.from(s.slice(100, 1500)))).toBeLessThan(s[1500] ?? 0);
  });

  it('learns a daily switching pattern: the usual switch scores low, a late one high', () => {
    // Lamps on from 18:00 to 06:00, hourly, with a little noise; on day 20 they stay on 3 h late.
    const random = seededRandom(2);
    const day = 24;
    const values = Array.from({ length: day * 24 }, (_, i) => {
      const h = i % day;
      const late = i >= day * 20 && i < day * 20 + day && h >= 6 && h < 9;
      return (h >= 18 || h < 6 || late ? 100 : 0) + random();
    });
    const s = adaptiveScores(values, day);
    // Switches on days 10 to 19 were predicted by the days before.
    const usual = [];
    for (let d = 10; d < 20; d++) usual.push(s[d * day + 6] ?? 1, s[d * day + 18] ?? 1);
    expect(Math.max(...usual)).toBeLessThan(0.5);
    expect(s[day * 20 + 6]).toBeGreaterThan(0.5);
  });

  it('follows a daily pattern on a wandering level, and finds a spike smaller than a step of either', () => {
    // Hourly, a daily wave of ±50 on a level that wanders by up to ±2 an hour: neither the
    // value before (the wave moves up to 13 an hour) nor the same hour on earlier days (the
    // level has moved since) predicts it; the value before plus the day's step does.
    const random = seededRandom(6);
    const day = 24;
    let level = 200;
    const values = Array.from({ length: day * 60 }, (_, i) => {
      level += (random() - 0.5) * 4;
      return level + 50 * Math.sin((2 * Math.PI * (i % day)) / day) + (random() - 0.5);
    });
    const at = day * 50 + 9;
    values[at] = (values[at] ?? 0) + 8;
    const s = adaptiveScores(values, day);
    expect(s[at]).toBeGreaterThan(0.5);
    expect(argMax(s, 100)).toBe(at);
  });

  it('finds a small level shift on a daily pattern, which no single row shows', () => {
    // Hourly, a daily wave with noise of sd 1; from day 30 every value is 1.5 higher.
    const random = seededRandom(8);
    const day = 24;
    const at = day * 30 + 5;
    const values = Array.from({ length: day * 40 }, (_, i) => {
      const noise = (random() + random() + random() - 1.5) * 2;
      return 100 + 30 * Math.sin((2 * Math.PI * (i % day)) / day) + noise + (i >= at ? 1.5 : 0);
    });
    const s = adaptiveScores(values, day);
    const after = Math.max(...Array.from(s.slice(at, at + 100)));
    expect(after).toBeGreaterThan(0.5);
    expect(Math.max(...Array.from(s.slice(100, at)))).toBeLessThan(after);
  });

  it('scores a value stuck far longer than any run before it', () => {
    const values = walk(1500, 3).map((v) => Math.round(v * 10) / 10);
    const stuckAt = values[1000] ?? 0;
    for (let i = 1000; i < 1200; i++) values[i] = stuckAt;
    const s = adaptiveScores(values, 288);
    // Reported once, as soon as the run is longer than twice any before it; not again after.
    expect(Math.max(...Array.from(s.slice(1000, 1050)))).toBeGreaterThan(0.5);
    expect(Math.max(...Array.from(s.slice(1050, 1200)))).toBeLessThan(0.5);
    expect(Math.max(...Array.from(s.slice(100, 1000)))).toBeLessThan(0.5);
  });

  it('tells a meter at rest from one stuck mid-range', () => {
    // Hourly household use: none from 23:00 to 07:00 and idle hours in the day too, two weekends
    // away (60 hours without use), then a reading held at 27 L for 150 hours from row 1,000.
    const random = seededRandom(9);
    const values = Array.from({ length: 1400 }, (_, i) => {
      const hour = i % 24;
      const away = (i >= 300 && i < 360) || (i >= 700 && i < 760);
      return !away && hour >= 7 && hour < 23 && random() < 0.7 ? Math.round(5 + 60 * random()) : 0;
    });
    for (let i = 1000; i < 1150; i++) values[i] = 27;
    const s = adaptiveScores(values, 24);
    // A long rest is what this meter does; a value that stops moving mid-range is reported
    // within two days, long before it is as long as a weekend away.
    expect(Math.max(...Array.from(s.slice(1000, 1048)))).toBeGreaterThan(0.5);
    expect(Math.max(...Array.from(s.slice(760, 1000)))).toBeLessThan(0.5);
  });

  it('finds water running through the idle hours, which no single reading shows', () => {
    // Hourly household use, idle about half the hours; from row 1,500 the idle hours read 1 to
    // 3 L (a small continuous flow). Every reading is one the meter read before; the meter just
    // never comes to rest any more, which the spell's histogram shows within a spell.
    const random = seededRandom(3);
    const values = Array.from({ length: 2000 }, () =>
      random() < 0.5 ? 0 : Math.round(1 + 59 * random()),
    );
    const flow = seededRandom(4);
    for (let i = 1500; i < values.length; i++)
      if (values[i] === 0) values[i] = 1 + Math.floor(3 * flow());
    const scorer = new AdaptiveScorer(24);
    const r = values.map((v) => scorer.next(v));
    const before = Math.max(...r.slice(600, 1500).map((x) => x.score));
    const during = r.slice(1500, 1500 + 52);
    const top = during.reduce((a, b) => (b.score > a.score ? b : a));
    expect(top.score).toBeGreaterThan(0.5);
    expect(top.byNewRegime).toBe(true);
    expect(before).toBeLessThan(0.5);
  });

  it('finds a slow drift no single step shows', () => {
    const random = seededRandom(4);
    // White noise around 10, then a ramp of 8 standard deviations over 120 rows.
    const values = Array.from({ length: 2000 }, (_, i) => {
      const noise = (random() + random() + random() - 1.5) * 2; // sd 1
      return 10 + noise + (i >= 1500 ? Math.min(8, ((i - 1500) * 8) / 120) : 0);
    });
    const s = adaptiveScores(values, 288);
    expect(Math.max(...Array.from(s.slice(1500, 1650)))).toBeGreaterThan(0.5);
    expect(Math.max(...Array.from(s.slice(100, 1500)))).toBeLessThan(
      Math.max(...Array.from(s.slice(1500, 1650))),
    );
  });

  it('raises nothing on white noise, from its first judged row on', () => {
    // Early on, fewer than 1,000 deviations have been seen, so the 0.999 quantile is estimated:
    // each new largest deviation must not read as a 1-in-1,000 one.
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seededRandom(seed);
      const values = Array.from({ length: 900 }, () => random() + random() + random());
      const s = adaptiveScores(values, 1000);
      expect(Math.max(...Array.from(s))).toBeLessThan(0.5);
    }
  });

  it('does not depend on the units: the same series in mW scores the same', () => {
    const values = walk(800, 5);
    const a = adaptiveScores(values, 96);
    const b = adaptiveScores(
      values.map((v) => v * 1000),
      96,
    );
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] ?? 0, 6);
  });
});

describe('quietRepeats', () => {
  it('halves a score no higher than one of the rows before it, and keeps a higher one', () => {
    const s = quietRepeats(Float64Array.from([0, 0.8, 0.6, 0.9, 0.7, 0.9]), 2);
    expect(Array.from(s)).toEqual([0, 0.8, 0.3, 0.9, 0.35, 0.45]);
  });

  it('forgets a score after the rows it covers', () => {
    const s = quietRepeats(Float64Array.from([0.8, 0, 0, 0.7, 0.7]), 2);
    expect(Array.from(s)).toEqual([0.8, 0, 0, 0.7, 0.35]);
  });

  it('agrees with the plain definition on a long random series', () => {
    const random = seededRandom(7);
    const scores = Float64Array.from({ length: 3000 }, () => random() ** 3);
    const rows = 200;
    const s = quietRepeats(scores, rows);
    for (let t = 0; t < scores.length; t++) {
      const before = Math.max(0, ...Array.from(scores.slice(Math.max(0, t - rows), t)));
      const x = scores[t] ?? 0;
      expect(s[t]).toBe(x > before ? x : x * 0.5);
    }
  });
});

describe('AdaptiveScorer', () => {
  it('takes a value that is not a finite number as a row without one, and goes on as before', () => {
    const values = walk(1500, 3);
    const bad = new AdaptiveScorer(288);
    const skipped = new AdaptiveScorer(288);
    const scores = (s: AdaptiveScorer, x: number): number => s.next(x).score;
    for (const [i, x] of values.entries()) {
      if (i === 700 || i === 900) {
        const r = bad.next(i === 700 ? NaN : Infinity);
        expect(r).toMatchObject({ score: 0, model: undefined, predicted: undefined });
        skipped.skip();
        continue;
      }
      const a = scores(bad, x);
      expect(Number.isFinite(a)).toBe(true);
      expect(a).toBe(scores(skipped, x));
    }
    // A step after the bad values is still found: nothing was poisoned.
    expect(bad.next((values.at(-1) ?? 0) + 20).score).toBeGreaterThan(0.5);
  });
});
