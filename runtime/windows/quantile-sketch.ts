/**
 * A mergeable quantile sketch with relative accuracy (the DDSketch idea: logarithmic buckets).
 * A value x > 0 falls in bucket i = ceil(log(x) / log(γ)), γ = (1 + α) / (1 − α); any value in
 * that bucket is within α of the bucket's representative, so every quantile is within α (1 %)
 * of a true value. Two sketches merge by adding their bucket counts, which is exact: the sketch
 * of an hour is bucket for bucket the merge of its sixty minutes. That is what lets the store
 * compact fine windows into coarse ones without losing p50/p95.
 *
 * Buckets are a dense array per sign with an offset, because a sensor's values in one window
 * span few buckets and an array index is cheaper than a Map on the ingest path.
 */

const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LN_GAMMA = Math.log(GAMMA);
/** Values smaller than this in magnitude count as zero. */
const ZERO = 1e-9;
/** Most buckets per sign; beyond it the smallest magnitudes are merged (accuracy is then lost
 * only for the smallest values, e.g. 1e-6 next to 1e6 in one window). */
const MAX_BUCKETS = 1024;

class Buckets {
  offset = 0;
  counts: number[] = [];

  add(index: number, count: number): void {
    if (this.counts.length === 0) {
      this.offset = index;
      this.counts.push(count);
      return;
    }
    let i = index - this.offset;
    if (i < 0) {
      this.counts.unshift(...new Array<number>(-i).fill(0));
      this.offset = index;
      i = 0;
    } else if (i >= this.counts.length) {
      for (let k = this.counts.length; k <= i; k++) this.counts.push(0);
    }
    this.counts[i] = (this.counts[i] ?? 0) + count;
    if (this.counts.length > MAX_BUCKETS) this.collapse();
  }

  private collapse(): void {
    const extra = this.counts.length - MAX_BUCKETS;
    let folded = 0;
    for (let k = 0; k <= extra; k++) folded += this.counts[k] ?? 0;
    this.counts = this.counts.slice(extra);
    this.counts[0] = folded;
    this.offset += extra;
  }

  total(): number {
    let t = 0;
    for (const c of this.counts) t += c;
    return t;
  }
}

// One value is added to every window length in turn: remember the last index computed.
let lastMagnitude = NaN;
let lastIndex = 0;

function bucketIndex(magnitude: number): number {
  if (magnitude !== lastMagnitude) {
    lastMagnitude = magnitude;
    lastIndex = Math.ceil(Math.log(magnitude) / LN_GAMMA);
  }
  return lastIndex;
}

function representative(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

export class QuantileSketch {
  private readonly pos = new Buckets();
  private readonly neg = new Buckets();
  private zeros = 0;

  get count(): number {
    return this.zeros + this.pos.total() + this.neg.total();
  }

  add(value: number): void {
    if (value > ZERO) this.pos.add(bucketIndex(value), 1);
    else if (value < -ZERO) this.neg.add(bucketIndex(-value), 1);
    else this.zeros++;
  }

  /** Adds every count of `other` into this sketch. */
  merge(other: QuantileSketch): void {
    other.pos.counts.forEach((c, i) => c > 0 && this.pos.add(other.pos.offset + i, c));
    other.neg.counts.forEach((c, i) => c > 0 && this.neg.add(other.neg.offset + i, c));
    this.zeros += other.zeros;
  }

  clone(): QuantileSketch {
    const copy = new QuantileSketch();
    copy.merge(this);
    return copy;
  }

  /** The q-quantile (0 ≤ q ≤ 1) within 1 % relative error; null for an empty sketch. */
  quantile(q: number): number | null {
    const n = this.count;
    if (n === 0) return null;
    const rank = Math.min(n - 1, Math.max(0, Math.floor(q * (n - 1))));
    let seen = 0;
    // Most negative first: the negative store's highest magnitude.
    for (let i = this.neg.counts.length - 1; i >= 0; i--) {
      seen += this.neg.counts[i] ?? 0;
      if (seen > rank) return -representative(this.neg.offset + i);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    for (let i = 0; i < this.pos.counts.length; i++) {
      seen += this.pos.counts[i] ?? 0;
      if (seen > rank) return representative(this.pos.offset + i);
    }
    return null;
  }

  /** A compact binary form for the store: zero count, then each sign's offset, length and
   * counts, all as zig-zag varints (a one-minute window of a steady sensor takes ~10 bytes). */
  encode(): Buffer {
    const out: number[] = [];
    writeVarint(out, this.zeros);
    for (const b of [this.pos, this.neg]) {
      writeVarint(out, zigzag(b.offset));
      writeVarint(out, b.counts.length);
      for (const c of b.counts) writeVarint(out, c);
    }
    return Buffer.from(out);
  }

  static decode(bytes: Uint8Array): QuantileSketch {
    const s = new QuantileSketch();
    const r = { bytes, at: 0 };
    s.zeros = readVarint(r);
    for (const b of [s.pos, s.neg]) {
      b.offset = unzigzag(readVarint(r));
      const len = readVarint(r);
      b.counts = new Array<number>(len);
      for (let i = 0; i < len; i++) b.counts[i] = readVarint(r);
    }
    return s;
  }
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function writeVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(r: { bytes: Uint8Array; at: number }): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (r.at >= r.bytes.length) throw new Error('quantile sketch: truncated encoding');
    const b = r.bytes[r.at++] ?? 0;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return result;
    scale *= 0x80;
  }
}
