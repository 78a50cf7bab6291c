import { literalUnion } from '../shared/literal-union.js';
import { Type, type Static } from '@sinclair/typebox';
import { UNIT_CODES } from '../shared/units.js';

export const REGISTER_KINDS = ['input', 'holding'] as const;
export const DATA_TYPES = ['uint16', 'int16', 'uint32', 'int32', 'float32'] as const;
/** Byte order within 32-bit values as the letters of the big-endian bytes A B C D on the wire. */
export const WORD_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export const LINK_TYPES = ['modbus-rtu', 'modbus-tcp'] as const;

export type RegisterKind = (typeof REGISTER_KINDS)[number];
export type DataType = (typeof DATA_TYPES)[number];
export type WordOrder = (typeof WORD_ORDERS)[number];

const PointName = Type.String({
  pattern: '^[a-z][A-Za-z0-9]{0,47}$',
  description: 'a camelCase name starting with a lower-case letter (voltage, activePower)',
});

export const PointSchema = Type.Object(
  {
    name: PointName,
    description: Type.Optional(Type.String()),
    register: literalUnion(REGISTER_KINDS),
    address: Type.Integer({
      minimum: 0,
      maximum: 65535,
      description: 'a register address from 0 to 65535 (0-based, as on the wire)',
    }),
    type: literalUnion(DATA_TYPES),
    order: literalUnion(WORD_ORDERS, {
      default: 'ABCD',
      description:
        'one of "ABCD" (big-endian), "CDAB" (word-swapped), "BADC" (byte-swapped), "DCBA" (little-endian)',
    }),
    scale: Type.Number({ default: 1, description: 'a number the raw value is multiplied by' }),
    unit: literalUnion(UNIT_CODES, {
      description: `a UN/CEFACT common code: ${UNIT_CODES.join(', ')}`,
    }),
    attribute: Type.String({
      minLength: 1,
      description: 'the Smart Data Model attribute, as Entity.attribute',
    }),
  },
  { additionalProperties: false },
);

export const ProfileSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,47}$',
      description: 'vendor-model in lower case, e.g. eastron-sdm120',
    }),
    vendor: Type.String({ minLength: 1 }),
    model: Type.String({ minLength: 1 }),
    description: Type.String({ minLength: 1 }),
    links: Type.Array(literalUnion(LINK_TYPES), { minItems: 1 }),
    defaults: Type.Object(
      {
        unitId: Type.Integer({ minimum: 1, maximum: 247, default: 1 }),
        pollMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 1000 }),
        baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 115200 })),
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
    points: Type.Array(PointSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type DeviceProfile = Static<typeof ProfileSchema>;
export type PointSpec = Static<typeof PointSchema>;

export function registerCount(type: DataType): number {
  return type === 'uint16' || type === 'int16' ? 1 : 2;
}
