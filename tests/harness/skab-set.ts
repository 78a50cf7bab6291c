import type { SkabFile, SkabSet } from '../../scripts/eval/skab-data.js';

/**
 * A SKAB-like experiment of two channels in opposite phase, one row a second. From `breakAt`
 * on, the second one stops following and holds `brokenValue`; those rows are labelled
 * anomalous, and the first of them a changepoint.
 */
export function twoChannelFile(
  name: string,
  rows: number,
  breakAt = Infinity,
  brokenValue = 1.5,
): SkabFile {
  const r = Array.from({ length: rows }, (_, i) => {
    const v = Math.sin(i / 6);
    return [v, i >= breakAt ? brokenValue : -v];
  });
  return {
    name,
    timeMs: r.map((_, i) => i * 1000),
    rows: r,
    anomaly: r.map((_, i) => (i >= breakAt ? 1 : 0)),
    changepoint: r.map((_, i) => (i === breakAt ? 1 : 0)),
  };
}

/** A set with an anomaly-free file of `freeRows` unbroken rows and the given experiments. */
export function skabSet(freeRows: number, experiments: SkabFile[]): SkabSet {
  const free = twoChannelFile('anomaly-free', freeRows);
  return {
    anomalyFree: { name: free.name, timeMs: free.timeMs, rows: free.rows },
    experiments,
    trainOnly: [],
  };
}
