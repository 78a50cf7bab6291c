/** Rows a model must have scored before its scores count (its typical error is known). */
export const WARM_ROWS = 50;
/** How fast a model's typical error follows the series (per row). */
const ERROR_RATE = 0.003;
/** An error over this many typical errors teaches the model only this much. */
const ERROR_CAP = 4;
/** A deviation is judged against this quantile of the model's own earlier deviations. */
const CALIBRATION_QUANTILE = 0.999;
/** An exponential tail's 0.999 quantile over its 0.9 quantile. */
const EXPONENTIAL_TAIL = Math.log(1000) / Math.log(10);
/** The deviations a history keeps: ten times what the calibration quantile needs, so a gateway
 * that runs for years judges by its recent past and keeps at most 160 kB per history. */
export const HISTORY_LIMIT = 10_000;

/** A running typical error (mean absolute), winsorised once known: an anomaly must not teach
 * the model that anomalies are usual. */
export class TypicalError {
  value = 0;
  count = 0;
  learn(error: number): void {
    const e = this.count >= WARM_ROWS ? Math.min(error, ERROR_CAP * this.value) : error;
    this.value += (e - this.value) * Math.max(ERROR_RATE, 1 / (this.count + 1));
    this.count++;
  }
}

/** Where `z` goes in the ascending first `size` values of `sorted` (before any equal value). */
function insertionPoint(sorted: Float64Array, size: number, z: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) < z) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Room a new history starts with; it doubles as needed, up to HISTORY_LIMIT. */
const FIRST_ROOM = 256;

/** The latest deviations a model has produced, sorted, for the quantile new ones are judged by.
 * Typed arrays, moved with `copyWithin`: a full history is 160 kB, where arrays of numbers that
 * grow and are spliced took about 300 kB. */
export class DeviationHistory {
  /** The deviations kept, ascending, in the first `size` places. */
  private sorted = new Float64Array(FIRST_ROOM);
  /** The same deviations in the order they came, to forget the oldest: in arrival order until
   * the history is full, then a ring whose oldest is at `oldest`. */
  private arrived = new Float64Array(FIRST_ROOM);
  private size = 0;
  private oldest = 0;

  get length(): number {
    return this.size;
  }

  /** The deviation kept at fraction `p` of the way up (0 for an empty history). */
  quantile(p: number): number {
    return this.sorted[Math.min(this.size - 1, Math.floor(p * this.size))] ?? 0;
  }

  /** `z` against the calibration quantile: 0.5 at the quantile, towards 1 far beyond it. */
  judge(z: number): number {
    const n = this.size;
    if (n < WARM_ROWS) return 0;
    let q = this.quantile(CALIBRATION_QUANTILE);
    // Until 1 in 1,000 has been seen, the largest deviation seen stands in for the quantile,
    // and each new largest would score over 0.5. The tail is taken to be at least as heavy as
    // an exponential one, whose 0.999 quantile is 3 times its 0.9 quantile (ln 1000 / ln 10).
    if (n < 1 / (1 - CALIBRATION_QUANTILE)) q = Math.max(q, EXPONENTIAL_TAIL * this.quantile(0.9));
    return z <= 0 ? 0 : q > 0 ? z / (z + q) : 1;
  }

  add(z: number): void {
    const sorted = this.sorted;
    if (this.size === HISTORY_LIMIT) {
      // Full: the oldest makes way. One move shifts the values between where it was and where
      // `z` goes.
      const old = this.arrived[this.oldest] ?? 0;
      this.arrived[this.oldest] = z;
      this.oldest = (this.oldest + 1) % HISTORY_LIMIT;
      const i = insertionPoint(sorted, this.size, old);
      const j = insertionPoint(sorted, this.size, z);
      if (j <= i) {
        sorted.copyWithin(j + 1, j, i);
        sorted[j] = z;
      } else {
        sorted.copyWithin(i, i + 1, j);
        sorted[j - 1] = z;
      }
      return;
    }
    if (this.size === sorted.length) this.grow();
    this.arrived[this.size] = z;
    const j = insertionPoint(this.sorted, this.size, z);
    this.sorted.copyWithin(j + 1, j, this.size);
    this.sorted[j] = z;
    this.size++;
  }

  private grow(): void {
    const room = Math.min(HISTORY_LIMIT, 2 * this.sorted.length);
    const sorted = new Float64Array(room);
    sorted.set(this.sorted);
    this.sorted = sorted;
    const arrived = new Float64Array(room);
    arrived.set(this.arrived);
    this.arrived = arrived;
  }
}
