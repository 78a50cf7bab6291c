import { describe, expect, it } from 'vitest';
import { binaryScores, confusion } from '../../../scripts/eval/scorers/binary-scores.js';
import {
  nabScores,
  probationLength,
  type NabFile,
} from '../../../scripts/eval/scorers/nab-score.js';
import {
  scoringWindows,
  skabChangepointScores,
  tanhCurve,
  type ChangepointFile,
} from '../../../scripts/eval/scorers/skab-changepoint-score.js';

describe('SKAB binary scores', () => {
  it('counts points and sums the counts over files before dividing', () => {
    const a = confusion([0, 0, 1, 1, 0], [0, 1, 1, 0, 0]);
    expect(a).toEqual({ tp: 1, tn: 2, fp: 1, fn: 1 });
    const b = confusion([1, 1, 1, 0], [1, 1, 1, 0]);
    const s = binaryScores([a, b]);
    expect(s).toMatchObject({ tp: 4, tn: 3, fp: 1, fn: 1 });
    expect(s.f1).toBeCloseTo(4 / (4 + 1), 12);
    expect(s.far).toBeCloseTo(1 / 4, 12);
    expect(s.mar).toBeCloseTo(1 / 5, 12);
  });

  it('refuses labels and predictions of different lengths', () => {
    expect(() => confusion([0, 1], [0])).toThrow('differ in length (2 vs 1)');
  });
});

/** 300 rows at 1 Hz with true changepoints at `cps` and detections at `dets` (row numbers). */
function cpFile(cps: number[], dets: number[]): ChangepointFile {
  const n = 300;
  const truth = new Array<number>(n).fill(0);
  const predicted = new Array<number>(n).fill(0);
  for (const c of cps) truth[c] = 1;
  for (const d of dets) predicted[d] = 1;
  return { timeMs: Array.from({ length: n }, (_, i) => i * 1000), truth, predicted };
}

describe("SKAB's NAB-style changepoint score", () => {
  it('runs its tanh curve from A_tp at the window start to A_fp at the end', () => {
    expect(tanhCurve(0, 1, -0.11)).toBeCloseTo(1, 12);
    expect(tanhCurve(1, 1, -0.11)).toBeCloseTo(-0.11, 12);
    expect(tanhCurve(0.5, 1, -0.11)).toBeCloseTo(0.444048507, 8);
  });

  it('scores a detection at the changepoint 100, none 0, one half-way 72.2', () => {
    expect(skabChangepointScores([cpFile([100], [100])])).toEqual({
      standard: 100,
      low_fp: 100,
      low_fn: 100,
    });
    expect(skabChangepointScores([cpFile([100], [])]).standard).toBe(0);
    expect(skabChangepointScores([cpFile([100], [130])]).standard).toBeCloseTo(72.2024254, 6);
  });

  it('charges A_fp per detection outside every window, by profile', () => {
    const s = skabChangepointScores([cpFile([100], [10, 100])]);
    expect(s.standard).toBeCloseTo((100 * (1 - 0.11 + 1)) / 2, 9);
    expect(s.low_fp).toBeCloseTo((100 * (1 - 0.22 + 1)) / 2, 9);
    expect(s.low_fn).toBeCloseTo((100 * (1 - 0.11 + 2)) / 3, 9);
  });

  it('cuts the right window where two overlap, and counts only the first detection in a window', () => {
    const f = cpFile([100, 130], [140, 150]);
    expect(scoringWindows(f, 60_000)).toEqual([
      [100_000, 160_000],
      [160_000, 190_000],
    ]);
    // 140 is the first detection in window 1 (150 is in it too, not an FP); window 2 is missed.
    const s = skabChangepointScores([f]);
    expect(s.standard).toBeCloseTo(28.856240452, 6);
    expect(s.low_fn).toBeCloseTo(35.904160301, 6);
  });
});

/** 100 rows, one label window over rows 50–59, anomaly scores as given (0 elsewhere). */
function nabFile(scores: Record<number, number>, name = 'f'): NabFile {
  const s = new Array<number>(100).fill(0);
  for (const [i, v] of Object.entries(scores)) s[Number(i)] = v;
  return { name, scores: s, windows: [[50, 59]] };
}

describe('NAB score', () => {
  it('uses a probation of 15 % of the rows, at most 750', () => {
    expect(probationLength(100)).toBe(15);
    expect(probationLength(22_695)).toBe(750);
  });

  it('gives 100 to a detection at the left edge of every window and 0 to detecting nothing', () => {
    expect(nabScores([nabFile({ 50: 1 }), nabFile({ 50: 1 }, 'g')]).scores).toEqual({
      standard: 100,
      low_fp: 100,
      low_fn: 100,
    });
    expect(nabScores([nabFile({})]).scores.standard).toBe(0);
  });

  it('credits a late detection on the scaled sigmoid: the last row of the window 62.4', () => {
    expect(nabScores([nabFile({ 59: 1 })]).scores.standard).toBeCloseTo(62.4120775, 6);
  });

  it('charges a false positive just after a window less than a full A_fp', () => {
    const r = nabScores([nabFile({ 50: 1, 61: 1 })]);
    expect(r.scores.standard).toBeCloseTo(97.2243018, 6);
    expect(r.thresholds.standard).toBe(1);
  });

  it('ignores detections in the probationary period', () => {
    expect(nabScores([nabFile({ 5: 1 })]).scores.standard).toBe(0);
  });

  it('picks the threshold that scores best over all files: a constant detector scores 0', () => {
    const constant: NabFile = {
      name: 'c',
      scores: new Array<number>(100).fill(0.5),
      windows: [[50, 59]],
    };
    const r = nabScores([constant]);
    expect(r.scores.standard).toBe(0);
    expect(r.thresholds.standard).toBe(1.1);
  });
});
