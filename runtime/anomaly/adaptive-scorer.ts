import { DeviationHistory, TypicalError, WARM_ROWS } from './deviation-history.js';
import { RegimeNovelty } from './regime-novelty.js';
import { RunningLevel } from './running-level.js';

/** How fast the slow level and its spread follow the series (per row). */
const LEVEL_RATE = 0.005;
/** Mean absolute error × this is the standard deviation, for Gaussian errors. */
const MAE_TO_SD = 1.2533;
/** A deviation with no spread to measure it by (a series that never moved before). */
const NO_SPREAD = 1_000;
/** Relative size below which a residual is a floating-point rounding error. */
const ROUNDING = 1e-9;
/** How fast the recent departure from the daily pattern follows it (per row: about 50 rows). */
const DEPARTURE_RATE = 0.02;
/** Rows after a score during which a score no higher repeats what was reported. 100, 200 and 300
 * scored within 0.3 of each other on the development set (two seeds); a day's rows scored 2
 * lower (an hourly series' day is 24 rows, too short for an event to pass). */
export const REPEAT_ROWS = 200;
/** What a repeat keeps of its score: under 0.5, the calibration quantile's score. */
const REPEAT_WEIGHT = 0.5;

/**
 * Each score that is not above every score of the `rows` before it is multiplied by
 * REPEAT_WEIGHT: it belongs to an event already reported (a noisy spell, the rows after a jump).
 * An operator wants one alarm per event, and NAB, like the operator, counts every further report
 * outside a label window as a false alarm. A larger deviation is still reported at once.
 */
export class RepeatFilter {
  /** The rows of the last `rows` whose scores decrease: the first is the highest. */
  private readonly highs: { t: number; score: number }[] = [];
  private first = 0;
  private t = 0;

  constructor(private readonly rows = REPEAT_ROWS) {}

  next(score: number): number {
    const t = this.t++;
    while (this.first < this.highs.length && (this.highs[this.first]?.t ?? t) < t - this.rows)
      this.first++;
    const recent = this.highs[this.first]?.score ?? 0;
    while (this.highs.length > this.first && (this.highs.at(-1)?.score ?? 0) <= score)
      this.highs.pop();
    this.highs.push({ t, score });
    // Expired rows are dropped in bulk, so the list stays as long as the window at most twice.
    if (this.first > this.rows) {
      this.highs.splice(0, this.first);
      this.first = 0;
    }
    return score > recent ? score : score * REPEAT_WEIGHT;
  }
}

/** `RepeatFilter` over a whole series. */
export function quietRepeats(scores: Float64Array, rows = REPEAT_ROWS): Float64Array {
  const f = new RepeatFilter(rows);
  return scores.map((s) => f.next(s));
}

/**
 * How far the values have recently departed from the same time on earlier days: the running
 * mean of that residual over about 50 rows against its slow running mean, in units of the spread
 * such a mean would have if the residuals were independent. A level shift or a drift in a
 * series with a daily pattern shows in no single row but in every row after it.
 */
class DayDeparture {
  private recent = 0;
  private readonly usual = new RunningLevel(LEVEL_RATE);
  private rows = 0;
  /** Learns the residual of a row; returns the departure, undefined while still warming up. */
  learn(residual: number): number | undefined {
    this.recent += DEPARTURE_RATE * (residual - this.recent);
    this.usual.learn(residual);
    this.rows++;
    // The slow mean and spread need more rows than a model's typical error to settle.
    if (this.rows <= 2 * WARM_ROWS) return undefined;
    const spread = Math.sqrt((this.usual.variance * DEPARTURE_RATE) / (2 - DEPARTURE_RATE));
    const off = Math.abs(this.recent - this.usual.mean);
    return spread > 0 ? off / spread : off > 0 ? NO_SPREAD : 0;
  }
}

export type PredictionModel = 'step' | 'day' | 'day-step';

/** One way of predicting a value: its running typical error, the deviations it has judged, and
 * its prediction of the row being judged (undefined when it cannot predict that row yet). */
interface Model {
  name: PredictionModel;
  error: TypicalError;
  history: DeviationHistory;
  predicted: number | undefined;
  deviation: number | undefined;
}

const newModel = (name: PredictionModel): Model => ({
  name,
  error: new TypicalError(),
  history: new DeviationHistory(),
  predicted: undefined,
  deviation: undefined,
});

/** A row's score and what it was judged by. */
export interface AdaptiveScore {
  /** In [0, 1): 0.5 at the series' own 0.999 quantile; halved for a repeat. */
  score: number;
  /** The model that judged the value (none for the first value, or one after a gap with no
   * earlier day to go by), and what it predicted. */
  model: PredictionModel | undefined;
  predicted: number | undefined;
  /** Whether the score is the persistent departure from earlier days rather than the value. */
  byDeparture: boolean;
  /** Whether the score is the recent spell's spread, unlike any regime seen (`RegimeNovelty`). */
  byNewRegime: boolean;
}

const NOTHING_JUDGED: Readonly<AdaptiveScore> = {
  score: 0,
  model: undefined,
  predicted: undefined,
  byDeparture: false,
  byNewRegime: false,
};

/**
 * A streaming detector for any univariate series, with or without a daily pattern, fed one value
 * at a time (a gateway's windows, or a NAB file's rows). Each value is predicted three ways and
 * judged by the model that has been predicting better (the lowest running mean absolute error):
 * - by the value before it (a wandering process reading with no daily pattern);
 * - by the mean of the same time of day on up to `days` earlier days (a daily pattern);
 * - by the value before it plus the step the day took at this time on those days (a daily
 *   pattern on a level that wanders: a footfall count in a busier week, a load that grew).
 * Then:
 * - Its deviation is the error in units of that model's typical error; when the step model is
 *   judging, also the distance from a slow running level in its standard deviations (a drift,
 *   which no single step shows), and a run of identical values well past the longest seen (a
 *   stuck sensor). Runs at the lowest value so far (a meter with no use, a load switched off)
 *   are measured against earlier runs at rest, others against earlier runs away from it: a
 *   household meter idle for a weekend is usual, the same reading for a day mid-range is not.
 * - Series differ in how heavy their tails are, and NAB judges all of them by one threshold. So
 *   each deviation is scored against the model's own earlier deviations: 0.5 at their 0.999
 *   quantile, towards 1 beyond it.
 * - Once there are earlier days, a persistent departure from them (`DayDeparture`: a shift or a
 *   drift on a daily pattern) is scored the same way, against its own history; the row's score
 *   is the higher of the two.
 * - So is how the last 52 values are spread, against every regime seen (`RegimeNovelty`: a value
 *   held mid-range, a noisier spell, a meter that no longer comes to rest).
 * - A score no higher than one in the REPEAT_ROWS before it is a repeat (`RepeatFilter`).
 * Its constants and models were chosen on `scripts/eval/nab-injected.ts`'s set (real series
 * with injected anomalies), never on NAB's labels (decisions 0023, 0024, 0027, 0028).
 */
export class AdaptiveScorer {
  private readonly step = newModel('step');
  private readonly day = newModel('day');
  private readonly dayStep = newModel('day-step');
  private readonly models = [this.step, this.day, this.dayStep];
  private readonly departure = new DayDeparture();
  private readonly departures = new DeviationHistory();
  private readonly novelty = new RegimeNovelty();
  private readonly novelties = new DeviationHistory();
  private readonly repeats = new RepeatFilter();
  /** The last `days` × `period` + 2 values (what the day-step model reaches back to), by row
   * modulo its length; NaN for a row with no value. */
  private readonly past: number[];
  private t = 0;
  /** The latest value (the step model's prediction, across gaps). */
  private last: number | undefined;
  /** The slow running level and its spread (a drift, which no single step shows). */
  private readonly level = new RunningLevel(LEVEL_RATE);
  private run = 0;
  /** The longest runs of identical values seen: at the lowest value so far (a sensor at rest,
   * a meter with no use) and elsewhere (a reading that usually moves). */
  private longestRun = 0;
  private longestRestRun = 0;
  private lowest = Infinity;

  /** `period`: rows per day. */
  constructor(
    private readonly period: number,
    private readonly days = 7,
  ) {
    this.past = new Array<number>(days * period + 2).fill(0);
  }

  /** The mean of the values `period`, 2 × `period`, … rows before row `t` (undefined before a
   * whole period has passed). */
  private sameTimeMean(t: number): number | undefined {
    let sum = 0;
    let k = 0;
    for (let d = 1; d <= this.days && t - d * this.period >= 0; d++) {
      const v = this.past[(t - d * this.period) % this.past.length] ?? NaN;
      // A row with no value (a gap) is left out.
      if (Number.isFinite(v)) {
        sum += v;
        k++;
      }
    }
    return k > 0 ? sum / k : undefined;
  }

  /** The longest gap worth recording: past it, nothing of the earlier days is left. */
  get memoryRows(): number {
    return this.past.length;
  }

  /** A row without a value (a window with no reading): time moves on, nothing is judged or
   * learnt, and the same time on later days has one day fewer to go by. */
  skip(): void {
    this.past[this.t++ % this.past.length] = NaN;
    this.repeats.next(0);
  }

  /** Scores the next value and learns it. A value that is not a finite number (NaN from a
   * caller's division by zero, an infinity) is a row without a value, as `skip()`: learnt, it
   * would poison the running level, the typical errors and the range for good. */
  next(x: number): AdaptiveScore {
    if (!Number.isFinite(x)) {
      this.skip();
      return { ...NOTHING_JUDGED };
    }
    const t = this.t++;
    const first = this.last === undefined;
    const prev = this.last ?? x;
    // After a gap the value before this one is unknown: what the step models would predict from
    // the last value before the gap is no prediction (the level moved on while nothing was read).
    const afterGap = !first && !Number.isFinite(this.past[(t - 1) % this.past.length] ?? NaN);
    this.past[t % this.past.length] = x;
    this.last = x;
    const regime = this.novelty.learn(x);
    if (first) {
      this.level.mean = x;
      return { ...NOTHING_JUDGED, score: this.repeats.next(0) };
    }
    const rounding = ROUNDING * Math.max(1, Math.abs(x));
    const deviation = (p: number | undefined): number | undefined => {
      if (p === undefined) return undefined;
      const e = Math.abs(x - p);
      return e <= rounding ? 0 : e;
    };
    const dayNow = this.sameTimeMean(t);
    const dayBefore = t - 1 - this.period >= 0 ? this.sameTimeMean(t - 1) : undefined;
    this.step.predicted = afterGap ? undefined : prev;
    this.day.predicted = dayNow;
    this.dayStep.predicted =
      !afterGap && dayNow !== undefined && dayBefore !== undefined
        ? prev + dayNow - dayBefore
        : undefined;
    for (const m of this.models) m.deviation = deviation(m.predicted);
    // The step model judges until another has proved better; a model that cannot predict this
    // row does not judge it.
    let best: Model | undefined;
    for (const m of this.models)
      if (
        m.deviation !== undefined &&
        (m === this.step || m.error.count >= WARM_ROWS) &&
        (best === undefined || m.error.value < best.error.value)
      )
        best = m;
    const atRest = prev <= this.lowest;
    const stuckAfter = Math.max(5, 2 * (atRest ? this.longestRestRun : this.longestRun));
    // A run that ends is learnt as usual, unless it had become unusual; one still running is
    // what is being judged (learning it as it grows would always keep it usual).
    if (x !== prev && this.run > 0 && this.run <= stuckAfter) {
      if (atRest) this.longestRestRun = Math.max(this.longestRestRun, this.run);
      else this.longestRun = Math.max(this.longestRun, this.run);
    }
    this.run = x === prev ? this.run + 1 : 0;
    this.lowest = Math.min(this.lowest, prev);
    let score = 0;
    // Until the step model knows its typical error, a row is neither judged nor a deviation to
    // judge others by (zeros would make the first real deviation look infinitely rare).
    if (best !== undefined && this.step.error.count >= WARM_ROWS) {
      const typical = best.error.value;
      const err = best.deviation ?? 0;
      let z = typical > 0 ? err / (MAE_TO_SD * typical) : err > 0 ? NO_SPREAD : 0;
      if (best === this.step) {
        const sd = Math.sqrt(this.level.variance);
        const off = deviation(this.level.mean) ?? 0;
        z = Math.max(z, sd > 0 ? off / sd : off > 0 ? NO_SPREAD : 0);
      }
      if (this.run > stuckAfter) z = Math.max(z, (3 * this.run) / stuckAfter);
      score = best.history.judge(z);
      best.history.add(z);
    }
    let byDeparture = false;
    if (dayNow !== undefined) {
      const residual = x - dayNow;
      const zDay = this.departure.learn(Math.abs(residual) <= rounding ? 0 : residual);
      if (zDay !== undefined) {
        const s = this.departures.judge(zDay);
        if (s > score) {
          score = s;
          byDeparture = true;
        }
        this.departures.add(zDay);
      }
    }
    let byNewRegime = false;
    if (regime !== undefined) {
      // Judged against its own history, like the departure: series differ in how often their
      // spells look new.
      const s = this.novelties.judge(regime);
      if (s > score) {
        score = s;
        byNewRegime = true;
        byDeparture = false;
      }
      this.novelties.add(regime);
    }
    for (const m of this.models) if (m.deviation !== undefined) m.error.learn(m.deviation);
    this.level.learn(x);
    return {
      score: this.repeats.next(score),
      model: best?.name,
      predicted: best?.predicted,
      byDeparture,
      byNewRegime,
    };
  }
}
