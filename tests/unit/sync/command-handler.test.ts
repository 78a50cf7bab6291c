import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../runtime/clock/manual-clock.js';
import { silentLog } from '../../../runtime/log/logger.js';
import { Store } from '../../../runtime/store/store.js';
import { signCommand, type CommandKeys } from '../../../runtime/sync/commands/command-auth.js';
import {
  CommandHandler,
  type CommandActions,
  type IncomingCommand,
} from '../../../runtime/sync/commands/command-handler.js';
import { manualClock } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

const HMAC = Buffer.from('unit-test-command-key-0123456789abcdef');
const TOPIC = (name: string): string => `egw/v1/lp1/cmd/${name}`;

let clock: ManualClock;
let store: Store;
let calls: { name: string; args: unknown }[];

beforeEach(async () => {
  clock = manualClock();
  clock.setSyncState('synced');
  store = new Store({ file: join(tempDir(), 'gw.db'), clock, log: silentLog() });
  await store.start();
  calls = [];
});
afterEach(async () => {
  await store.stop();
});

function actions(): CommandActions {
  const record =
    (name: string) =>
    (args: unknown): { ok: true; result: Record<string, unknown> } => {
      calls.push({ name, args });
      return { ok: true, result: { done: name } };
    };
  return {
    'lamp-level': record('lamp-level'),
    'poll-interval': record('poll-interval'),
    'backfill-rate': record('backfill-rate'),
    replay: record('replay'),
    rebirth: record('rebirth'),
    model: record('model'),
  };
}

function handler(keys: CommandKeys = { hmacKey: HMAC }): CommandHandler {
  return new CommandHandler({
    store,
    clock,
    log: silentLog(),
    keys,
    maxAgeMs: 600_000,
    actions: actions(),
  });
}

function signed(
  name: string,
  body: unknown,
  key: Parameters<typeof signCommand>[2] = { hmacKey: HMAC },
): IncomingCommand {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { topic: TOPIC(name), payload, sig: signCommand(TOPIC(name), payload, key) };
}

const lamp = (id = 'cmd-0000-0001', issued = clock.wallMs()) => ({
  id,
  issued,
  args: { device: 'street-lamp', level: 40 },
});

describe('CommandHandler', () => {
  it('runs a well-formed, signed command once and answers with its result', async () => {
    const answer = await handler().handle(signed('lamp-level', lamp()));
    expect(answer).toEqual({
      id: 'cmd-0000-0001',
      name: 'lamp-level',
      ok: true,
      result: { done: 'lamp-level' },
    });
    expect(calls).toEqual([{ name: 'lamp-level', args: { device: 'street-lamp', level: 40 } }]);
  });

  it('answers a second delivery of the same id with the first answer, without running it', async () => {
    const h = handler();
    await h.handle(signed('lamp-level', lamp()));
    const again = await h.handle(signed('lamp-level', lamp()));
    expect(again).toMatchObject({ id: 'cmd-0000-0001', ok: true, duplicate: true });
    expect(calls).toHaveLength(1);
    // The id is remembered in the store, so a restarted gateway does not run it again either.
    const afterRestart = await handler().handle(signed('lamp-level', lamp()));
    expect(afterRestart).toMatchObject({ duplicate: true });
    expect(calls).toHaveLength(1);
  });

  it('refuses an unsigned command, a bad signature and an unknown scheme, running nothing', async () => {
    const h = handler();
    const good = signed('lamp-level', lamp());
    expect(await h.handle({ ...good, sig: undefined })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/unsigned/) as unknown,
    });
    const tampered = {
      ...good,
      payload: Buffer.from(JSON.stringify({ ...lamp(), id: 'x'.repeat(9) })),
    };
    expect(await h.handle(tampered)).toMatchObject({ ok: false, reason: 'bad signature' });
    // Signed for another topic: a command for one gateway cannot be replayed against another.
    expect(await h.handle({ ...good, topic: 'egw/v1/lp2/cmd/lamp-level' })).toMatchObject({
      ok: false,
      reason: 'bad signature',
    });
    expect(await h.handle({ ...good, sig: 'rsa:AAAA' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/unknown signature scheme "rsa"/) as unknown,
    });
    expect(calls).toEqual([]);
  });

  it('refuses every command when no authority is configured', async () => {
    const answer = await handler({}).handle(
      signed('rebirth', { id: 'cmd-rebirth-1', issued: clock.wallMs() }),
    );
    expect(answer).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no command authority/) as unknown,
    });
    expect(calls).toEqual([]);
  });

  it('accepts Ed25519 signatures with only the public key on the gateway', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const h = handler({ ed25519PublicKey: publicKey });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const ok = await h.handle(
      signed(
        'rebirth',
        { id: 'cmd-ed-0001', issued: clock.wallMs() },
        { ed25519PrivateKeyPem: pem },
      ),
    );
    expect(ok).toMatchObject({ ok: true });
    const other = generateKeyPairSync('ed25519').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const bad = await h.handle(
      signed(
        'rebirth',
        { id: 'cmd-ed-0002', issued: clock.wallMs() },
        { ed25519PrivateKeyPem: other },
      ),
    );
    expect(bad).toMatchObject({ ok: false, reason: 'bad signature' });
    // An HMAC signature is refused where only Ed25519 is configured.
    const hmac = await h.handle(signed('rebirth', { id: 'cmd-ed-0003', issued: clock.wallMs() }));
    expect(hmac.reason).toMatch(/hmac-sha256 signatures are not accepted here/);
    expect(calls).toHaveLength(1);
  });

  it('refuses bad JSON, a bad envelope, an unknown command and wrong arguments, naming the field', async () => {
    const h = handler();
    expect((await h.handle(signed('lamp-level', '{not json'))).reason).toMatch(/^not JSON/);
    expect(
      (await h.handle(signed('lamp-level', { id: 'short', issued: clock.wallMs() }))).reason,
    ).toMatch(/^\/id:/);
    expect((await h.handle(signed('lamp-level', { id: 'cmd-0000-0002' }))).reason).toMatch(
      /issued/,
    );
    const unknown = await h.handle(
      signed('self-destruct', { id: 'cmd-0000-0003', issued: clock.wallMs() }),
    );
    expect(unknown).toMatchObject({ id: 'cmd-0000-0003', ok: false });
    expect(unknown.reason).toMatch(/unknown command "self-destruct" \(lamp-level, poll-interval/);
    const tooBright = await h.handle(
      signed('lamp-level', {
        ...lamp('cmd-0000-0004'),
        args: { device: 'street-lamp', level: 140 },
      }),
    );
    expect(tooBright.reason).toMatch(/^args\/level:/);
    const noDevice = await h.handle(
      signed('poll-interval', { ...lamp('cmd-0000-0005'), args: { ms: 500 } }),
    );
    expect(noDevice.reason).toMatch(/^args\/device:/);
    expect(calls).toEqual([]);
  });

  it('refuses a stale or future command while the clock is synced, and not while it is not', async () => {
    const h = handler();
    const old = await h.handle(
      signed('lamp-level', lamp('cmd-old-0001', clock.wallMs() - 3_600_000)),
    );
    expect(old.reason).toMatch(/issued 3600 s ago; commands are accepted within 600 s/);
    const future = await h.handle(
      signed('lamp-level', lamp('cmd-new-0001', clock.wallMs() + 700_000)),
    );
    expect(future.reason).toMatch(/issued 700 s in the future/);
    expect(calls).toEqual([]);
    // An unsynced clock cannot judge age: the command runs (its id still guards against repeats).
    clock.setSyncState('unsynced');
    expect(
      await h.handle(signed('lamp-level', lamp('cmd-old-0002', clock.wallMs() - 3_600_000))),
    ).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
  });

  it('answers an action that throws with its message, and remembers that answer', async () => {
    const h = new CommandHandler({
      store,
      clock,
      log: silentLog(),
      keys: { hmacKey: HMAC },
      maxAgeMs: 600_000,
      actions: {
        ...actions(),
        'lamp-level': () => {
          throw new Error('relay driver stopped');
        },
      },
    });
    expect(await h.handle(signed('lamp-level', lamp()))).toMatchObject({
      ok: false,
      reason: 'relay driver stopped',
    });
    expect(await h.handle(signed('lamp-level', lamp()))).toMatchObject({
      ok: false,
      duplicate: true,
      reason: 'relay driver stopped',
    });
  });
});
