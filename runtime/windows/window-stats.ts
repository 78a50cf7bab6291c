/**
 * Statistics of one stream over one window, kept so that two of them merge exactly: the stats
 * of a 15-minute window are the merge of its fifteen 1-minute windows, bit for bit in count,
 * min, max and last, and to floating-point rounding in sum.
 */
export interface WindowStats {
  /** Good readings folded in. */
  n: number;
  /** Readings that arrived but carried no usable value. */
  bad: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  /** Wall time of `last`; -Infinity while n is 0. */
  tlast: number;
}

export function emptyStats(): WindowStats {
  return { n: 0, bad: 0, sum: 0, min: Infinity, max: -Infinity, last: NaN, tlast: -Infinity };
}

export function addValue(s: WindowStats, value: number | null, wallMs: number): void {
  if (value === null || !Number.isFinite(value)) {
    s.bad++;
    return;
  }
  s.n++;
  s.sum += value;
  if (value < s.min) s.min = value;
  if (value > s.max) s.max = value;
  // `last` is the latest by time, not by arrival: a late reading must not overwrite a newer one.
  if (wallMs >= s.tlast) {
    s.last = value;
    s.tlast = wallMs;
  }
}

export function mergeStats(a: WindowStats, b: WindowStats): WindowStats {
  const later = b.tlast >= a.tlast ? b : a;
  return {
    n: a.n + b.n,
    bad: a.bad + b.bad,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    last: later.last,
    tlast: later.tlast,
  };
}
