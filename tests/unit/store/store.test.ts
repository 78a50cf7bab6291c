import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../runtime/log/logger.js';
import { MIGRATIONS } from '../../../runtime/store/migrations.js';
import { Store } from '../../../runtime/store/store.js';
import { manualClock } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

async function open(file: string): Promise<Store> {
  const store = new Store({ file, clock: manualClock(), log: silentLog() });
  await store.start();
  return store;
}

describe('Store', () => {
  it('opens a WAL database with a store epoch that survives reopening', async () => {
    const file = join(tempDir(), 'nested', 'store.db');
    const a = await open(file);
    const epoch = a.epoch;
    expect(epoch).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    await a.stop();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const b = await open(file);
    expect(b.epoch).toBe(epoch);
    await b.stop();
    const c = await open(join(tempDir(), 'store.db'));
    expect(c.epoch).not.toBe(epoch);
    await c.stop();
  });

  it('never reuses an outbox sequence number, even after every row is acked and purged', async () => {
    const file = join(tempDir(), 'store.db');
    const a = await open(file);
    const seqs = a.transaction(() => [1, 2, 3].map((i) => a.outbox.enqueue('summary', 1, i, '[]')));
    expect(seqs).toEqual([1, 2, 3]);
    for (const s of seqs) a.outbox.markAcked(s, 10);
    expect(a.outbox.stats().pending).toBe(0);
    expect(a.transaction(() => a.outbox.purgeAcked(11))).toBe(3);
    expect(a.outbox.purgedThrough()).toBe(3);
    await a.stop();
    const b = await open(file);
    expect(b.outbox.headSeq()).toBe(3);
    expect(b.transaction(() => b.outbox.enqueue('summary', 1, 4, '[]'))).toBe(4);
    await b.stop();
  });

  it('reads pending rows ahead from a (priority, seq) cursor, in sending order', async () => {
    const s = await open(join(tempDir(), 'store.db'));
    s.transaction(() => {
      for (const p of [3, 1, 0, 1, 3, 0]) s.outbox.enqueue('summary', p, 1, '[]');
    });
    // seq: 1 (p3), 2 (p1), 3 (p0), 4 (p1), 5 (p3), 6 (p0); sending order 3, 6, 2, 4, 1, 5.
    const order = (rows: { seq: number }[]): number[] => rows.map((r) => r.seq);
    expect(order(s.outbox.pending(10))).toEqual([3, 6, 2, 4, 1, 5]);
    expect(order(s.outbox.pendingAfter(0, 6, 10))).toEqual([2, 4, 1, 5]);
    expect(order(s.outbox.pendingAfter(1, 2, 2))).toEqual([4, 1]);
    s.outbox.markAcked(4, 10);
    expect(order(s.outbox.pendingAfter(1, 2, 10))).toEqual([1, 5]);
    expect(order(s.outbox.pendingAfter(3, 5, 10))).toEqual([]);
    await s.stop();
  });

  it('commits a relaxed transaction whole, and goes back to durable commits after it', async () => {
    const s = await open(join(tempDir(), 'store.db'));
    const [a, b] = s.transaction(() => [1, 2].map(() => s.outbox.enqueue('summary', 1, 1, '[]')));
    expect(s.synchronous).toBe(2);
    s.relaxedTransaction(() => {
      s.outbox.markAcked(a ?? 0, 5);
      s.outbox.markAcked(b ?? 0, 5);
    });
    expect(s.outbox.stats().pending).toBe(0);
    expect(s.synchronous).toBe(2);
    const [c] = s.transaction(() => [s.outbox.enqueue('summary', 1, 1, '[]')]);
    expect(() =>
      s.relaxedTransaction(() => {
        s.outbox.markAcked(c ?? 0, 6);
        throw new Error('half-way');
      }),
    ).toThrow('half-way');
    expect(s.outbox.stats().pending).toBe(1);
    expect(s.synchronous).toBe(2);
    await s.stop();
  });

  it('writes all of a transaction or none of it', async () => {
    const store = await open(join(tempDir(), 'store.db'));
    expect(() =>
      store.transaction(() => {
        store.outbox.enqueue('summary', 1, 1, '[]');
        store.meta.set('k', 'v');
        throw new Error('power cut');
      }),
    ).toThrow('power cut');
    expect(store.outbox.stats().pending).toBe(0);
    expect(store.meta.get('k')).toBeUndefined();
    await store.stop();
  });

  it('refuses a store written by a newer schema rather than guessing', async () => {
    const file = join(tempDir(), 'store.db');
    const a = await open(file);
    await a.stop();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    await expect(open(file)).rejects.toThrow(/newer edge-gw \(schema 99/);
  });
});

describe('Store migrations', () => {
  it('upgrades a store written by the first release without losing its rows or its sequence', async () => {
    const file = join(tempDir(), 'store.db');
    const v1 = new Database(file);
    v1.pragma('journal_mode = WAL');
    v1.exec(MIGRATIONS[0] ?? '');
    v1.pragma('user_version = 1');
    v1.prepare("INSERT INTO meta (key, value) VALUES ('store_epoch', 'E1')").run();
    v1.prepare("INSERT INTO streams (id, device, point) VALUES (1, 'lamp1', 'voltage')").run();
    v1.prepare(
      'INSERT INTO summaries (stream, window_ms, t0, rev, n, bad, sum, min, max, last, tlast) VALUES (1, 60000, 0, 0, 2, 0, 461, 230, 231, 231, 5)',
    ).run();
    for (const body of ['[1]', '[2]'])
      v1.prepare(
        "INSERT INTO outbox (kind, priority, created_ms, body) VALUES ('summary', 1, 1, ?)",
      ).run(body);
    v1.prepare('DELETE FROM outbox WHERE seq = 2').run();
    v1.close();

    const store = await open(file);
    expect(store.epoch).toBe('E1');
    expect(store.summaries.range(60_000, 0, 1)[0]?.stats).toMatchObject({
      n: 2,
      sum: 461,
      min: 230,
      max: 231,
    });
    expect(store.outbox.after(0, 10).map((r) => r.body)).toEqual(['[1]']);
    expect(store.transaction(() => store.outbox.enqueue('summary', 1, 2, '[3]'))).toBe(3);
    await store.stop();
  });
});
