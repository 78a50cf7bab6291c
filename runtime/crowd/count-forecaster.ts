const HOUR = 3_600_000;
const WEEK_H = 168;

export interface ForecasterOptions {
  /** Weeks of history whose median is the expected count for an hour of the week. */
  weeks: number;
  /** How much of the last hour's departure from the expected count is left after each hour
   * ahead (0..1): a rainy afternoon stays rainy for a while, not for a week. */
  decay: number;
  /** How much of the last day's departure (24 h, in log space) carries into every horizon
   * (0..1): a busier week, a festival, a school holiday. */
  dayWeight: number;
  /** Public holidays: a holiday is expected to look like a Sunday, and past holidays are left
   * out of the other days' expectations. Given a day's midnight (local-naive). */
  isHoliday?: (dayMs: number) => boolean;
}

/** The settings `eval:crowd --dataset pedestrians` chose on its validation weeks. */
export const FORECASTER_DEFAULTS: ForecasterOptions = { weeks: 4, decay: 0.9, dayWeight: 0.25 };

/**
 * A short-term forecast of hourly counts for one place, updated online with every count: the
 * expected count for an hour of the week is the median of the same hour over the last `weeks`
 * weeks (calendar: hour of day and day of week), corrected by how far the last day ran from its
 * expectation (kept at every horizon, weighted) and by how far the last hour did (fading with
 * the horizon). The departure is taken
 * in log space, because crowds scale: 20 % fewer people at noon is not "200 fewer" at 3 am.
 *
 * Times are the start of each hour in the place's wall-clock time (a local-naive epoch), so
 * the hour of the week follows the local calendar across daylight-saving changes.
 */
export class CountForecaster {
  private readonly counts = new Map<number, number>();
  private lastHour = -Infinity;
  private firstHour = Infinity;

  constructor(private readonly o: ForecasterOptions = FORECASTER_DEFAULTS) {}

  /** Adds the count of the hour starting at `hourMs`. History older than needed is dropped. */
  observe(hourMs: number, count: number): void {
    const h = Math.floor(hourMs / HOUR);
    this.counts.set(h, count);
    this.firstHour = Math.min(this.firstHour, h);
    if (h > this.lastHour) {
      this.lastHour = h;
      const keepFrom = h - (this.o.weeks + 5) * WEEK_H;
      for (const k of this.counts.keys()) if (k < keepFrom) this.counts.delete(k);
    }
  }

  /**
   * The expected count of the hour starting at `targetMs`, from counts of hours before
   * `originMs` only (the last known hour is the one before the origin).
   */
  forecast(originMs: number, targetMs: number): number {
    const origin = Math.floor(originMs / HOUR);
    const target = Math.floor(targetMs / HOUR);
    const expected = this.expectedCount(target, origin);
    const ahead = target - (origin - 1);
    // The last day's departure, in log space, hour by hour (hours without a count left out).
    let day = 0;
    let dayN = 0;
    for (let h = origin - 24; h < origin; h++) {
      const c = this.counts.get(h);
      if (c === undefined) continue;
      day += Math.log1p(c) - Math.log1p(this.expectedCount(h, origin));
      dayN++;
    }
    const dayDeparture = dayN > 0 ? (day / dayN) * this.o.dayWeight : 0;
    const last = this.counts.get(origin - 1);
    const hourDeparture =
      last === undefined
        ? 0
        : Math.log1p(last) - Math.log1p(this.expectedCount(origin - 1, origin)) - dayDeparture;
    const departure = dayDeparture + hourDeparture * this.o.decay ** ahead;
    return Math.max(0, Math.expm1(Math.log1p(expected) + departure));
  }

  /** Whether a week of counts precedes `originMs`: before that the expected counts are guesses
   * from the days before, and no row is worth learning from. */
  hasWeekBefore(originMs: number): boolean {
    return Math.floor(originMs / HOUR) - this.firstHour >= WEEK_H;
  }

  /** The expected count (the seasonal median) of the hour starting at `targetMs`, from counts
   * before `originMs`. */
  expected(originMs: number, targetMs: number): number {
    return this.expectedCount(Math.floor(targetMs / HOUR), Math.floor(originMs / HOUR));
  }

  /**
   * What the learned correction (forecast-correction.ts) reads to forecast the hour starting at
   * `targetMs` from `originMs`: departures from the expected count (log space) of the last
   * three hours, the last day, the same hour yesterday and a week ago, and the departure the
   * last hour implies through the usual shape of the day (the median, over the last weeks, of
   * how the target hour ran against the hour before the origin). Counts of hours from the
   * origin on are never read, so a row can be rebuilt once its target's count is known.
   */
  features(originMs: number, targetMs: number): number[] {
    const origin = Math.floor(originMs / HOUR);
    const target = Math.floor(targetMs / HOUR);
    const departure = (h: number): number => {
      const c = h < origin ? this.counts.get(h) : undefined;
      return c === undefined ? 0 : Math.log1p(c) - Math.log1p(this.expectedCount(h, origin));
    };
    let day = 0;
    for (let h = origin - 24; h < origin; h++) day += departure(h);
    const shapes: number[] = [];
    for (let w = 1; w <= this.o.weeks; w++) {
      const a = this.counts.get(target - w * WEEK_H);
      const b = this.counts.get(origin - 1 - w * WEEK_H);
      if (a !== undefined && b !== undefined) shapes.push(Math.log1p(a) - Math.log1p(b));
    }
    const last = this.counts.get(origin - 1);
    const shape =
      last === undefined || shapes.length === 0
        ? 0
        : Math.log1p(last) + median(shapes) - Math.log1p(this.expectedCount(target, origin));
    return [
      1,
      departure(origin - 1),
      departure(origin - 2),
      departure(origin - 3),
      day / 24,
      departure(target - 24),
      departure(target - WEEK_H),
      shape,
    ];
  }

  /** The median count of the same hour of the week over the last `weeks` weeks before
   * `origin` (a median, so one odd week, a holiday, does not move it). */
  private expectedCount(hour: number, origin: number): number {
    const holiday = (h: number): boolean =>
      this.o.isHoliday?.(Math.floor(h / 24) * 24 * HOUR) ?? false;
    // A holiday looks like a Sunday: the same hour on the Sundays before it.
    const dayOfWeek = (Math.floor(hour / 24) + 4) % 7; // 1970-01-01 was a Thursday
    const first = holiday(hour) ? hour - (dayOfWeek === 0 ? 7 : dayOfWeek) * 24 : hour - WEEK_H;
    const seen: number[] = [];
    for (
      let h = first;
      seen.length < this.o.weeks && h > first - (this.o.weeks + 4) * WEEK_H;
      h -= WEEK_H
    ) {
      if (h >= origin || holiday(h)) continue;
      const c = this.counts.get(h);
      if (c !== undefined) seen.push(c);
    }
    if (seen.length > 0) return median(seen);
    // No week of history at this hour: the same hour on the days before.
    for (let d = 1; d <= 7; d++) {
      const c = this.counts.get(hour - 24 * d);
      if (c !== undefined && hour - 24 * d < origin) return c;
    }
    return 0;
  }
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length / 2;
  return v.length % 2 === 1 ? (v[Math.floor(mid)] ?? 0) : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}
