import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../shared/literal-union.js';

export const CrowdZoneSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,31}$',
      description: 'the zone: its readings are <id>/peopleCount, <id>/density, <id>/levelOfService',
    }),
    thermal: Type.Optional(
      Type.String({
        description:
          'the thermal array (a gy-mcu90640 device) that sees the zone; or give counter instead',
      }),
    ),
    counter: Type.Optional(
      Type.String({
        pattern: '^[^/]+/[^/]+$',
        description:
          'device/point of a people counter that reports the people in the zone (e.g. gate/peopleInView of a generic-modbus-people-counter); or give thermal instead',
      }),
    ),
    areaM2: Type.Number({
      exclusiveMinimum: 0,
      maximum: 100_000,
      description: 'walkable area in view, m²',
    }),
    bundle: Type.Optional(
      Type.String({
        description: 'the people-counting model bundle (default: the shipped models/crowd/bundle)',
      }),
    ),
    scheme: literalUnion(['fruin-walkway', 'fruin-queue'] as const, { default: 'fruin-walkway' }),
    congestedAt: literalUnion(['A', 'B', 'C', 'D', 'E', 'F'] as const, {
      default: 'E',
      description: 'the level of service from which the zone counts as congested',
    }),
    everyMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 1000,
      description: 'count at most this often (frames in between are dropped; thermal zones)',
    }),
  },
  { additionalProperties: false },
);

export type CrowdZoneConfig = Static<typeof CrowdZoneSchema>;
