import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { silentLog } from '../../runtime/log/logger.js';
import { PRIORITY } from '../../runtime/store/outbox-table.js';
import { Store } from '../../runtime/store/store.js';
import { signCommand } from '../../runtime/sync/commands/command-auth.js';
import { stampNow } from '../../runtime/clock/clock.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { SyncRig } from './sync-rig.js';
import mqtt from 'mqtt';

const rigs: SyncRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0).reverse()) await r.stop();
});
async function rig(o: Parameters<typeof SyncRig.start>[0] = {}): Promise<SyncRig> {
  const r = await SyncRig.start(o);
  rigs.push(r);
  return r;
}

describe('NORTHBOUND failure cases: the gateway', () => {
  it('9. two gateways with the same client id: detected, backed off, alarmed; one writer per store', async () => {
    const a = await rig({ upstream: { clientId: 'same-id' } });
    const b = await rig({ upstream: { clientId: 'same-id' }, gatewayId: 'lp2', broker: a.broker });
    await a.startConsumer();
    a.enqueue(50);
    b.enqueue(50);
    const sa = await a.startSender();
    const sb = await b.startSender();
    await waitFor(
      () =>
        a.store.events.ofKind('client_id_conflict').length +
          b.store.events.ofKind('client_id_conflict').length >
        0,
      'a client_id_conflict alarm',
      45_000,
    );
    const connects = sa.stats().connects + sb.stats().connects;
    expect(sa.stats().takeovers + sb.stats().takeovers).toBeGreaterThanOrEqual(3);
    // Backed off, not a storm: a handful of connects, not hundreds.
    expect(connects).toBeLessThan(30);
    // The second gateway is fixed (stopped); the first drains everything.
    await b.sender?.stop();
    b.sender = undefined;
    await a.assertAllAccounted(90_000);
    // One writer per store: a second gateway on the same file is refused.
    const second = new Store({
      file: a.store.file,
      clock: new SystemClock({ evidence: 'trust-os' }),
      log: silentLog(),
    });
    await expect(second.start()).rejects.toThrow(/one writer per store/);
  });

  it('10. gateway kill -9 during write bursts and between publish and ack bookkeeping', async () => {
    const r = await rig();
    await r.startConsumer();
    const file = join(tempDir('child-'), 'gw.db');
    const committed = new Set<number>();
    let epoch = '';
    const run = async (killAfterMs: number | undefined): Promise<void> => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join('tests', 'faults', 'gateway-child.ts'),
          file,
          r.proxy.url,
          r.hmacKeyFile,
        ],
        { cwd: packageRoot(), stdio: ['pipe', 'pipe', 'inherit'] },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let started = false;
      let quietAt: number | undefined;
      createInterface({ input: child.stdout }).on('line', (line) => {
        const [tag, value = ''] = line.split(' ');
        if (tag === 'E') {
          epoch = value;
          started = true;
        }
        if (tag === 'C') for (let s = Number(value) - 4; s <= Number(value); s++) committed.add(s);
        if (tag === 'Q') quietAt = Number(value);
      });
      // Each kill lands while this child writes and sends, not while it is still loading.
      await waitFor(() => started, 'the child to start', 20_000);
      if (killAfterMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        child.kill('SIGKILL');
      } else {
        child.stdin.write('quiet\n');
        // The child answers `quiet` only after its last commit, and its `C` lines come first:
        // waiting on the highest `C` seen so far raced a commit still in the pipe (CI lost
        // 1138-1140 that way, unsent when SIGTERM came).
        await waitFor(() => quietAt !== undefined, 'the child to stop writing', 20_000);
        // Rows a killed child committed but had not reported yet lie below the seqs later
        // children reported: everything up to the child's last commit must arrive.
        await waitFor(
          async () => {
            await r.consumer?.settled();
            const upTo = Array.from(
              { length: Math.max(quietAt ?? 0, ...committed) },
              (_, i) => i + 1,
            );
            return (await r.consumer!.db.unaccounted('lp1', epoch, upTo)).length === 0;
          },
          'every committed row at the consumer',
          60_000,
        );
        child.kill('SIGTERM');
      }
      await exited;
    };
    for (let i = 0; i < 6; i++) await run(200 + Math.floor(Math.random() * 700));
    await run(undefined);
    expect(committed.size).toBeGreaterThan(100);
    // Every seq the store ever handed out is accounted for, not only those reported committed.
    const db = new Database(file, { readonly: true });
    const head = (
      db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number }
    ).seq;
    db.close();
    const all = Array.from({ length: head }, (_, i) => i + 1);
    expect(await r.consumer!.db.unaccounted('lp1', epoch, all)).toEqual([]);
  });

  it('12. database corrupted on disk: moved aside, new epoch, the consumer sees the new epoch', async () => {
    const r = await rig();
    await r.startConsumer();
    r.enqueue(20);
    await r.startSender();
    await r.assertAllAccounted();
    const oldEpoch = r.store.epoch;
    await r.restartStore((file) => {
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
      closeSync(fd);
    });
    expect(r.store.corruption).toBeDefined();
    expect(r.store.epoch).not.toBe(oldEpoch);
    r.enqueue(20);
    await r.startSender();
    await r.assertAllAccounted();
    // No false dedupe: the new epoch's seq 1..N are stored beside the old epoch's.
    const perEpoch = r.consumer?.sqlite?.query<{ epoch: string; n: number }>(
      'SELECT epoch, count(*) AS n FROM batches GROUP BY epoch ORDER BY n',
    );
    expect(perEpoch?.map((e) => e.epoch).sort()).toEqual([oldEpoch, r.store.epoch].sort());
    expect(
      r.consumer?.sqlite?.query("SELECT count(*) AS n FROM events WHERE kind = 'store_corrupt'"),
    ).toEqual([{ n: 1 }]);
  });

  it('16. NaN/Infinity from a model and unknown fields from a newer consumer: no crash', async () => {
    const r = await rig({ upstream: { encoding: 'cbor+deflate' } });
    await r.startConsumer();
    const sender = await r.startSender();
    const clock = new SystemClock({ evidence: 'trust-os' });
    r.store.transaction(() => {
      r.store.events.add(
        'anomaly',
        'warning',
        stampNow(clock),
        { score: NaN, bound: Infinity, z: -Infinity },
        clock.wallMs(),
      );
      r.store.outbox.enqueue(
        'summary',
        PRIORITY.live,
        clock.wallMs(),
        JSON.stringify([
          {
            dev: 'm1',
            m: 'flow',
            u: 'MQH',
            w: 'PT5M',
            t0: 0,
            rev: 0,
            n: 0,
            bad: 0,
            sum: NaN,
            min: Infinity,
            max: -Infinity,
            mean: NaN,
            last: NaN,
            tlast: null,
            clock: 'synced',
          },
        ]),
      );
    });
    r.enqueue(10);
    sender.wake();
    await r.assertAllAccounted();
    // A newer consumer's ack and command carry fields this gateway does not know.
    const client = await mqtt.connectAsync(r.broker.url, { protocolVersion: 5 });
    await client.publishAsync(
      'egw/v1/lp1/ack',
      JSON.stringify({
        epoch: r.store.epoch,
        seq: r.store.outbox.headSeq(),
        v: 9,
        watermark: { t: 1 },
      }),
      { qos: 1, retain: true },
    );
    const topic = 'egw/v1/lp1/cmd/rebirth';
    const payload = Buffer.from(
      JSON.stringify({ id: 'cmd-future-0001', issued: Date.now(), args: {}, trace: { span: 'x' } }),
    );
    const answer = new Promise<string>((resolve) =>
      client.on('message', (_t, p) => resolve(p.toString())),
    );
    await client.subscribeAsync('replies/16', { qos: 1 });
    await client.publishAsync(topic, payload, {
      qos: 1,
      properties: {
        responseTopic: 'replies/16',
        correlationData: Buffer.from('c16'),
        userProperties: {
          sig: signCommand(topic, payload, {
            hmacKey: Buffer.from('fault-suite-command-key-0123456789abcdef'),
          }),
        },
      },
    });
    expect(JSON.parse(await answer)).toMatchObject({ ok: true, name: 'rebirth' });
    await client.endAsync();
    r.enqueue(5);
    sender.wake();
    await r.assertAllAccounted();
    expect(sender.stats().state).toBe('connected');
    expect(r.consumer?.stats.rejected).toBe(0);
  });
});
