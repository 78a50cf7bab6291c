/**
 * A small CBOR (RFC 8949) encoder and decoder for the data model of our messages: null,
 * booleans, numbers, strings, byte strings, arrays and string-keyed maps. Integers that are safe
 * in JavaScript encode as CBOR integers; other numbers as float32 when that is exact, else
 * float64. Decoding also reads half floats and skips tags, so payloads from other encoders of
 * the same data model decode too. Written here rather than taken from npm because the common
 * packages pull in native add-ons or a large surface for the subset we need.
 */
export type CborValue =
  | null
  | undefined
  | boolean
  | number
  | string
  | Uint8Array
  | readonly CborValue[]
  | { readonly [key: string]: CborValue };

export function encodeCbor(value: CborValue): Buffer {
  const w = new Writer();
  w.value(value);
  return w.finish();
}

class Writer {
  private buf = Buffer.alloc(256);
  private len = 0;

  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private head(major: number, n: number): void {
    this.room(9);
    const m = major << 5;
    if (n < 24) this.buf[this.len++] = m | n;
    else if (n < 0x100) {
      this.buf[this.len++] = m | 24;
      this.buf[this.len++] = n;
    } else if (n < 0x10000) {
      this.buf[this.len++] = m | 25;
      this.len = this.buf.writeUInt16BE(n, this.len);
    } else if (n < 0x100000000) {
      this.buf[this.len++] = m | 26;
      this.len = this.buf.writeUInt32BE(n, this.len);
    } else {
      this.buf[this.len++] = m | 27;
      this.len = this.buf.writeBigUInt64BE(BigInt(n), this.len);
    }
  }

  private bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  value(v: CborValue): void {
    if (v === null || v === undefined) {
      this.room(1);
      this.buf[this.len++] = v === null ? 0xf6 : 0xf7;
    } else if (typeof v === 'boolean') {
      this.room(1);
      this.buf[this.len++] = v ? 0xf5 : 0xf4;
    } else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      this.head(3, b.length);
      this.bytes(b);
    } else if (v instanceof Uint8Array) {
      this.head(2, v.length);
      this.bytes(v);
    } else if (Array.isArray(v)) {
      const items = v as readonly CborValue[];
      this.head(4, items.length);
      for (const item of items) this.value(item);
    } else {
      const entries = Object.entries(v as { readonly [key: string]: CborValue }).filter(
        ([, x]) => x !== undefined,
      );
      this.head(5, entries.length);
      for (const [k, x] of entries) {
        this.value(k);
        this.value(x);
      }
    }
  }

  private number(v: number): void {
    if (Number.isSafeInteger(v)) {
      if (v >= 0) this.head(0, v);
      else this.head(1, -1 - v);
      return;
    }
    this.room(9);
    if (Number.isNaN(v) || Math.fround(v) === v) {
      this.buf[this.len++] = 0xfa;
      this.len = this.buf.writeFloatBE(v, this.len);
    } else {
      this.buf[this.len++] = 0xfb;
      this.len = this.buf.writeDoubleBE(v, this.len);
    }
  }
}

/** Decodes one CBOR item that must fill `data`; throws with the byte offset on bad input. */
export function decodeCbor(data: Uint8Array): CborValue {
  const r = new Reader(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  const v = r.value(0);
  if (r.pos !== data.length) throw new Error(`CBOR: ${data.length - r.pos} bytes after the item`);
  return v;
}

const MAX_DEPTH = 64;

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new Error(`CBOR: truncated at byte ${this.pos} (needs ${n} more)`);
  }

  private uint(info: number): number {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Error(`CBOR: unsupported length encoding ${info} at ${this.pos}`);
    this.need(size);
    let n: number;
    if (size === 1) n = this.buf.readUInt8(this.pos);
    else if (size === 2) n = this.buf.readUInt16BE(this.pos);
    else if (size === 4) n = this.buf.readUInt32BE(this.pos);
    else n = Number(this.buf.readBigUInt64BE(this.pos));
    this.pos += size;
    return n;
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new Error(`CBOR: nested deeper than ${MAX_DEPTH}`);
    this.need(1);
    const start = this.pos;
    const ib = this.buf.readUInt8(this.pos++);
    const major = ib >> 5;
    const info = ib & 0x1f;
    switch (major) {
      case 0:
        return this.uint(info);
      case 1:
        return -1 - this.uint(info);
      case 2:
      case 3: {
        const n = this.uint(info);
        this.need(n);
        const slice = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return major === 3 ? slice.toString('utf8') : new Uint8Array(slice);
      }
      case 4: {
        const n = this.uint(info);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
        return out;
      }
      case 5: {
        const n = this.uint(info);
        const out: Record<string, CborValue> = {};
        for (let i = 0; i < n; i++) {
          const k = this.value(depth + 1);
          if (typeof k !== 'string' && typeof k !== 'number')
            throw new Error(`CBOR: map key at byte ${this.pos} is not a string or number`);
          // A key "__proto__" from a hostile payload must be data, not a new prototype.
          Object.defineProperty(out, String(k), {
            value: this.value(depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      case 6:
        this.uint(info);
        return this.value(depth + 1);
      default:
        return this.simple(info, start);
    }
  }

  private simple(info: number, start: number): CborValue {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 23) return undefined;
    if (info === 25) {
      this.need(2);
      const h = this.buf.readUInt16BE(this.pos);
      this.pos += 2;
      return halfToNumber(h);
    }
    if (info === 26) {
      this.need(4);
      const f = this.buf.readFloatBE(this.pos);
      this.pos += 4;
      return f;
    }
    if (info === 27) {
      this.need(8);
      const d = this.buf.readDoubleBE(this.pos);
      this.pos += 8;
      return d;
    }
    throw new Error(`CBOR: unsupported item 0x${(0xe0 | info).toString(16)} at byte ${start}`);
  }
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
