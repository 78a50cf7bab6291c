import { describe, expect, it } from 'vitest';
import { DATA_TYPES, WORD_ORDERS } from '../../../runtime/devices/profile-schema.js';
import { crc16Modbus, hasValidCrc } from '../../../runtime/drivers/modbus/crc16.js';
import {
  decodeRegisters,
  encodeRegisters,
} from '../../../runtime/drivers/modbus/register-codec.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('register codec', () => {
  it('decodes the SDM120 230.1 V response bytes (big-endian float, ABCD)', () => {
    // 01 04 04 | 43 66 19 9A | 85 E4: address, function, byte count, data, CRC.
    const frame = hex('01 04 04 43 66 19 9A 85 E4');
    expect(decodeRegisters(frame.subarray(3, 7), 'float32', 'ABCD')).toBeCloseTo(230.1, 4);
  });

  it('decodes the TUF-2000M 12.5 m³/h word-swapped float (CDAB)', () => {
    const frame = hex('01 03 04 00 00 41 48 CA 55');
    expect(decodeRegisters(frame.subarray(3, 7), 'float32', 'CDAB')).toBe(12.5);
    expect(decodeRegisters(frame.subarray(3, 7), 'float32', 'ABCD')).not.toBe(12.5);
  });

  it('decodes every order of the same 32-bit value', () => {
    // 0x11223344 laid out on the wire in each order.
    const wire = {
      ABCD: '11 22 33 44',
      CDAB: '33 44 11 22',
      BADC: '22 11 44 33',
      DCBA: '44 33 22 11',
    } as const;
    for (const order of WORD_ORDERS)
      expect(decodeRegisters(hex(wire[order]), 'uint32', order)).toBe(0x11223344);
  });

  it('applies scale and sign', () => {
    expect(decodeRegisters(hex('30 39'), 'uint16', 'ABCD', 0.1)).toBeCloseTo(1234.5, 6);
    expect(decodeRegisters(hex('FF FE'), 'int16', 'ABCD')).toBe(-2);
    expect(decodeRegisters(hex('FE FF'), 'int16', 'BADC')).toBe(-2);
    expect(decodeRegisters(hex('FF FF FF FE'), 'int32', 'ABCD')).toBe(-2);
  });

  it('round-trips every type in every order', () => {
    const samples: Record<(typeof DATA_TYPES)[number], number> = {
      uint16: 51234,
      int16: -1234,
      uint32: 3_000_000_000,
      int32: -123_456_789,
      float32: -1.5,
    };
    for (const type of DATA_TYPES)
      for (const order of WORD_ORDERS)
        expect(decodeRegisters(encodeRegisters(samples[type], type, order), type, order)).toBe(
          samples[type],
        );
  });

  it('refuses too few bytes rather than reading garbage', () => {
    expect(() => decodeRegisters(hex('43 66'), 'float32', 'ABCD')).toThrow(/need 4 bytes/);
  });

  it('passes NaN through for the caller to mark bad', () => {
    expect(decodeRegisters(hex('7F C0 00 00'), 'float32', 'ABCD')).toBeNaN();
  });
});

describe('CRC-16/MODBUS', () => {
  it('matches the published SDM request frames', () => {
    expect(hasValidCrc(hex('01 04 00 00 00 02 71 CB'))).toBe(true);
    expect(hasValidCrc(hex('01 04 00 48 00 02 F1 DD'))).toBe(true);
    expect(hasValidCrc(hex('01 04 00 00 00 02 71 CC'))).toBe(false);
    expect(crc16Modbus(hex('01 04 00 00 00 02'))).toBe(0xcb71);
  });
});
