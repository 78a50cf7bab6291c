import { Type, type Static } from '@sinclair/typebox';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

/**
 * What a trained bundle says about itself (`card.json` beside `model.json` and the weights):
 * what it reads, how inputs are normalised, its thresholds, how well it did and on what, the
 * command that produced it, and the sha256 of every other file in the bundle.
 */
export const ModelCardSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  version: Type.String({ minLength: 1 }),
  kind: Type.String({ minLength: 1, description: 'e.g. window-autoencoder' }),
  created: Type.String({ description: 'ISO-8601 time of training' }),
  input: Type.Object({
    features: Type.Array(Type.String(), { minItems: 1 }),
    window: Type.Integer({ minimum: 1, description: 'time steps per input window' }),
    stepMs: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** The shape of one input when it is not a flat window (a thermal frame: [24, 32, 1]). */
    shape: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 })),
    /** How raw inputs are prepared before the model sees them, when not by `normalisation`. */
    preprocessing: Type.Optional(Type.Literal('thermal-excess')),
  }),
  normalisation: Type.Object({
    mean: Type.Array(Type.Number()),
    std: Type.Array(Type.Number({ exclusiveMinimum: 0 })),
  }),
  thresholds: Type.Record(Type.String(), Type.Number()),
  /** Evaluation figures; `train_score_p50` (the median score on training windows) is what
   * drift is measured against. */
  metrics: Type.Record(Type.String(), Type.Number()),
  training: Type.Object({
    data: Type.String(),
    sha256: Sha256,
    rows: Type.Integer({ minimum: 0 }),
    seconds: Type.Optional(Type.Number({ minimum: 0 })),
    backend: Type.Optional(Type.String()),
  }),
  command: Type.String(),
  files: Type.Record(Type.String(), Sha256),
});

export type ModelCard = Static<typeof ModelCardSchema>;
