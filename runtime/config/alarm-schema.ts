import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,31}$',
  description: 'a name for the alarm subject: lowercase letters, digits and -, up to 32',
});
const Stream = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,31}/[A-Za-z][A-Za-z0-9]*$',
  description: 'device/point, e.g. lamp/activePower',
});
const Window = (dflt: string): ReturnType<typeof Type.String> =>
  Type.String({ default: dflt, description: `one of windows.lengths (default ${dflt})` });

const SensorAlarm = Type.Object(
  {
    type: Type.Literal('sensor'),
    id: Id,
    stream: Stream,
    window: Window('PT1M'),
    min: Type.Optional(Type.Number({ description: 'lowest value a healthy sensor reports' })),
    max: Type.Optional(Type.Number({ description: 'highest value a healthy sensor reports' })),
    flatlineWindows: Type.Integer({ minimum: 2, maximum: 100_000, default: 30 }),
    spikeSigmas: Type.Number({ minimum: 2, maximum: 100, default: 6 }),
    offlineWindows: Type.Integer({ minimum: 1, maximum: 100_000, default: 3 }),
  },
  { additionalProperties: false },
);

const WaterMeterAlarm = Type.Object(
  {
    type: Type.Literal('water-meter'),
    id: Id,
    volume: Type.Optional(
      Type.String({ ...Stream, description: 'device/point of litres per reading (summed)' }),
    ),
    flow: Type.Optional(
      Type.String({
        ...Stream,
        description: 'device/point of a flow rate (averaged), m³/h or L/min',
      }),
    ),
    window: Window('PT1H'),
    burstFloorLph: Type.Number({ minimum: 1, default: 200 }),
    leakMarginLph: Type.Number({ minimum: 0.1, default: 3 }),
  },
  { additionalProperties: false },
);

const LampCircuitAlarm = Type.Object(
  {
    type: Type.Literal('lamp-circuit'),
    id: Id,
    power: Type.String({ ...Stream, description: 'device/point of active power, W' }),
    relay: Type.String({ ...Stream, description: 'device/point of the lamp relay state (1 = on)' }),
    voltage: Type.Optional(Type.String({ ...Stream, description: 'device/point of voltage, V' })),
    powerFactor: Type.Optional(
      Type.String({ ...Stream, description: 'device/point of power factor' }),
    ),
    window: Window('PT5M'),
    calibrationNights: Type.Integer({ minimum: 1, maximum: 60, default: 2 }),
  },
  { additionalProperties: false },
);

const PressureAlarm = Type.Object(
  {
    type: Type.Literal('pressure'),
    id: Id,
    stream: Type.String({
      ...Stream,
      description: 'device/point of a pressure, bar, kPa, psi or m head',
    }),
    window: Window('PT5M'),
    dropFraction: Type.Number({
      minimum: 0.01,
      maximum: 1,
      default: 0.1,
      description: 'how far below its usual lowest, as a fraction of its median, is a drop',
    }),
    surgeFraction: Type.Number({
      minimum: 0.01,
      maximum: 1,
      default: 0.1,
      description: 'how far above its usual highest, as a fraction of its median, is a surge',
    }),
  },
  { additionalProperties: false },
);

const TamperAlarm = Type.Object(
  {
    type: Type.Literal('tamper'),
    id: Id,
    stream: Type.String({ ...Stream, description: 'device/point of a door or lid contact' }),
    window: Window('PT1M'),
    openValue: Type.Union([Type.Literal(0), Type.Literal(1)], {
      default: 0,
      description: 'the contact value when open (a door switch reads 1 when shut: 0)',
    }),
  },
  { additionalProperties: false },
);

const UnusualAlarm = Type.Object(
  {
    type: Type.Literal('unusual'),
    id: Id,
    stream: Stream,
    window: Window('PT5M'),
    above: Type.Number({
      minimum: 0.5,
      maximum: 0.99,
      default: 0.55,
      description:
        "a score from 0.5 to 0.99, at and above which a window is unusual (0.5 is the stream's " +
        'own 0.999 quantile of deviations; higher raises fewer and finds less)',
    }),
  },
  { additionalProperties: false },
);

export const AlarmSchema = Type.Union([
  SensorAlarm,
  WaterMeterAlarm,
  LampCircuitAlarm,
  PressureAlarm,
  TamperAlarm,
  UnusualAlarm,
]);
export type AlarmConfig = Static<typeof AlarmSchema>;
export type SensorAlarmConfig = Static<typeof SensorAlarm>;
export type WaterMeterAlarmConfig = Static<typeof WaterMeterAlarm>;
export type LampCircuitAlarmConfig = Static<typeof LampCircuitAlarm>;
export type PressureAlarmConfig = Static<typeof PressureAlarm>;
export type TamperAlarmConfig = Static<typeof TamperAlarm>;
export type UnusualAlarmConfig = Static<typeof UnusualAlarm>;
