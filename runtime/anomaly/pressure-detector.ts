import { Hysteresis, judge, type AlarmTransition } from './alarm.js';
import type { WindowValues } from './sensor-detector.js';

export interface PressureDetectorOptions {
  /** A drop: the window's lowest pressure below the lowest this main usually sees, by this
   * fraction of its usual (median) pressure. */
  dropFraction: number;
  /** A surge: the window's highest above the usual highest, by this fraction of the median. */
  surgeFraction: number;
}

export const PRESSURE_DEFAULTS: PressureDetectorOptions = { dropFraction: 0.1, surgeFraction: 0.1 };

/** Windows learnt before anything is judged: a day of hourly windows, two hours of 5-minute. */
export const PRESSURE_WARMUP = 24;
/** Windows kept as history (a week of 5-minute windows). */
const KEEP = 2_016;
const REFRESH_EVERY = 12;

/**
 * `pressure_drop` and `pressure_surge` on a water main, judged on each closed window against
 * the band the main itself usually stays in (the 1st percentile of window minima to the 99th of
 * maxima, learnt from windows that raised nothing), widened by a fraction of its median
 * pressure. Pressure units do not matter: everything is relative to the main's own figures. A
 * burst shows as a drop (severity alarm); a surge (water hammer, a failed reducing valve) is a
 * warning.
 */
export class PressureDetector {
  private readonly drop = new Hysteresis(1, 3);
  private readonly surge = new Hysteresis(1, 3);
  private readonly mins: number[] = [];
  private readonly maxes: number[] = [];
  private readonly means: number[] = [];
  private sinceRefresh = REFRESH_EVERY;
  private usual = { lowest: 0, highest: 0, median: 0 };

  constructor(
    private readonly subject: string,
    private readonly o: PressureDetectorOptions = PRESSURE_DEFAULTS,
  ) {}

  /** Learns from a window of the past (at start-up, from the store) without judging it. */
  warm(w: WindowValues): void {
    if (w.n > 0 && w.min !== null && w.max !== null && w.mean !== null)
      this.learn(w.min, w.max, w.mean);
  }

  push(w: WindowValues): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    if (w.n === 0 || w.min === null || w.max === null || w.mean === null) return out;
    if (this.means.length < PRESSURE_WARMUP) {
      this.learn(w.min, w.max, w.mean);
      return out;
    }
    const { lowest, highest, median } = this.usual;
    const dropBelow = lowest - this.o.dropFraction * median;
    const surgeAbove = highest + this.o.surgeFraction * median;
    const evidence = {
      lowest: round(w.min),
      highest: round(w.max),
      usualLowest: round(lowest),
      usualHighest: round(highest),
      usualMedian: round(median),
    };
    const isDrop = w.min < dropBelow;
    const isSurge = w.max > surgeAbove;
    judge(out, this.drop, isDrop, {
      name: 'pressure_drop',
      subject: this.subject,
      severity: 'alarm',
      atMs: w.atMs,
      evidence: { ...evidence, dropBelow: round(dropBelow) },
    });
    judge(out, this.surge, isSurge, {
      name: 'pressure_surge',
      subject: this.subject,
      severity: 'warning',
      atMs: w.atMs,
      evidence: { ...evidence, surgeAbove: round(surgeAbove) },
    });
    // What is under an alarm does not widen the usual band.
    if (!this.drop.isActive && !this.surge.isActive) this.learn(w.min, w.max, w.mean);
    return out;
  }

  private learn(min: number, max: number, mean: number): void {
    for (const [list, v] of [
      [this.mins, min],
      [this.maxes, max],
      [this.means, mean],
    ] as const) {
      list.push(v);
      if (list.length > KEEP) list.shift();
    }
    if (++this.sinceRefresh < REFRESH_EVERY && this.means.length > PRESSURE_WARMUP) return;
    this.sinceRefresh = 0;
    this.usual = {
      lowest: quantile(this.mins, 0.01),
      highest: quantile(this.maxes, 0.99),
      median: quantile(this.means, 0.5),
    };
  }
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] ?? 0;
}

const round = (x: number): number => Number(x.toPrecision(5));
