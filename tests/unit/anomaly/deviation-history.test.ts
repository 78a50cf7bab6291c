import { describe, expect, it } from 'vitest';
import { DeviationHistory, HISTORY_LIMIT } from '../../../runtime/anomaly/deviation-history.js';

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
