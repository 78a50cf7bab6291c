import { AdaptiveScorer } from '../../runtime/anomaly/adaptive-scorer.js';

/**
 * A streaming univariate detector for NAB-style series: each value is scored against the last
 * `window` values before it (never after), as the tail probability of its distance from their
 * mean in standard deviations, so the score is in [0, 1) and 0.99 means "three sigma".
 * Deliberately simple: the baseline the learned detectors are compared with.
 */
export function gaussianTailScores(values: readonly number[], window = 288): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  let sumsq = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i] ?? 0;
    const n = Math.min(i, window);
    if (n >= 10) {
      const mean = sum / n;
      const sd = Math.sqrt(Math.max(0, sumsq / n - mean * mean));
      const z = sd > 0 ? Math.abs(x - mean) / sd : x === mean ? 0 : 10;
      out[i] = erf(z / Math.SQRT2);
    }
    sum += x;
    sumsq += x * x;
    if (i >= window) {
      const old = values[i - window] ?? 0;
      sum -= old;
      sumsq -= old * old;
    }
  }
  return out;
}

/** The error function (Abramowitz and Stegun 7.1.26, |error| < 1.5e-7). */
export function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** Relative size below which a residual is a floating-point rounding error. */
const ROUNDING = 1e-9;

/**
 * Like `gaussianTailScores`, but on what is left after the daily pattern: each value minus the
 * mean of the values one, two, … `days` periods before it (`period` rows apart). A series that
 * repeats every day scores low wherever it repeats, and high where today differs.
 */
export function seasonalTailScores(
  values: readonly number[],
  period = 288,
  days = 7,
  window = 288,
): Float64Array {
  const residuals = values.map((x, i) => {
    let sum = 0;
    let n = 0;
    for (let d = 1; d <= days && i - d * period >= 0; d++) {
      sum += values[i - d * period] ?? 0;
      n++;
    }
    if (n === 0) return 0;
    const residual = x - sum / n;
    // The mean of equal values can miss them by a rounding error (7 × 79.99996928 / 7 is not
    // 79.99996928). On a series that repeats exactly, the spread of the residuals is that
    // rounding too, and one such error reads as ten standard deviations: differences this small
    // are arithmetic, not change.
    return Math.abs(residual) <= ROUNDING * Math.max(1, Math.abs(x)) ? 0 : residual;
  });
  const scores = gaussianTailScores(residuals, window);
  // Before a whole period has passed there is no pattern to compare with.
  for (let i = 0; i < Math.min(period, scores.length); i++) scores[i] = 0;
  return scores;
}

/**
 * `AdaptiveScorer` (the gateway's `unusual_value` alarm) over a whole series: the same code the
 * gateway runs, fed one row at a time. `period` is rows per day.
 */
export function adaptiveScores(values: readonly number[], period: number, days = 7): Float64Array {
  const scorer = new AdaptiveScorer(period, days);
  return Float64Array.from(values, (x) => scorer.next(x).score);
}
