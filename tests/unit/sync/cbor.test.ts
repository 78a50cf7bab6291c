import { describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor, type CborValue } from '../../../runtime/shared/cbor.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h, 'hex');

describe('CBOR (RFC 8949)', () => {
  // Vectors from RFC 8949 Appendix A.
  const vectors: [CborValue, string][] = [
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [100, '1864'],
    [1000, '1903e8'],
    [1_000_000, '1a000f4240'],
    [1_000_000_000_000, '1b000000e8d4a51000'],
    [-1, '20'],
    [-100, '3863'],
    [-1000, '3903e7'],
    [100_000.5, 'fa47c35040'],
    [1.1, 'fb3ff199999999999a'],
    [-4.1, 'fbc010666666666666'],
    [false, 'f4'],
    [true, 'f5'],
    [null, 'f6'],
    ['', '60'],
    ['a', '6161'],
    ['IETF', '6449455446'],
    ['\u00fc', '62c3bc'],
    ['\u6c34', '63e6b0b4'],
    [[], '80'],
    [[1, 2, 3], '83010203'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [{}, 'a0'],
    [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
    [new Uint8Array([1, 2, 3, 4]), '4401020304'],
  ];

  it.each(vectors)('encodes %j as the RFC does', (value, expected) => {
    expect(hex(encodeCbor(value))).toBe(expected);
  });

  it.each(vectors)('decodes the RFC bytes of %j', (value, encoded) => {
    expect(decodeCbor(bytes(encoded))).toEqual(value);
  });

  it('decodes what other encoders write: half floats, tags, indefinite-free maps with int keys', () => {
    expect(decodeCbor(bytes('f93c00'))).toBe(1);
    expect(decodeCbor(bytes('f97bff'))).toBe(65504);
    expect(decodeCbor(bytes('f90001'))).toBeCloseTo(5.960464477539063e-8, 20);
    expect(decodeCbor(bytes('f97c00'))).toBe(Infinity);
    // Tag 1 (epoch time) around an integer: the tag is skipped, the value kept.
    expect(decodeCbor(bytes('c11a514b67b0'))).toBe(1_363_896_240);
    expect(decodeCbor(bytes('a201020304'))).toEqual({ 1: 2, 3: 4 });
  });

  it('round-trips a summary record exactly', () => {
    const record = {
      dev: 'lamp1',
      m: 'power',
      u: 'WTT',
      w: 'PT5M',
      t0: 1_795_000_000_000,
      n: 300,
      mean: 70.125,
      p95: 71.3,
      min: -0.5,
      q: { good: 299, bad: 1 },
      clock: 'synced',
    };
    expect(decodeCbor(encodeCbor(record))).toEqual(record);
  });

  it('refuses truncated input and trailing bytes, saying where', () => {
    expect(() => decodeCbor(bytes('830102'))).toThrow(/truncated at byte 3/);
    expect(() => decodeCbor(bytes('0101'))).toThrow(/1 bytes after the item/);
    expect(() => decodeCbor(bytes('1c'))).toThrow(/unsupported length encoding 28/);
  });

  it('refuses nesting deep enough to exhaust the stack', () => {
    expect(() => decodeCbor(Buffer.alloc(100_000, 0x81))).toThrow(/nested deeper than 64/);
  });

  it('keeps a "__proto__" key as data instead of replacing the prototype', () => {
    // {"__proto__": {"polluted": true}}
    const decoded = decodeCbor(bytes('a1695f5f70726f746f5f5fa168706f6c6c75746564f5')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect((decoded as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(decoded)).toEqual(['__proto__']);
  });
});
