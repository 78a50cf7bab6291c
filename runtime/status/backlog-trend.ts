import type { BacklogSample } from './status-history.js';

/** How fast the backlog changes over the last `spanMs` of samples, and when it will be empty. */
export interface BacklogTrend {
  /** Rows per minute leaving the backlog (negative: it grows). */
  drainPerMin: number;
  /** Minutes until empty at that rate; null when it is not draining. */
  emptyInMin: number | null;
}

export function backlogTrend(
  samples: readonly BacklogSample[],
  spanMs = 5 * 60_000,
): BacklogTrend | null {
  const last = samples.at(-1);
  if (!last) return null;
  const first = samples.find((s) => s.t >= last.t - spanMs);
  if (!first || first === last || last.t <= first.t) return null;
  const drainPerMin = ((first.pending - last.pending) / (last.t - first.t)) * 60_000;
  return {
    drainPerMin,
    emptyInMin: drainPerMin > 0 && last.pending > 0 ? last.pending / drainPerMin : null,
  };
}

/** The trend in words, for the page and the CLI: "draining 120 rows/min, empty in about 8 min". */
export function describeTrend(t: BacklogTrend | null, pending: number): string {
  if (!t || pending === 0) return '';
  if (t.drainPerMin > 0 && t.emptyInMin !== null)
    return `draining ${Math.round(t.drainPerMin)} rows/min, empty in about ${Math.max(1, Math.round(t.emptyInMin))} min`;
  if (t.drainPerMin < 0) return `growing ${Math.round(-t.drainPerMin)} rows/min`;
  return 'not moving';
}
