import { describe, expect, it } from 'vitest';
import { DeviationHistory, HISTORY_LIMIT } from '../../../runtime/anomaly/deviation-history.js';
import { seededRandom } from '../../../runtime/shared/seeded-random.js';

describe('DeviationHistory', () => {
  it('scores 0.5 at its 0.999 quantile and more beyond it', () => {
    const h = new DeviationHistory();
    for (let i = 1; i <= 2000; i++) h.add(i / 1000);
    // The 0.999 quantile of 0.001 … 2.000 is 1.999.
    expect(h.judge(1.999)).toBeCloseTo(0.5, 6);
    expect(h.judge(4)).toBeGreaterThan(0.65);
    expect(h.judge(1)).toBeLessThan(0.4);
  });

  it('forgets deviations older than its limit: a site that calmed down is judged by its calm', () => {
    const h = new DeviationHistory();
    for (let i = 0; i < HISTORY_LIMIT; i++) h.add(100);
    expect(h.judge(5)).toBeLessThan(0.1);
    for (let i = 0; i < HISTORY_LIMIT; i++) h.add(1);
    expect(h.judge(5)).toBeCloseTo(5 / 6, 6);
  });

  it('judges nothing before it has seen enough deviations', () => {
    const h = new DeviationHistory();
    for (let i = 0; i < 10; i++) h.add(1);
    expect(h.judge(1000)).toBe(0);
  });
});

describe('DeviationHistory over more than its limit', () => {
  it('keeps exactly the last HISTORY_LIMIT deviations, sorted, and judges by their quantile', () => {
    const random = seededRandom(11);
    const h = new DeviationHistory();
    const all: number[] = [];
    // A third are zeros, so that equal deviations come and go, as a quiet sensor's do; the rest
    // grow threefold after the first HISTORY_LIMIT, so the quantile moves as the old ones leave.
    const total = 2.5 * HISTORY_LIMIT;
    for (let i = 0; i < total; i++) {
      const scale = i < HISTORY_LIMIT ? 1 : 3;
      const z = random() < 1 / 3 ? 0 : -Math.log(1 - random()) * scale;
      h.add(z);
      all.push(z);
      if (i % 97 !== 0 && i !== total - 1) continue;
      const kept = all.slice(-HISTORY_LIMIT).sort((a, b) => a - b);
      const n = kept.length;
      expect(h.length).toBe(n);
      const at = (p: number): number => kept[Math.min(n - 1, Math.floor(p * n))] ?? 0;
      for (const p of [0, 0.2, 0.34, 0.5, 0.9, 0.999, 1]) expect(h.quantile(p)).toBe(at(p));
      if (n < 1_000) continue;
      const q = at(0.999);
      for (const z of [0.5, 2, q, 7, 20]) expect(h.judge(z)).toBe(z / (z + q));
    }
  });
});
