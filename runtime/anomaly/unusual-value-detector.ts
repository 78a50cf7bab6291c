import { AdaptiveScorer } from './adaptive-scorer.js';
import { Hysteresis, judge, type AlarmTransition } from './alarm.js';
import type { WindowValues } from './sensor-detector.js';

const DAY = 86_400_000;
/** Windows in a row that score under the line before the alarm clears: the event has passed. */
const CLEAR_AFTER = 6;

/**
 * `unusual_value`: a window's mean that this stream's own history says is unusual, by the
 * streaming detector NAB's evaluation measures (`AdaptiveScorer`, decisions 0023 and 0024). It
 * follows a daily pattern where the stream has one, scores each value against the stream's own
 * earlier deviations (0.5 at their 0.999 quantile), and reports an event once. For what rules
 * name (out of range, flatline, a leak) the named alarms are better; this catches the rest.
 * A window without a reading is judged by nothing (going silent is `sensor_offline`'s to say),
 * but it keeps its place, so a gap does not shift the time of day the daily models compare.
 */
export class UnusualValueDetector {
  private readonly scorer: AdaptiveScorer;
  private readonly unusual = new Hysteresis(1, CLEAR_AFTER);
  /** The end of the last window fed, to count the windows a gap left out. */
  private lastAtMs: number | undefined;

  constructor(
    private readonly subject: string,
    private readonly windowMs: number,
    /** The score at and above which a window is unusual. */
    private readonly above: number,
  ) {
    this.scorer = new AdaptiveScorer(Math.max(1, Math.round(DAY / windowMs)));
  }

  /** Learns from a window of the past (at start-up, from the store) without judging it. */
  warm(w: WindowValues): void {
    const mean = this.advanceTo(w);
    if (mean !== null) this.scorer.next(mean);
  }

  push(w: WindowValues): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    const mean = this.advanceTo(w);
    if (mean === null) return out;
    const r = this.scorer.next(mean);
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    judge(out, this.unusual, r.score >= this.above, {
      name: 'unusual_value',
      subject: this.subject,
      severity: 'warning',
      atMs: w.atMs,
      evidence: {
        mean: round(mean),
        predicted: r.predicted === undefined ? null : round(r.predicted),
        model: r.model ?? null,
        score: round(r.score),
        above: this.above,
        persistentDeparture: r.byDeparture,
        newRegime: r.byNewRegime,
      },
    });
    return out;
  }

  /** Tells the scorer of the windows missing before `w` (the store holds none for a gateway
   * that was off) and of `w` itself if it has no reading, so that the same time on earlier days
   * stays the same time; returns `w`'s mean, null when it has none. */
  private advanceTo(w: WindowValues): number | null {
    const missing =
      this.lastAtMs === undefined ? 0 : Math.round((w.atMs - this.lastAtMs) / this.windowMs) - 1;
    this.lastAtMs = w.atMs;
    for (let k = 0; k < Math.min(missing, this.scorer.memoryRows); k++) this.scorer.skip();
    if (w.n === 0 || w.mean === null) {
      this.scorer.skip();
      return null;
    }
    return w.mean;
  }
}
