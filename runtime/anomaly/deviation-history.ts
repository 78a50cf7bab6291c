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
 * that runs for years judges by its recent past and keeps at most 240 kB per history. */
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

/** Where `z` goes in the ascending `sorted`. */
function insertionPoint(sorted: readonly number[], z: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) < z) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The latest deviations a model has produced, sorted, for the quantile new ones are judged by. */
export class DeviationHistory {
  private readonly sorted: number[] = [];
  /** The same deviations in the order they came, to forget the oldest. */
  private readonly arrived: number[] = [];
  private oldest = 0;

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
    this.sorted.splice(insertionPoint(this.sorted, z), 0, z);
    this.arrived.push(z);
    if (this.sorted.length > HISTORY_LIMIT) {
      const old = this.arrived[this.oldest++] ?? 0;
      this.sorted.splice(insertionPoint(this.sorted, old), 1);
      // Drop what has been forgotten now and then, not on every row.
      if (this.oldest >= HISTORY_LIMIT) {
        this.arrived.splice(0, this.oldest);
        this.oldest = 0;
      }
    }
  }
}
