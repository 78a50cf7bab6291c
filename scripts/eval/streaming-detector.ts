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

/** Rows a model must have scored before its scores count (its typical error is known). */
const WARM_ROWS = 50;
/** How fast a model's typical error follows the series (per row). */
const ERROR_RATE = 0.003;
/** An error over this many typical errors teaches the model only this much. */
const ERROR_CAP = 4;
/** How fast the slow level and its spread follow the series (per row). */
const LEVEL_RATE = 0.005;
/** A deviation is judged against this quantile of the model's own earlier deviations. */
const CALIBRATION_QUANTILE = 0.999;
/** An exponential tail's 0.999 quantile over its 0.9 quantile. */
const EXPONENTIAL_TAIL = Math.log(1000) / Math.log(10);
/** Mean absolute error × this is the standard deviation, for Gaussian errors. */
const MAE_TO_SD = 1.2533;
/** A deviation with no spread to measure it by (a series that never moved before). */
const NO_SPREAD = 1_000;
/** How fast the recent departure from the daily pattern follows it (per row: about 50 rows). */
const DEPARTURE_RATE = 0.02;
/** Rows after a score during which a score no higher repeats what was reported. 100, 200 and 300
 * scored within 0.3 of each other on the development set (two seeds); a day's rows scored 2
 * lower (an hourly series' day is 24 rows, too short for an event to pass). */
const REPEAT_ROWS = 200;
/** What a repeat keeps of its score: under 0.5, the calibration quantile's score. */
const REPEAT_WEIGHT = 0.5;

/** A running typical error (mean absolute), winsorised once known: an anomaly must not teach
 * the model that anomalies are usual. */
class TypicalError {
  value = 0;
  count = 0;
  learn(error: number): void {
    const e = this.count >= WARM_ROWS ? Math.min(error, ERROR_CAP * this.value) : error;
    this.value += (e - this.value) * Math.max(ERROR_RATE, 1 / (this.count + 1));
    this.count++;
  }
}

/** The sorted deviations a model has produced, for the quantile its new ones are judged by. */
class DeviationHistory {
  private readonly sorted: number[] = [];
  /** `z` against the calibration quantile: 0.5 at the quantile, towards 1 far beyond it. */
  judge(z: number): number {
    const n = this.sorted.length;
    if (n < WARM_ROWS) return 0;
    let q = this.sorted[Math.min(n - 1, Math.floor(CALIBRATION_QUANTILE * n))] ?? 0;
    // Until 1 in 1,000 has been seen, the largest deviation seen stands in for the quantile,
    // and each new largest would score over 0.5. The tail is taken to be at least as heavy as
    // an exponential one, whose 0.999 quantile is 3 times its 0.9 quantile (ln 1000 / ln 10).
    if (n < 1 / (1 - CALIBRATION_QUANTILE))
      q = Math.max(q, EXPONENTIAL_TAIL * (this.sorted[Math.floor(0.9 * n)] ?? 0));
    return z <= 0 ? 0 : q > 0 ? z / (z + q) : 1;
  }
  add(z: number): void {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.sorted[mid] ?? 0) < z) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.splice(lo, 0, z);
  }
}

/** The mean of the values `period`, 2 × `period`, … `days` × `period` rows before row `t`
 * (undefined before a whole period has passed). */
function sameTimeMean(
  values: readonly number[],
  t: number,
  period: number,
  days: number,
): number | undefined {
  let sum = 0;
  let k = 0;
  for (let d = 1; d <= days && t - d * period >= 0; d++) {
    sum += values[t - d * period] ?? 0;
    k++;
  }
  return k > 0 ? sum / k : undefined;
}

/**
 * Streaming, each score that is not above every score of the `rows` before it is multiplied by
 * REPEAT_WEIGHT: it belongs to an event already reported (a noisy spell, the rows after a jump).
 * An operator wants one alarm per event, and NAB, like the operator, counts every further report
 * outside a label window as a false alarm. A larger deviation is still reported at once.
 */
export function quietRepeats(scores: Float64Array, rows = REPEAT_ROWS): Float64Array {
  const out = new Float64Array(scores.length);
  // Rows of the last `rows`, their scores decreasing: the first is the highest.
  const highs: number[] = [];
  let first = 0;
  for (let t = 0; t < scores.length; t++) {
    while (first < highs.length && (highs[first] ?? t) < t - rows) first++;
    const recent = first < highs.length ? (scores[highs[first] ?? t] ?? 0) : 0;
    const s = scores[t] ?? 0;
    out[t] = s > recent ? s : s * REPEAT_WEIGHT;
    while (highs.length > first && (scores[highs[highs.length - 1] ?? t] ?? 0) <= s) highs.pop();
    highs.push(t);
  }
  return out;
}

/**
 * How far the values have recently departed from the same time on earlier days: the running
 * mean of that residual over about 50 rows against its slow running mean, in units of the spread
 * such a mean would have if the residuals were independent. A level shift or a drift in a
 * series with a daily pattern shows in no single row but in every row after it.
 */
class DayDeparture {
  private recent = 0;
  private usual = 0;
  private variance = 0;
  private rows = 0;
  /** Learns the residual of a row; returns the departure, undefined while still warming up. */
  learn(residual: number): number | undefined {
    this.recent += DEPARTURE_RATE * (residual - this.recent);
    const d = residual - this.usual;
    this.usual += LEVEL_RATE * d;
    this.variance = (1 - LEVEL_RATE) * (this.variance + LEVEL_RATE * d * d);
    this.rows++;
    // The slow mean and spread need more rows than a model's typical error to settle.
    if (this.rows <= 2 * WARM_ROWS) return undefined;
    const spread = Math.sqrt((this.variance * DEPARTURE_RATE) / (2 - DEPARTURE_RATE));
    const off = Math.abs(this.recent - this.usual);
    return spread > 0 ? off / spread : off > 0 ? NO_SPREAD : 0;
  }
}

/** One way of predicting a value: its running typical error, the deviations it has judged, and
 * its deviation at the row being judged (undefined when it cannot predict that row yet). */
interface Model {
  error: TypicalError;
  history: DeviationHistory;
  deviation: number | undefined;
}

const newModel = (): Model => ({
  error: new TypicalError(),
  history: new DeviationHistory(),
  deviation: undefined,
});

/**
 * A streaming detector for any univariate series, with or without a daily pattern. Each value is
 * predicted three ways and judged by the model that has been predicting better (the lowest
 * running mean absolute error):
 * - by the value before it (a wandering process reading with no daily pattern);
 * - by the mean of the same time of day on up to `days` earlier days (a daily pattern);
 * - by the value before it plus the step the day took at this time on those days (a daily
 *   pattern on a level that wanders: a footfall count in a busier week, a load that grew).
 * Then:
 * - Its deviation is the error in units of that model's typical error; when the step model is
 *   judging, also the distance from a slow running level in its standard deviations (a drift,
 *   which no single step shows), and a run of identical values well past the longest seen (a
 *   stuck sensor).
 * - Series differ in how heavy their tails are, and NAB judges all of them by one threshold. So
 *   each deviation is scored against the model's own earlier deviations: 0.5 at their 0.999
 *   quantile, towards 1 beyond it.
 * - Once there are earlier days, a persistent departure from them (`DayDeparture`: a shift or a
 *   drift on a daily pattern) is scored the same way, against its own history; the row's score
 *   is the higher of the two.
 * - A score no higher than one in the REPEAT_ROWS before it is a repeat (`quietRepeats`).
 * Its constants and models were chosen on `nab-injected.ts`'s set (real series with injected
 * anomalies), never on NAB's labels.
 */
export function adaptiveScores(values: readonly number[], period: number, days = 7): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const step = newModel();
  const day = newModel();
  const dayStep = newModel();
  const models = [step, day, dayStep];
  const departure = new DayDeparture();
  const departures = new DeviationHistory();
  let level = values[0] ?? 0;
  let levelVar = 0;
  let run = 0;
  let longestRun = 0;
  for (let t = 1; t < n; t++) {
    const x = values[t] ?? 0;
    const prev = values[t - 1] ?? 0;
    const rounding = ROUNDING * Math.max(1, Math.abs(x));
    const deviation = (p: number | undefined): number | undefined => {
      if (p === undefined) return undefined;
      const e = Math.abs(x - p);
      return e <= rounding ? 0 : e;
    };
    const dayNow = sameTimeMean(values, t, period, days);
    const dayBefore = t - 1 - period >= 0 ? sameTimeMean(values, t - 1, period, days) : undefined;
    step.deviation = deviation(prev);
    day.deviation = deviation(dayNow);
    dayStep.deviation = deviation(
      dayNow !== undefined && dayBefore !== undefined ? prev + dayNow - dayBefore : undefined,
    );
    let best = step;
    for (const m of [day, dayStep])
      if (
        m.deviation !== undefined &&
        m.error.count >= WARM_ROWS &&
        m.error.value < best.error.value
      )
        best = m;
    const typical = best.error.value;
    const err = best.deviation ?? 0;
    const stuckAfter = Math.max(5, 2 * longestRun);
    // A run that ends is learnt as usual, unless it had become unusual; one still running is
    // what is being judged (learning it as it grows would always keep it usual).
    if (x !== prev && run > 0 && run <= stuckAfter) longestRun = Math.max(longestRun, run);
    run = x === prev ? run + 1 : 0;
    // Until the step model knows its typical error, a row is neither judged nor a deviation to
    // judge others by (zeros would make the first real deviation look infinitely rare).
    if (step.error.count >= WARM_ROWS) {
      let z = typical > 0 ? err / (MAE_TO_SD * typical) : err > 0 ? NO_SPREAD : 0;
      if (best === step) {
        const sd = Math.sqrt(levelVar);
        const off = deviation(level) ?? 0;
        z = Math.max(z, sd > 0 ? off / sd : off > 0 ? NO_SPREAD : 0);
      }
      if (run > stuckAfter) z = Math.max(z, (3 * run) / stuckAfter);
      out[t] = best.history.judge(z);
      best.history.add(z);
    }
    if (dayNow !== undefined) {
      const residual = x - dayNow;
      const zDay = departure.learn(Math.abs(residual) <= rounding ? 0 : residual);
      if (zDay !== undefined) {
        out[t] = Math.max(out[t] ?? 0, departures.judge(zDay));
        departures.add(zDay);
      }
    }
    for (const m of models) if (m.deviation !== undefined) m.error.learn(m.deviation);
    const d = x - level;
    level += LEVEL_RATE * d;
    levelVar = (1 - LEVEL_RATE) * (levelVar + LEVEL_RATE * d * d);
  }
  return quietRepeats(out);
}
