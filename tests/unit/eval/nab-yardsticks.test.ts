import { describe, expect, it } from 'vitest';
import {
  relativeEntropy,
  relativeEntropyScores,
  windowedGaussianScores,
} from '../../../scripts/eval/nab-yardsticks.js';
import { erf } from '../../../scripts/eval/streaming-detector.js';

describe("NAB's windowed Gaussian, rebuilt", () => {
  it('scores each value by its distance from the values before it, either way', () => {
    const s = windowedGaussianScores([1, 3, 1, 3, 2, 5, -1]);
    expect(s[0]).toBe(0); // nothing before it
    // 1 − Q(|z|), the chance of falling closer to the mean.
    const closer = (z: number): number => 0.5 + 0.5 * erf(z / Math.SQRT2);
    // Before row 4: mean 2, population sd 1. Row 4 sits on the mean.
    expect(s[4]).toBeCloseTo(0.5, 6);
    // Row 5 (5) against [1, 3, 1, 3, 2]: mean 2, sd sqrt(0.8).
    expect(s[5]).toBeCloseTo(closer(3 / Math.sqrt(0.8)), 9);
    // Row 6 (−1) against [1, 3, 1, 3, 2, 5]: as far below as a value as far above would be.
    const mean = 15 / 6;
    const sd = Math.sqrt([1, 3, 1, 3, 2, 5].reduce((a, x) => a + (x - mean) ** 2, 0) / 6);
    expect(s[6]).toBeCloseTo(closer((mean + 1) / sd), 9);
  });

  it('slides a full window only once a whole step has gathered', () => {
    // Window 4, step 2: rows 4 and 5 are judged against [0, 0, 0, 0]; then both join and two
    // zeros leave, so row 6 is judged against [0, 0, 10, 10] (mean 5).
    const s = windowedGaussianScores([0, 0, 0, 0, 10, 10, 5], 4, 2);
    expect(s[4]).toBeCloseTo(1, 9);
    expect(s[5]).toBeCloseTo(1, 9);
    expect(s[6]).toBeCloseTo(0.5, 6);
  });

  it('keeps its spread on large readings that barely move', () => {
    const base = 1e9;
    const values = Array.from({ length: 50 }, (_, i) => base + (i % 2));
    values.push(base + 0.5, base + 5);
    const s = windowedGaussianScores(values);
    expect(s.at(-2)).toBeCloseTo(0.5, 1); // on the mean, give or take a row
    expect(s.at(-1)).toBeGreaterThan(0.999); // nine standard deviations out
  });
});

describe("NAB's relative entropy detector, rebuilt", () => {
  it('measures the relative entropy of one histogram from another', () => {
    expect(relativeEntropy([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(relativeEntropy([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(
      0.5 * Math.log(2) + 0.5 * Math.log(2 / 3),
      12,
    );
    expect(relativeEntropy([0.5, 0.5], [1, 0])).toBe(Infinity);
    expect(relativeEntropy([1, 0], [0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
  });

  it('flags a window no kept histogram accepts, once, then accepts the new regime', () => {
    // 200 rows cycling over the low half of the range, then 200 over the high half.
    const values = Array.from({ length: 400 }, (_, i) => (i < 200 ? i % 5 : 5 + (i % 5)));
    const s = relativeEntropyScores(values);
    const flagged = [...s.keys()].filter((i) => s[i] === 1);
    expect(s.slice(0, 200).every((x) => x === 0)).toBe(true);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((i) => i >= 200 && i < 200 + 52)).toBe(true);
    // Once the new regime has a histogram of its own, it is usual.
    expect(s.slice(260).every((x) => x === 0)).toBe(true);
  });

  it('scores a constant file 0 throughout', () => {
    expect(relativeEntropyScores(new Array<number>(100).fill(3)).every((x) => x === 0)).toBe(true);
  });
});
