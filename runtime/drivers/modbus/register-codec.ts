import {
  registerCount,
  type DataType,
  type ModbusPointSpec,
  type WordOrder,
} from '../../devices/profile-schema.js';

/** Where each wire byte goes to rebuild the value's big-endian bytes A B C D. */
const WIRE_TO_ABCD: Record<WordOrder, readonly number[]> = {
  ABCD: [0, 1, 2, 3],
  CDAB: [2, 3, 0, 1],
  BADC: [1, 0, 3, 2],
  DCBA: [3, 2, 1, 0],
};

function reorder(bytes: Buffer, order: WordOrder, width: 2 | 4): Buffer {
  if (width === 2) {
    // A 16-bit value has one byte pair; only a byte swap (BADC, DCBA) changes it.
    const swap = order === 'BADC' || order === 'DCBA';
    return swap ? Buffer.from([bytes[1] ?? 0, bytes[0] ?? 0]) : Buffer.from(bytes.subarray(0, 2));
  }
  const map = WIRE_TO_ABCD[order];
  return Buffer.from(map.map((i) => bytes[i] ?? 0));
}

/**
 * Decodes one value from register bytes as they came off the wire (`bytes` starts at the
 * value's first register). Returns the raw value times `scale`; NaN and infinities come back
 * as they are, for the caller to mark the reading bad.
 */
export function decodeRegisters(
  bytes: Buffer,
  type: DataType,
  order: WordOrder,
  scale = 1,
): number {
  const width = registerCount(type) === 1 ? 2 : 4;
  if (bytes.length < width)
    throw new RangeError(`need ${width} bytes for a ${type}, got ${bytes.length}`);
  const v = reorder(bytes, order, width);
  let raw: number;
  switch (type) {
    case 'uint16':
      raw = v.readUInt16BE(0);
      break;
    case 'int16':
      raw = v.readInt16BE(0);
      break;
    case 'uint32':
      raw = v.readUInt32BE(0);
      break;
    case 'int32':
      raw = v.readInt32BE(0);
      break;
    case 'float32':
      raw = v.readFloatBE(0);
      break;
  }
  return raw * scale;
}

/** The inverse of decodeRegisters: the wire bytes a device sends for `value` (simulators). */
export function encodeRegisters(
  value: number,
  type: DataType,
  order: WordOrder,
  scale = 1,
): Buffer {
  const raw = value / scale;
  const width = registerCount(type) === 1 ? 2 : 4;
  const v = Buffer.alloc(width);
  switch (type) {
    case 'uint16':
      v.writeUInt16BE(Math.round(raw) & 0xffff, 0);
      break;
    case 'int16':
      v.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(raw))), 0);
      break;
    case 'uint32':
      v.writeUInt32BE(Math.round(raw) >>> 0, 0);
      break;
    case 'int32':
      v.writeInt32BE(Math.max(-2147483648, Math.min(2147483647, Math.round(raw))), 0);
      break;
    case 'float32':
      v.writeFloatBE(raw, 0);
      break;
  }
  if (width === 2) return reorder(v, order, 2);
  // Applying the same permutation again inverts it for all four orders (each is an involution).
  return reorder(v, order, 4);
}

export interface DecodedPoint {
  /** Null when the device sent its "no reading" value, NaN or infinity. */
  value: number | null;
  /** The raw registers behind the value, as hex, for diagnostics (`edge-gw read`). */
  rawHex: string;
}

/**
 * Decodes one point from the bytes of a read that started at `readAddress`: the value, then
 * its bit range, its sentinel check, its scale and its `plus` term.
 */
export function decodePoint(
  bytes: Buffer,
  readAddress: number,
  point: ModbusPointSpec,
): DecodedPoint {
  const at = (address: number, type: DataType): Buffer => {
    const offset = (address - readAddress) * 2;
    return bytes.subarray(offset, offset + registerCount(type) * 2);
  };
  const own = at(point.address, point.type);
  let raw = decodeRegisters(own, point.type, point.order);
  if (point.bits) {
    const width = point.bits.to - point.bits.from + 1;
    raw = (raw >>> point.bits.from) & ((1 << width) - 1);
  }
  let rawHex = own.toString('hex');
  let value: number | null = point.invalidRaw?.includes(raw) ? null : raw * point.scale;
  if (point.plus && value !== null) {
    const extra = at(point.plus.address, point.plus.type);
    rawHex += ` + ${extra.toString('hex')}`;
    value += decodeRegisters(extra, point.plus.type, point.plus.order, point.plus.scale);
  }
  return { value: value !== null && Number.isFinite(value) ? value : null, rawHex };
}
