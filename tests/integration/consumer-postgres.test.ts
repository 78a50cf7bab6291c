import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../runtime/sync/message-schema.js';
import { PgConsumerStore } from '../../scripts/consumer/pg-consumer-store.js';

const url = process.env.DATABASE_URL;

/** True when a PostgreSQL server answers at DATABASE_URL. */
async function reachable(): Promise<boolean> {
  if (!url) return false;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const available = await reachable();
if (!available)
  console.log(
    `consumer PostgreSQL mode: skipped (${url ? `no server answers at DATABASE_URL` : 'DATABASE_URL is not set'})`,
  );

const env = (
  gw: string,
  seq: number,
  kind: string,
  recs: unknown[],
  part?: [number, number],
): Envelope => ({
  v: 1,
  gw,
  epoch: 'E1',
  seq,
  kind,
  sent: 0,
  ...(part ? { part } : {}),
  recs,
});
const summary = (t0: number, rev: number, n: number) => ({
  dev: 'lamp1',
  m: 'power',
  u: 'WTT',
  w: 'PT5M',
  t0,
  rev,
  n,
  bad: 0,
  sum: n,
  min: 1,
  max: 1,
  mean: 1,
  last: 1,
  tlast: t0,
  clock: 'synced',
});

describe.skipIf(!available)('reference consumer on PostgreSQL (DATABASE_URL)', () => {
  let store: PgConsumerStore;
  // A gateway id of its own per run: the database is shared and survives the test.
  const gw = `pg-test-${process.pid}-${Date.now()}`;
  beforeAll(async () => {
    store = await PgConsumerStore.open(url ?? '');
  });
  afterAll(async () => {
    for (const t of [
      'egw_batches',
      'egw_parts',
      'egw_explained',
      'egw_summaries',
      'egw_events',
      'egw_gaps',
      'egw_crowd',
      'egw_cursors',
    ])
      await store.query(`DELETE FROM ${t} WHERE gw = $1`, [gw]);
    await store.close();
  });

  it('upserts by record key, stores a batch once, and moves the cursor over stored and explained seqs', async () => {
    expect((await store.apply(env(gw, 1, 'summary', [summary(0, 0, 60)]), 1)).cursor).toBe(1);
    expect((await store.apply(env(gw, 1, 'summary', [summary(0, 0, 60)]), 2)).duplicate).toBe(true);
    await store.apply(env(gw, 2, 'summary', [summary(0, 1, 61)]), 3);
    await store.apply(env(gw, 3, 'summary', [summary(0, 0, 60)]), 4);
    expect(await store.query('SELECT rev, n FROM egw_summaries WHERE gw = $1', [gw])).toEqual([
      { rev: 1, n: 61 },
    ]);
    // A hole at 4..5, then 6 arrives: the cursor waits, and says what is owed.
    expect((await store.apply(env(gw, 6, 'summary', [summary(600_000, 0, 1)]), 5)).cursor).toBe(3);
    expect(await store.firstMissing(gw, 'E1')).toBe(4);
    // A gap record explains 4..5: the cursor jumps to 6.
    const applied = await store.apply(
      env(gw, 7, 'gap', [
        { class: 'summary', reason: 'summary_budget', from: 0, to: 1, rows: 2, seqs: [[4, 5]] },
      ]),
      6,
    );
    expect(applied.cursor).toBe(7);
    expect(await store.unaccounted(gw, 'E1', [1, 2, 3, 4, 5, 6, 7, 8])).toEqual([8]);
  });

  it('keeps one CrowdFlowObserved record per zone window, the higher revision winning', async () => {
    const g = `${gw}-crowd`;
    const crowd = (rev: number, max: number) => ({
      type: 'CrowdFlowObserved',
      id: 'plaza',
      w: 'PT1M',
      t0: 0,
      rev,
      peopleCountMax: max,
    });
    await store.apply(env(g, 1, 'crowd', [crowd(0, 5)]), 1);
    await store.apply(env(g, 2, 'crowd', [crowd(1, 6)]), 2);
    await store.apply(env(g, 3, 'crowd', [crowd(0, 5)]), 3);
    expect(
      await store.query(
        "SELECT zone, rev, (body->>'peopleCountMax')::int AS max FROM egw_crowd WHERE gw = $1",
        [g],
      ),
    ).toEqual([{ zone: 'plaza', rev: 1, max: 6 }]);
    for (const t of ['egw_batches', 'egw_crowd', 'egw_cursors'])
      await store.query(`DELETE FROM ${t} WHERE gw = $1`, [g]);
  });

  it('counts a split row as stored only when all its parts have arrived', async () => {
    const g = `${gw}-parts`;
    await store.apply(env(g, 1, 'summary', [summary(0, 0, 1)], [1, 2]), 1);
    expect(await store.cursor(g, 'E1')).toBeUndefined();
    expect((await store.apply(env(g, 1, 'summary', [summary(0, 0, 1)], [1, 2]), 2)).duplicate).toBe(
      true,
    );
    expect(
      (await store.apply(env(g, 1, 'summary', [summary(300_000, 0, 1)], [2, 2]), 3)).cursor,
    ).toBe(1);
    expect(
      await store.query('SELECT count(*)::int AS n FROM egw_summaries WHERE gw = $1', [g]),
    ).toEqual([{ n: 2 }]);
    for (const t of ['egw_batches', 'egw_parts', 'egw_summaries', 'egw_cursors'])
      await store.query(`DELETE FROM ${t} WHERE gw = $1`, [g]);
  });
});
