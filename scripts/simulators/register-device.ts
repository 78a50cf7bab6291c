import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile, RegisterKind } from '../../runtime/devices/profile-schema.js';
import { encodeRegisters } from '../../runtime/drivers/modbus/register-codec.js';

/** What a simulated Modbus slave answers: register values, or an exception code. */
export type RegisterAnswer = number[] | { exception: number };

export interface RegisterDevice {
  readonly unitId: number;
  read(kind: RegisterKind, address: number, count: number): RegisterAnswer;
}

/** Register ranges [from, to) a device answers for, per register kind; a read outside them
 * gets exception 2 (illegal data address), as on a real device. */
export type AnsweredRanges = Partial<Record<RegisterKind, readonly (readonly [number, number])[]>>;

/** Point values at an instant, by point name; null or NaN for "no reading". */
export type PointValues = Record<string, number | null>;

/**
 * A Modbus slave built from a device profile: point values come from a model of the device
 * (a lamp circuit, a water main, a parking bay), and are encoded into registers exactly as the
 * profile says the device does (type, byte order, scale, bit ranges, integer-plus-fraction
 * totals, "no reading" values). The gateway decodes with the same profile, so a test that reads
 * back what the model produced checks the whole chain.
 */
export class ProfileRegisterDevice implements RegisterDevice {
  /** Values behind each answered read, oldest first (the last 100), for tests. */
  readonly answered: PointValues[] = [];

  constructor(
    private readonly profile: ModbusProfile,
    readonly unitId: number,
    private readonly clock: Clock,
    private readonly values: (wallMs: number) => PointValues,
    private readonly ranges: AnsweredRanges,
    /** Registers with fixed contents (identity, settings), by kind and address. */
    private readonly fixed: Partial<Record<RegisterKind, Record<number, number>>> = {},
  ) {}

  read(kind: RegisterKind, address: number, count: number): RegisterAnswer {
    const end = address + count;
    const inside = (this.ranges[kind] ?? []).some(([from, to]) => address >= from && end <= to);
    if (!inside) return { exception: 2 };
    const values = this.values(this.clock.wallMs());
    this.answered.push(values);
    if (this.answered.length > 100) this.answered.shift();
    const registers = new Map<number, number>(
      Object.entries(this.fixed[kind] ?? {}).map(([a, v]) => [Number(a), v]),
    );
    const put = (at: number, bytes: Buffer): void => {
      for (let i = 0; i < bytes.length / 2; i++) registers.set(at + i, bytes.readUInt16BE(i * 2));
    };
    for (const point of this.profile.points) {
      if (point.register !== kind) continue;
      const v = values[point.name];
      if (v === undefined) continue;
      if (v === null || Number.isNaN(v)) {
        const invalid = point.invalidRaw?.[0];
        put(point.address, encodeRegisters(invalid ?? NaN, point.type, point.order));
        continue;
      }
      if (point.plus) {
        // A total kept as an integer part and a fraction, as the TUF-2000M does.
        const whole = Math.trunc(v / point.scale);
        put(point.address, encodeRegisters(whole, point.type, point.order));
        put(
          point.plus.address,
          encodeRegisters(
            v - whole * point.scale,
            point.plus.type,
            point.plus.order,
            point.plus.scale,
          ),
        );
        continue;
      }
      if (point.bits) {
        const raw =
          (Math.round(v / point.scale) & ((1 << (point.bits.to - point.bits.from + 1)) - 1)) <<
          point.bits.from;
        const other = registers.get(point.address) ?? 0;
        registers.set(point.address, other | raw);
        continue;
      }
      put(point.address, encodeRegisters(v, point.type, point.order, point.scale));
    }
    return Array.from({ length: count }, (_, i) => registers.get(address + i) ?? 0);
  }
}
