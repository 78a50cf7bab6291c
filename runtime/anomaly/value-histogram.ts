/**
 * Counts of non-negative values in unit-wide buckets (litres per hour, say), for quantiles of a
 * long history at a fixed memory cost. Values past the last bucket count in it.
 */
export class ValueHistogram {
  private readonly counts: Uint32Array;
  private total = 0;
  private maxSeen = 0;

  constructor(buckets = 4_096) {
    this.counts = new Uint32Array(buckets);
  }

  add(value: number): void {
    const v = Math.max(0, value);
    const i = Math.min(this.counts.length - 1, Math.floor(v));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total++;
    this.maxSeen = Math.max(this.maxSeen, v);
  }

  get size(): number {
    return this.total;
  }

  get max(): number {
    return this.maxSeen;
  }

  /** The smallest bucket value at or below which a fraction `q` of the values lie. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const want = q * this.total;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= want) return i;
    }
    return this.counts.length - 1;
  }
}
