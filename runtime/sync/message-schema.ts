/**
 * The schema of what a gateway publishes on `data/<kind>`, as the reference consumer checks it.
 * Unknown fields are allowed everywhere: a consumer must keep working when a newer gateway adds
 * one. A message that fails is rejected with the path of the first problem, never half-applied.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { decodePayload, type PayloadHints } from './envelope.js';

const Num = Type.Union([Type.Number(), Type.Null()]);

export const SummaryRecordSchema = Type.Object({
  dev: Type.String({ minLength: 1 }),
  m: Type.String({ minLength: 1 }),
  u: Type.String(),
  w: Type.String({ pattern: '^P' }),
  t0: Type.Integer(),
  rev: Type.Integer({ minimum: 0 }),
  n: Type.Integer({ minimum: 0 }),
  bad: Type.Integer({ minimum: 0 }),
  sum: Num,
  sumsq: Type.Optional(Num),
  min: Num,
  max: Num,
  mean: Num,
  last: Num,
  tlast: Num,
  p50: Type.Optional(Num),
  p95: Type.Optional(Num),
  clock: Type.String(),
  flags: Type.Optional(Type.Array(Type.String())),
});

export const GapRecordSchema = Type.Object({
  class: Type.String(),
  reason: Type.String(),
  w: Type.Optional(Type.String()),
  from: Num,
  to: Num,
  rows: Type.Integer({ minimum: 0 }),
  seqs: Type.Optional(Type.Array(Type.Tuple([Type.Integer(), Type.Integer()]))),
  replacedBy: Type.Optional(Type.String()),
});

export const EventRecordSchema = Type.Object({
  kind: Type.String({ minLength: 1 }),
  severity: Type.String(),
  t: Num,
  clock: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});

const LosLetter = Type.Union(['A', 'B', 'C', 'D', 'E', 'F'].map((l) => Type.Literal(l)));

/** One window of a crowd zone (`data/crowd`): FIWARE CrowdFlowObserved with the density and
 * level-of-service extension. Keyed (gw, id, w, t0); a higher or equal rev wins. */
export const CrowdRecordSchema = Type.Object({
  type: Type.Literal('CrowdFlowObserved'),
  id: Type.String({ minLength: 1 }),
  w: Type.String({ pattern: '^P' }),
  t0: Type.Integer(),
  rev: Type.Integer({ minimum: 0 }),
  dateObservedFrom: Type.String({ description: 'ISO-8601, UTC' }),
  dateObservedTo: Type.String({ description: 'ISO-8601, UTC' }),
  peopleCountInstant: Type.Number({ minimum: 0 }),
  peopleCountMax: Type.Number({ minimum: 0 }),
  peopleCountAvg: Type.Number({ minimum: 0 }),
  peopleDensity: Type.Number({ minimum: 0, description: 'persons/m² at the last count' }),
  densityAvg: Type.Number({ minimum: 0 }),
  densityMax: Type.Number({ minimum: 0 }),
  measuredArea: Type.Number({ exclusiveMinimum: 0, description: 'm²' }),
  levelOfService: LosLetter,
  losScheme: Type.String(),
  congested: Type.Boolean(),
  observations: Type.Integer({ minimum: 1 }),
});

/** A record a site's flow sends (`data/custom`, Node-RED's record out): kept once per (gw, key). */
export const CustomRecordSchema = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 200, description: 'the idempotency key' }),
  name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
  t: Type.Number({ description: 'ms: the time the record is about' }),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const EnvelopeSchema = Type.Object({
  v: Type.Integer({ minimum: 1 }),
  gw: Type.String({ minLength: 1 }),
  epoch: Type.String({ minLength: 1 }),
  seq: Type.Integer({ minimum: 1 }),
  kind: Type.String({ minLength: 1 }),
  sent: Type.Integer(),
  part: Type.Optional(
    Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })], {
      description:
        '[i, n]: part i of n of one outbox row too large for one packet; the batch (epoch, seq) is complete when all n parts have arrived',
    }),
  ),
  recs: Type.Array(Type.Unknown()),
});

export type Envelope = Static<typeof EnvelopeSchema>;
export type SummaryRecordIn = Static<typeof SummaryRecordSchema>;
export type GapRecordIn = Static<typeof GapRecordSchema>;
export type EventRecordIn = Static<typeof EventRecordSchema>;
export type CrowdRecordIn = Static<typeof CrowdRecordSchema>;
export type CustomRecordIn = Static<typeof CustomRecordSchema>;

const envelope = TypeCompiler.Compile(EnvelopeSchema);
const byKind = {
  summary: TypeCompiler.Compile(SummaryRecordSchema),
  gap: TypeCompiler.Compile(GapRecordSchema),
  event: TypeCompiler.Compile(EventRecordSchema),
  crowd: TypeCompiler.Compile(CrowdRecordSchema),
  custom: TypeCompiler.Compile(CustomRecordSchema),
} as const;

export type Checked =
  | { ok: true; envelope: Envelope }
  | { ok: false; reason: string; gw?: string; epoch?: string; seq?: number };

/** Parses and checks one message; the reason names the first problem and where it is. */
export function checkMessage(payload: Buffer | string, hints: PayloadHints = {}): Checked {
  let json: unknown;
  try {
    json = decodePayload(typeof payload === 'string' ? Buffer.from(payload) : payload, hints);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  if (!envelope.Check(json)) {
    const e = envelope.Errors(json).First();
    return { ok: false, reason: `envelope${e?.path ?? ''}: ${e?.message ?? 'invalid'}` };
  }
  if (json.part && json.part[0] > json.part[1])
    return { ok: false, reason: `envelope/part: part ${json.part[0]} of ${json.part[1]}` };
  const known = byKind[json.kind as keyof typeof byKind] as
    (typeof byKind)[keyof typeof byKind] | undefined;
  if (known) {
    for (let i = 0; i < json.recs.length; i++) {
      const rec = json.recs[i];
      if (!known.Check(rec)) {
        const e = known.Errors(rec).First();
        return {
          ok: false,
          reason: `recs/${i}${e?.path ?? ''}: ${e?.message ?? 'invalid'}`,
          gw: json.gw,
          epoch: json.epoch,
          seq: json.seq,
        };
      }
    }
  }
  return { ok: true, envelope: json };
}
