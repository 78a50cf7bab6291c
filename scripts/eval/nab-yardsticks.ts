import { erf } from './streaming-detector.js';

/**
 * Two of NAB's own scoreboard detectors, rebuilt from their published descriptions, so that a
 * score on the development set (`nab-injected.ts`) can be read against theirs on the complete
 * corpus. NAB runs its detectors with the file's minimum and maximum known in advance; so do
 * these. Yardsticks only: nothing in the gateway uses them.
 */

/** Published NAB v1.1 scoreboard (standard / reward low FP / reward low FN), complete corpus. */
export const YARDSTICK_PUBLISHED = {
  windowed_gaussian: { nab_standard: 39.6, nab_low_fp: 20.9, nab_low_fn: 47.4 },
  relative_entropy: { nab_standard: 54.6, nab_low_fp: 47.6, nab_low_fn: 58.8 },
} as const;

/**
 * NAB's "windowed Gaussian" (its current version): each value scored 1 − Q(|z|), the probability
 * a normal variable falls closer to the mean, with the mean and population standard deviation of
 * the values before it. The window grows to 6,400 values, then slides 100 values at a time, and
 * is only re-estimated when it moves (NAB's settings, tuned on NAB).
 */
export function windowedGaussianScores(
  values: readonly number[],
  window = 6_400,
  step = 100,
): Float64Array {
  const out = new Float64Array(values.length);
  // Sums about the first value: the plain sum of squares of large readings loses the spread.
  const shift = values[0] ?? 0;
  let first = 0;
  let end = 0;
  let sum = 0;
  let sumsq = 0;
  let mean = 0;
  let sd = 1;
  const refit = (): void => {
    const n = end - first;
    mean = sum / n;
    const variance = Math.max(0, sumsq / n - mean * mean);
    sd = variance > 0 ? Math.sqrt(variance) : 1e-6;
  };
  for (let i = 0; i < values.length; i++) {
    const x = (values[i] ?? 0) - shift;
    // 1 − Q(|z|) = (1 + erf(|z| / √2)) / 2: 0.5 on the mean, towards 1 either way out.
    if (end > first) out[i] = 0.5 + 0.5 * erf(Math.abs(x - mean) / sd / Math.SQRT2);
    if (end - first < window) {
      sum += x;
      sumsq += x * x;
      end++;
      refit();
    } else if (i + 1 - end === step) {
      // The buffered values join, the oldest as many leave.
      for (; end <= i; end++, first++) {
        const add = (values[end] ?? 0) - shift;
        const drop = (values[first] ?? 0) - shift;
        sum += add - drop;
        sumsq += add * add - drop * drop;
      }
      refit();
    }
  }
  return out;
}

const BINS = 5;
const WINDOW = 52;
/** The chi-squared distribution's 0.99 point with BINS − 1 = 4 degrees of freedom. */
const CHI2_99_DF4 = 13.276704135987622;

/** Relative entropy (Kullback–Leibler divergence) of `p` from `q`; infinite where q misses
 * what p has. */
export function relativeEntropy(p: readonly number[], q: readonly number[]): number {
  let d = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k] ?? 0;
    const qk = q[k] ?? 0;
    if (pk === 0) continue;
    if (qk === 0) return Infinity;
    d += pk * Math.log(pk / qk);
  }
  return d;
}

/**
 * NAB's "relative entropy" detector (Wang et al., "Statistical techniques for online anomaly
 * detection in data centers", 2011, with NAB's settings): the last 52 values as a histogram of
 * 5 bins over the file's range, tested against every histogram kept so far by 2 × 52 × their
 * relative entropy at the chi-squared 0.99 point. A window no kept histogram accepts scores 1
 * and is kept; one that is accepted scores 0 (NAB's count threshold of 1 never fires on an
 * accepted one). A constant file scores 0 throughout.
 */
export function relativeEntropyScores(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const step = (hi - lo) / BINS;
  if (!(step > 0)) return out;
  // Quantised as NAB does: ceil((v − min) / step) is 0 only at the minimum, and the histogram's
  // bins are [0,1), [1,2), … [4,5], so 4 and 5 share the last bin; a value rounded past 5 falls
  // outside every bin and is not counted.
  const level = values.map((v) => Math.ceil((v - lo) / step));
  const kept: number[][] = [];
  for (let i = WINDOW - 1; i < values.length; i++) {
    const counts = new Array<number>(BINS).fill(0);
    let n = 0;
    for (let j = i - WINDOW + 1; j <= i; j++) {
      const b = level[j] ?? -1;
      if (b < 0 || b > BINS) continue;
      const bin = Math.min(b, BINS - 1);
      counts[bin] = (counts[bin] ?? 0) + 1;
      n++;
    }
    const p = counts.map((c) => c / Math.max(1, n));
    if (kept.length === 0) {
      kept.push(p);
      continue;
    }
    const accepted = kept.some((q) => 2 * WINDOW * relativeEntropy(p, q) < CHI2_99_DF4);
    if (!accepted) {
      out[i] = 1;
      kept.push(p);
    }
  }
  return out;
}
