import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../runtime/shared/seeded-random.js';
import { QuantileSketch } from '../../../runtime/windows/quantile-sketch.js';
import {
  addValue,
  emptyStats,
  mergeStats,
  percentiles,
} from '../../../runtime/windows/window-stats.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
}

describe('QuantileSketch', () => {
  it('gives p50 and p95 within 1 % of the exact values, for positive, negative and zero values', () => {
    const random = seededRandom(7);
    for (const shift of [230, -40, 0]) {
      const values = Array.from({ length: 5000 }, () => shift + (random() - 0.5) * 60);
      values.push(0, 0, 0);
      const sketch = new QuantileSketch();
      for (const v of values) sketch.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.5, 0.95]) {
        const exact = exactQuantile(sorted, q);
        expect(Math.abs((sketch.quantile(q) ?? NaN) - exact)).toBeLessThanOrEqual(
          Math.abs(exact) * 0.01 + 1e-9,
        );
      }
    }
  });

  it('merges exactly: the sketch of an hour is bucket for bucket the merge of its minutes', () => {
    const random = seededRandom(3);
    const whole = new QuantileSketch();
    const merged = new QuantileSketch();
    for (let minute = 0; minute < 60; minute++) {
      const part = new QuantileSketch();
      for (let i = 0; i < 60; i++) {
        const v = 50 + random() * 20;
        whole.add(v);
        part.add(v);
      }
      merged.merge(QuantileSketch.decode(part.encode()));
    }
    expect(merged.encode()).toEqual(whole.encode());
    expect(merged.count).toBe(3600);
  });

  it('keeps window stats mergeable, sum of squares and percentiles included', () => {
    const a = emptyStats();
    const b = emptyStats();
    const all = emptyStats();
    [1, 2, 3].forEach((v, i) => (addValue(a, v, i), addValue(all, v, i)));
    [10, 20].forEach((v, i) => (addValue(b, v, 10 + i), addValue(all, v, 10 + i)));
    const m = mergeStats(a, b);
    expect(m).toMatchObject({ n: 5, sum: 36, sumsq: 514, min: 1, max: 20, last: 20 });
    expect(percentiles(m)).toEqual(percentiles(all));
    expect(percentiles(emptyStats())).toEqual({ p50: null, p95: null });
  });

  it('refuses a truncated encoding rather than inventing counts', () => {
    const s = new QuantileSketch();
    s.add(5);
    expect(() => QuantileSketch.decode(s.encode().subarray(0, 3))).toThrow(/truncated/);
  });
});
