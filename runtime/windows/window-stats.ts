import { QuantileSketch } from './quantile-sketch.js';

/** Marks on a window that a consumer should know about; they merge by OR. */
export const WINDOW_FLAGS = {
  /** The wall clock stepped by more than 1 s while the window was open. */
  clockStep: 1,
  /** Some readings were taken before the clock synced and re-stamped from monotonic time. */
  restamped: 2,
  /** Built by the store from finer windows to save space (their detail is gone). */
  compacted: 4,
} as const;

export const FLAG_NAMES = Object.keys(WINDOW_FLAGS) as (keyof typeof WINDOW_FLAGS)[];

export function flagNames(flags: number): string[] {
  return FLAG_NAMES.filter((name) => (flags & WINDOW_FLAGS[name]) !== 0);
}

/**
 * Statistics of one stream over one window, kept so that two of them merge exactly: the stats
 * of a 15-minute window are the merge of its fifteen 1-minute windows, bit for bit in count,
 * min, max, last and the quantile sketch's buckets, and to floating-point rounding in sum and
 * sum of squares.
 */
export interface WindowStats {
  /** Good readings folded in. */
  n: number;
  /** Readings that arrived but carried no usable value. */
  bad: number;
  sum: number;
  sumsq: number;
  min: number;
  max: number;
  last: number;
  /** Wall time of `last`; -Infinity while n is 0. */
  tlast: number;
  /** Made on the first good value. */
  sketch: QuantileSketch | null;
  flags: number;
}

export function emptyStats(): WindowStats {
  return {
    n: 0,
    bad: 0,
    sum: 0,
    sumsq: 0,
    min: Infinity,
    max: -Infinity,
    last: NaN,
    tlast: -Infinity,
    sketch: null,
    flags: 0,
  };
}

export function addValue(s: WindowStats, value: number | null, wallMs: number): void {
  if (value === null || !Number.isFinite(value)) {
    s.bad++;
    return;
  }
  s.n++;
  s.sum += value;
  s.sumsq += value * value;
  if (value < s.min) s.min = value;
  if (value > s.max) s.max = value;
  // `last` is the latest by time, not by arrival: a late reading must not overwrite a newer one.
  if (wallMs >= s.tlast) {
    s.last = value;
    s.tlast = wallMs;
  }
  (s.sketch ??= new QuantileSketch()).add(value);
}

export function mergeStats(a: WindowStats, b: WindowStats): WindowStats {
  const later = b.tlast >= a.tlast ? b : a;
  let sketch: QuantileSketch | null = null;
  if (a.sketch || b.sketch) {
    sketch = new QuantileSketch();
    if (a.sketch) sketch.merge(a.sketch);
    if (b.sketch) sketch.merge(b.sketch);
  }
  return {
    n: a.n + b.n,
    bad: a.bad + b.bad,
    sum: a.sum + b.sum,
    sumsq: a.sumsq + b.sumsq,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    last: later.last,
    tlast: later.tlast,
    sketch,
    flags: a.flags | b.flags,
  };
}

/** p50 and p95 (null without good readings), clamped to the exact min and max. */
export function percentiles(s: WindowStats): { p50: number | null; p95: number | null } {
  const q = (p: number): number | null => {
    const v = s.sketch?.quantile(p) ?? null;
    return v === null ? null : Math.min(s.max, Math.max(s.min, v));
  };
  return { p50: q(0.5), p95: q(0.95) };
}
