import type { NabSeries } from './nab-data.js';
import { nabScores, type NabResult } from './scorers/nab-score.js';
import { relativeEntropyScores, windowedGaussianScores } from './nab-yardsticks.js';
import { adaptiveScores, seasonalTailScores } from './streaming-detector.js';

const DAY = 86_400_000;

/** Rows per day, from the series' usual step. */
export function rowsPerDay(timeMs: readonly number[]): number {
  const steps = timeMs
    .slice(1, 2_000)
    .map((t, i) => t - (timeMs[i] ?? t))
    .sort((a, b) => a - b);
  const step = steps[Math.floor(steps.length / 2)] ?? DAY;
  return Math.max(1, Math.round(DAY / Math.max(1, step)));
}

/** A streaming detector as NAB runs it: one series, its rows per day, a score per row. */
export type NabDetector = (values: readonly number[], rowsPerDay: number) => Float64Array;

export const NAB_DETECTORS = {
  /** The headline: chosen on real series with injected anomalies (`nab-injected.ts`). */
  adaptive: (values, period) => adaptiveScores(values, period),
  /** The earlier baseline: the residual from the same time on the previous 7 days. */
  seasonal: (values, period) => seasonalTailScores(values, period, 7, period),
  /** Yardsticks: two of NAB's scoreboard detectors (`nab-yardsticks.ts`). */
  windowed_gaussian: (values) => windowedGaussianScores(values),
  relative_entropy: (values) => relativeEntropyScores(values),
} satisfies Record<string, NabDetector>;

export interface NabEvalResult extends NabResult {
  files: number;
  windows: number;
  msPerValue: number;
}

/** Scores every series with a streaming detector and NAB's scorer. */
export function evaluateNab(
  series: readonly NabSeries[],
  detector: NabDetector = NAB_DETECTORS.adaptive,
): NabEvalResult {
  const t0 = performance.now();
  let values = 0;
  const files = series.map((s) => {
    values += s.values.length;
    const period = rowsPerDay(s.timeMs);
    return {
      name: s.name,
      scores: detector(s.values, period),
      windows: s.windows,
    };
  });
  const msPerValue = (performance.now() - t0) / Math.max(1, values);
  return {
    ...nabScores(files),
    files: series.length,
    windows: series.reduce((n, s) => n + s.windows.length, 0),
    msPerValue,
  };
}
