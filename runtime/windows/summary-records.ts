import type { ClockState } from '../clock/clock.js';
import { formatIsoDuration } from '../shared/iso-duration.js';
import type { ClosedWindow } from './window-aggregator.js';
import { flagNames, percentiles } from './window-stats.js';

/**
 * One summary record as it travels upstream (the `recs` of a `data/summary` message). Its key
 * is (gw, dev, m, w, t0) and `rev`: the consumer upserts on the key, and a higher rev wins.
 * Field names are short because a lamp pole sends thousands a day over cellular.
 */
export interface SummaryRecord {
  dev: string;
  m: string;
  /** UN/CEFACT unit code. */
  u: string;
  /** Window length, ISO-8601 (`PT1M`). */
  w: string;
  /** Window start, ms since the epoch, UTC-aligned. */
  t0: number;
  rev: number;
  n: number;
  bad: number;
  sum: number | null;
  /** Sum of squares: with n and sum, the variance of any merge of windows. */
  sumsq: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  last: number | null;
  tlast: number | null;
  /** Median and 95th percentile, within 1 % (from a mergeable sketch). */
  p50: number | null;
  p95: number | null;
  clock: ClockState;
  /** Present when the window carries a mark: `clockStep`, `restamped`, `compacted`. */
  flags?: string[];
}

export type UnitLookup = (device: string, point: string) => string;

export function toSummaryRecords(window: ClosedWindow, unitOf: UnitLookup): SummaryRecord[] {
  const w = formatIsoDuration(window.lengthMs);
  return window.streams.map(({ device, point, stats, clockState, rev }) => {
    const has = stats.n > 0;
    const flags = flagNames(stats.flags);
    return {
      dev: device,
      m: point,
      u: unitOf(device, point),
      w,
      t0: window.t0,
      rev: Math.max(0, rev),
      n: stats.n,
      bad: stats.bad,
      sum: has ? stats.sum : null,
      sumsq: has ? stats.sumsq : null,
      min: has ? stats.min : null,
      max: has ? stats.max : null,
      mean: has ? stats.sum / stats.n : null,
      last: has ? stats.last : null,
      tlast: has ? stats.tlast : null,
      ...percentiles(stats),
      clock: clockState,
      ...(flags.length > 0 ? { flags } : {}),
    };
  });
}
