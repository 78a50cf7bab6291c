import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** What every command carries besides its arguments. Unknown fields are ignored, so a newer
 * platform may add some. */
export const CommandEnvelopeSchema = Type.Object({
  id: Type.String({
    minLength: 8,
    maxLength: 128,
    description: 'unique per command (a UUID or ULID): a command is executed once per id',
  }),
  issued: Type.Integer({ description: 'when the platform issued it, ms since the Unix epoch' }),
  // Optional: a command without arguments (rebirth) may leave it out.
  args: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export type CommandEnvelope = Static<typeof CommandEnvelopeSchema>;

/** The arguments of each command, by name (the last topic level of `cmd/<name>`). */
export const COMMAND_ARGS = {
  'lamp-level': Type.Object({
    device: Type.String({ minLength: 1 }),
    level: Type.Number({ minimum: 0, maximum: 100, description: 'percent; 0 switches off' }),
  }),
  'poll-interval': Type.Object({
    device: Type.String({ minLength: 1 }),
    ms: Type.Integer({ minimum: 100, maximum: 86_400_000 }),
  }),
  'backfill-rate': Type.Object({
    bytesPerS: Type.Integer({ minimum: 100, maximum: 100_000_000 }),
    msgsPerS: Type.Optional(Type.Number({ minimum: 0.1, maximum: 100_000 })),
  }),
  replay: Type.Object({
    epoch: Type.String({ minLength: 1 }),
    from: Type.Integer({ minimum: 1 }),
  }),
  rebirth: Type.Object({}),
  model: Type.Object({
    name: Type.String({ minLength: 1, description: 'models[].name in the site config' }),
    action: Type.Union(
      [Type.Literal('shadow'), Type.Literal('promote'), Type.Literal('rollback')],
      {
        description:
          'shadow: load `bundle` beside the running version, scored on the same inputs and never acted on; promote: the shadow becomes active; rollback: the version before the last promotion',
      },
    ),
    bundle: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'absolute path of a bundle on the gateway (shadow)',
      }),
    ),
  }),
} as const satisfies Record<string, TSchema>;

export type CommandName = keyof typeof COMMAND_ARGS;
export type CommandArgs<N extends CommandName> = Static<(typeof COMMAND_ARGS)[N]>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_ARGS, name);
}

/** The answer to a command, published on its response topic with its correlation data. */
export type CommandResult =
  { ok: true; result?: Record<string, unknown> } | { ok: false; reason: string };
