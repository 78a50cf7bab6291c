import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Clock } from '../../clock/clock.js';
import type { Log } from '../../log/logger.js';
import type { Store } from '../../store/store.js';
import { checkSignature, type CommandKeys } from './command-auth.js';
import {
  COMMAND_ARGS,
  CommandEnvelopeSchema,
  isCommandName,
  type CommandArgs,
  type CommandName,
  type CommandResult,
} from './command-specs.js';

/** What the gateway does for each command; each returns a result or a reason. */
export type CommandActions = {
  [N in CommandName]: (args: CommandArgs<N>) => CommandResult | Promise<CommandResult>;
};

export interface IncomingCommand {
  topic: string;
  payload: Buffer;
  sig?: string | undefined;
}

export interface CommandAnswer extends Record<string, unknown> {
  id: string | null;
  name: string;
  ok: boolean;
  duplicate?: boolean;
  reason?: string;
  result?: Record<string, unknown>;
}

const envelopeCheck = TypeCompiler.Compile(CommandEnvelopeSchema);
const argChecks = new Map<string, TypeCheck<TSchema>>(
  Object.entries(COMMAND_ARGS).map(([name, schema]) => [name, TypeCompiler.Compile(schema)]),
);

/**
 * Takes a command from `cmd/<name>` through its gates in an order that changes nothing until
 * the last: the signature (over topic and payload), the envelope and argument schema, the
 * issue time, and the id (executed once; a second delivery gets the first answer, marked
 * duplicate). Only then does it run, and its answer is stored under the id.
 */
export class CommandHandler {
  private readonly running = new Set<string>();

  constructor(
    private readonly o: {
      store: Store;
      clock: Clock;
      log: Log;
      keys: CommandKeys;
      maxAgeMs: number;
      actions: CommandActions;
    },
  ) {}

  async handle(cmd: IncomingCommand): Promise<CommandAnswer> {
    const name = cmd.topic.slice(cmd.topic.lastIndexOf('/') + 1);
    const refuse = (reason: string, id: string | null = null): CommandAnswer => {
      this.o.log.warn({ command: name, id, reason }, 'command refused');
      return { id, name, ok: false, reason };
    };
    const authError = checkSignature(this.o.keys, cmd.topic, cmd.payload, cmd.sig);
    if (authError) return refuse(authError);
    let body: unknown;
    try {
      body = JSON.parse(cmd.payload.toString('utf8'));
    } catch (err) {
      return refuse(`not JSON: ${(err as Error).message}`);
    }
    if (!envelopeCheck.Check(body)) {
      const e = envelopeCheck.Errors(body).First();
      return refuse(`${e?.path || '/'}: ${e?.message ?? 'invalid'}`);
    }
    const { id, issued } = body;
    if (!isCommandName(name))
      return refuse(`unknown command "${name}" (${Object.keys(COMMAND_ARGS).join(', ')})`, id);
    const args = body.args ?? {};
    const argCheck = argChecks.get(name);
    if (argCheck && !argCheck.Check(args)) {
      const e = argCheck.Errors(args).First();
      return refuse(`args${e?.path ?? ''}: ${e?.message ?? 'invalid'}`, id);
    }
    const now = this.o.clock.wallMs();
    // An old command replayed by someone who recorded it must not act again after its id was
    // forgotten; the window is only checked when this clock can be trusted.
    if (this.o.clock.syncState() === 'synced' && Math.abs(now - issued) > this.o.maxAgeMs) {
      const s = Math.round(Math.abs(now - issued) / 1000);
      return refuse(
        `issued ${s} s ${issued < now ? 'ago' : 'in the future'}; commands are accepted within ${this.o.maxAgeMs / 1000} s of the gateway clock`,
        id,
      );
    }
    const seen = this.o.store.commands.get(id);
    if (seen) {
      const first = JSON.parse(seen.result) as CommandResult;
      return { id, name, duplicate: true, ...first };
    }
    // The same id arriving again while the first is still running is a duplicate too.
    if (this.running.has(id)) return { id, name, ok: false, duplicate: true, reason: 'running' };
    this.running.add(id);
    let result: CommandResult;
    try {
      result = await this.run(name, args);
    } catch (err) {
      result = { ok: false, reason: (err as Error).message };
    } finally {
      this.running.delete(id);
    }
    if (this.o.store.isOpen) {
      this.o.store.commands.put(id, name, now, JSON.stringify(result));
      this.o.store.commands.prune(now - 2 * this.o.maxAgeMs - 86_400_000);
    }
    this.o.log.info({ command: name, id, ok: result.ok }, 'command executed');
    return { id, name, ...result };
  }

  private run(name: CommandName, args: unknown): CommandResult | Promise<CommandResult> {
    // The arguments were checked against COMMAND_ARGS[name] above.
    const action = this.o.actions[name] as (a: unknown) => CommandResult | Promise<CommandResult>;
    return action(args);
  }
}
