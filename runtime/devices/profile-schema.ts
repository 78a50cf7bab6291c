import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../shared/literal-union.js';
import { UNIT_CODES } from '../shared/units.js';

export const REGISTER_KINDS = ['input', 'holding'] as const;
export const DATA_TYPES = ['uint16', 'int16', 'uint32', 'int32', 'float32'] as const;
/** Byte order within 32-bit values as the letters of the big-endian bytes A B C D on the wire. */
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export const MODBUS_LINKS = ['modbus-rtu', 'modbus-tcp'] as const;
export const GPIO_ROLES = ['relay-out', 'switch-in', 'pulse-in'] as const;

export type RegisterKind = (typeof REGISTER_KINDS)[number];
export type DataType = (typeof DATA_TYPES)[number];
export type WordOrder = (typeof WORD_ORDERS)[number];
export type GpioRole = (typeof GPIO_ROLES)[number];

const PointName = Type.String({
  pattern: '^[a-z][A-Za-z0-9]{0,47}$',
  description: 'a camelCase name starting with a lower-case letter (voltage, activePower)',
});
const Unit = literalUnion(UNIT_CODES, {
  description: `a UN/CEFACT common code: ${UNIT_CODES.join(', ')}`,
});
const Attribute = Type.String({
  minLength: 1,
  description: 'the Smart Data Model attribute, as Entity.attribute',
});
const PollMs = Type.Integer({
  minimum: 100,
  maximum: 3_600_000,
  description: 'milliseconds from 100 to 3600000',
});
const Address = Type.Integer({
  minimum: 0,
  maximum: 65535,
  description: 'a register address from 0 to 65535 (0-based, as on the wire)',
});
const Order = literalUnion(WORD_ORDERS, {
  default: 'ABCD',
  description:
    'one of "ABCD" (big-endian), "CDAB" (word-swapped), "BADC" (byte-swapped), "DCBA" (little-endian)',
});
const Scale = Type.Number({ default: 1, description: 'a number the raw value is multiplied by' });

export const ModbusPointSchema = Type.Object(
  {
    name: PointName,
    description: Type.Optional(Type.String()),
    register: literalUnion(REGISTER_KINDS),
    address: Address,
    type: literalUnion(DATA_TYPES),
    order: Order,
    scale: Scale,
    /** Only these bits of a 16-bit register (a status byte, a quality field). */
    bits: Type.Optional(
      Type.Object(
        {
          from: Type.Integer({ minimum: 0, maximum: 15 }),
          to: Type.Integer({ minimum: 0, maximum: 15 }),
        },
        {
          additionalProperties: false,
          description: 'the bit range {from, to}, 0 = least significant',
        },
      ),
    ),
    /** A second term added to the value (a meter total kept as an integer part and a fraction). */
    plus: Type.Optional(
      Type.Object(
        { address: Address, type: literalUnion(DATA_TYPES), order: Order, scale: Scale },
        { additionalProperties: false },
      ),
    ),
    /** Raw values the device sends when it has no reading (0xFFFF from a sensor that saw nothing). */
    invalidRaw: Type.Optional(Type.Array(Type.Number(), { minItems: 1 })),
    unit: Unit,
    attribute: Attribute,
    pollMs: Type.Optional(PollMs),
  },
  { additionalProperties: false },
);

/** A point of a framed serial device or a GPIO line: a named field of what the codec decodes. */
export const FieldPointSchema = Type.Object(
  {
    name: PointName,
    description: Type.Optional(Type.String()),
    field: Type.String({ minLength: 1, description: 'the name of a field the codec decodes' }),
    scale: Scale,
    unit: Unit,
    attribute: Attribute,
    pollMs: Type.Optional(PollMs),
  },
  { additionalProperties: false },
);

const identity = {
  id: Type.String({
    pattern: '^[a-z0-9][a-z0-9-]{0,47}$',
    description: 'vendor-model in lower case, e.g. eastron-sdm120',
  }),
  vendor: Type.String({ minLength: 1 }),
  model: Type.String({ minLength: 1 }),
  description: Type.String({ minLength: 1 }),
};

const serialDefaults = {
  baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 921600 })),
  parity: Type.Optional(literalUnion(['none', 'even', 'odd'] as const)),
  stopBits: Type.Optional(literalUnion([1, 2] as const)),
};

export const ModbusProfileSchema = Type.Object(
  {
    ...identity,
    kind: Type.Literal('modbus'),
    links: Type.Array(literalUnion(MODBUS_LINKS), { minItems: 1 }),
    defaults: Type.Object(
      {
        unitId: Type.Integer({ minimum: 1, maximum: 247, default: 1 }),
        pollMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 1000 }),
        ...serialDefaults,
      },
      { additionalProperties: false, default: {} },
    ),
    readPlan: Type.Object(
      {
        /** Unmapped registers a single read may span to merge two points (the device must
         * answer for them; SDM meters do). */
        maxGapRegisters: Type.Integer({ minimum: 0, maximum: 120, default: 0 }),
        maxRegistersPerRead: Type.Integer({ minimum: 2, maximum: 125, default: 125 }),
      },
      { additionalProperties: false, default: {} },
    ),
    points: Type.Array(ModbusPointSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const FramedProfileSchema = Type.Object(
  {
    ...identity,
    kind: Type.Literal('framed'),
    links: Type.Array(Type.Literal('serial'), { minItems: 1 }),
    /** The codec in runtime/devices/codecs.ts that frames and decodes this device's bytes. */
    codec: Type.String({ minLength: 1 }),
    defaults: Type.Object(
      {
        pollMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 1000 }),
        ...serialDefaults,
      },
      { additionalProperties: false, default: {} },
    ),
    points: Type.Array(FieldPointSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const GpioProfileSchema = Type.Object(
  {
    ...identity,
    kind: Type.Literal('gpio'),
    links: Type.Array(Type.Literal('gpio'), { minItems: 1 }),
    role: literalUnion(GPIO_ROLES),
    defaults: Type.Object(
      {
        pollMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 1000 }),
        activeLow: Type.Boolean({ default: false }),
        debounceMs: Type.Integer({ minimum: 0, maximum: 1000, default: 10 }),
        /** For pulse inputs: litres per pulse of the meter's reed contact. */
        litresPerPulse: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
      },
      { additionalProperties: false, default: {} },
    ),
    points: Type.Array(FieldPointSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const ProfileSchema = Type.Union([
  ModbusProfileSchema,
  FramedProfileSchema,
  GpioProfileSchema,
]);

export type ModbusProfile = Static<typeof ModbusProfileSchema>;
export type FramedProfile = Static<typeof FramedProfileSchema>;
export type GpioProfile = Static<typeof GpioProfileSchema>;
export type DeviceProfile = Static<typeof ProfileSchema>;
export type ModbusPointSpec = Static<typeof ModbusPointSchema>;
export type FieldPointSpec = Static<typeof FieldPointSchema>;
/** Kept for the Modbus code paths, where a point is always a register point. */
export type PointSpec = ModbusPointSpec;

export function registerCount(type: DataType): number {
  return type === 'uint16' || type === 'int16' ? 1 : 2;
}

/** Registers a point occupies from its address, counting a `plus` term placed after it. */
export function pointSpan(point: ModbusPointSpec): { from: number; to: number } {
  let from = point.address;
  let to = point.address + registerCount(point.type);
  if (point.plus) {
    from = Math.min(from, point.plus.address);
    to = Math.max(to, point.plus.address + registerCount(point.plus.type));
  }
  return { from, to };
}
