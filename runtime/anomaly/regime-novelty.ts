/** Values in the recent spell whose spread is compared (NAB's relative-entropy detector's 52). */
export const SPELL_ROWS = 52;
/** Bins of a spell's histogram: one at the lowest value seen, the rest equal widths above it. */
const BINS = 5;
/** The chi-squared distribution's 0.99 point with BINS − 1 = 4 degrees of freedom: a spell whose
 * statistic against every kept spell reaches it is a new regime, and is kept. */
const NEW_REGIME = 13.276704135987622;
/** What a kept spell lends each bin, in values, so that one stray value in a bin it never had is
 * unlikely rather than impossible (Jeffreys' prior: half a value per bin). */
const PRIOR = 0.5;
/** Spells kept at most: past it the oldest is forgotten. 200 × 52 values is 83 kB. */
export const KEPT_LIMIT = 200;
/** Relative size below which two values are the same (a floating-point rounding error). */
const ROUNDING = 1e-9;

/**
 * How unlike every earlier regime the recent spell's values are spread: the streaming form of
 * Wang et al.'s relative-entropy test (2011), which NAB runs knowing each file's range in
 * advance. Here the range is what has been seen so far, and the kept spells are stored whole,
 * so their histograms are rebuilt when a new extreme widens it.
 *
 * Each row, the last SPELL_ROWS values are binned: the lowest value seen (a meter at rest, a load
 * switched off) in a bin of its own, the rest in equal widths up to the highest. The statistic is
 * 2 × SPELL_ROWS × the relative entropy of that histogram from the nearest kept one: chi-squared
 * with BINS − 1 degrees of freedom if the spell were drawn from it. A spell that is new by the
 * 0.99 point is kept, so a regime is new once and then known. A value held mid-range, a noisier
 * spell, a shift or a drift changes the histogram within a spell, where a deviation from the
 * value before can stay inside a heavy tail (decision 0028).
 *
 * Because a new spell is kept at once, a change that comes in gradually (as every change does,
 * one value a row) is new by little more than the 0.99 point: the statistic says when a regime
 * began, not how far it is from the last. Comparing against spells kept at least a spell ago
 * instead gave changes 6 to 12 times the statistic, and scored lower on every set it was tried on
 * (decision 0028).
 */
export class RegimeNovelty {
  private readonly spell = new Float64Array(SPELL_ROWS);
  private filled = 0;
  private next = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private readonly kept: { values: Float64Array; histogram: Float64Array }[] = [];
  /** The range the kept histograms were binned over. */
  private keptLo = NaN;
  private keptHi = NaN;

  /** Learns `x`; returns the spell's statistic against the nearest kept spell, undefined until a
   * whole spell has been seen (0 for the first, which is kept). */
  learn(x: number): number | undefined {
    this.spell[this.next] = x;
    this.next = (this.next + 1) % SPELL_ROWS;
    this.filled = Math.min(SPELL_ROWS, this.filled + 1);
    this.lo = Math.min(this.lo, x);
    this.hi = Math.max(this.hi, x);
    if (this.filled < SPELL_ROWS) return undefined;
    if (this.lo !== this.keptLo || this.hi !== this.keptHi) {
      for (const k of this.kept) k.histogram = this.histogram(k.values);
      this.keptLo = this.lo;
      this.keptHi = this.hi;
    }
    const p = this.histogram(this.spell);
    if (this.kept.length === 0) {
      this.kept.push({ values: this.spell.slice(), histogram: p });
      return 0;
    }
    let statistic = Infinity;
    for (const k of this.kept)
      statistic = Math.min(statistic, 2 * SPELL_ROWS * relativeEntropy(p, k.histogram));
    if (statistic >= NEW_REGIME) {
      // The ring is copied as it lies: the order of the values does not change a histogram.
      this.kept.push({ values: this.spell.slice(), histogram: p });
      if (this.kept.length > KEPT_LIMIT) this.kept.shift();
    }
    return statistic;
  }

  /** The fraction of `values` in each bin over the range seen so far. */
  private histogram(values: Float64Array): Float64Array {
    const h = new Float64Array(BINS);
    const rest = this.lo + ROUNDING * Math.max(1, Math.abs(this.lo));
    const width = (this.hi - rest) / (BINS - 1);
    for (const v of values) {
      const b =
        v <= rest || !(width > 0) ? 0 : Math.min(BINS - 1, 1 + Math.floor((v - rest) / width));
      h[b] = (h[b] ?? 0) + 1 / values.length;
    }
    return h;
  }
}

/** Relative entropy of the spell's histogram `p` from a kept one `q`, with `q` given PRIOR values
 * per bin. */
function relativeEntropy(p: Float64Array, q: Float64Array): number {
  let d = 0;
  for (let k = 0; k < BINS; k++) {
    const pk = p[k] ?? 0;
    if (pk === 0) continue;
    const qk = ((q[k] ?? 0) * SPELL_ROWS + PRIOR) / (SPELL_ROWS + BINS * PRIOR);
    d += pk * Math.log(pk / qk);
  }
  return d;
}
