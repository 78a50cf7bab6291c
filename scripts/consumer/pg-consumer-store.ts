import pg from 'pg';
import type {
  CrowdRecordIn,
  CustomRecordIn,
  Envelope,
  EventRecordIn,
  GapRecordIn,
  SummaryRecordIn,
} from '../../runtime/sync/message-schema.js';
import type { ConsumerDb } from './consumer-db.js';
import type { Applied } from './consumer-store.js';
import { walkCursor } from './cursor-walk.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS egw_batches (
    gw TEXT NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL,
    received_ms BIGINT NOT NULL, copies INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (gw, epoch, seq));
  CREATE TABLE IF NOT EXISTS egw_parts (
    gw TEXT NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL, part INTEGER NOT NULL,
    n INTEGER NOT NULL, PRIMARY KEY (gw, epoch, seq, part));
  CREATE TABLE IF NOT EXISTS egw_explained (
    gw TEXT NOT NULL, epoch TEXT NOT NULL, lo BIGINT NOT NULL, hi BIGINT NOT NULL,
    reason TEXT NOT NULL, PRIMARY KEY (gw, epoch, lo));
  CREATE TABLE IF NOT EXISTS egw_summaries (
    gw TEXT NOT NULL, dev TEXT NOT NULL, m TEXT NOT NULL, w TEXT NOT NULL, t0 BIGINT NOT NULL,
    rev INTEGER NOT NULL, u TEXT, n BIGINT, bad BIGINT, sum DOUBLE PRECISION,
    sumsq DOUBLE PRECISION, min DOUBLE PRECISION, max DOUBLE PRECISION, mean DOUBLE PRECISION,
    last DOUBLE PRECISION, tlast BIGINT, p50 DOUBLE PRECISION, p95 DOUBLE PRECISION, clock TEXT,
    flags TEXT, epoch TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (gw, dev, m, w, t0));
  CREATE TABLE IF NOT EXISTS egw_events (
    gw TEXT NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL, idx INTEGER NOT NULL,
    kind TEXT NOT NULL, severity TEXT, t BIGINT, body JSONB NOT NULL,
    PRIMARY KEY (gw, epoch, seq, idx));
  CREATE TABLE IF NOT EXISTS egw_crowd (
    gw TEXT NOT NULL, zone TEXT NOT NULL, w TEXT NOT NULL, t0 BIGINT NOT NULL,
    rev INTEGER NOT NULL, body JSONB NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL,
    PRIMARY KEY (gw, zone, w, t0));
  CREATE TABLE IF NOT EXISTS egw_custom (
    gw TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, t DOUBLE PRECISION, body JSONB NOT NULL,
    epoch TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (gw, key));
  CREATE TABLE IF NOT EXISTS egw_gaps (
    gw TEXT NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL, idx INTEGER NOT NULL,
    body JSONB NOT NULL, PRIMARY KEY (gw, epoch, seq, idx));
  CREATE TABLE IF NOT EXISTS egw_cursors (
    gw TEXT NOT NULL, epoch TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (gw, epoch));
  CREATE TABLE IF NOT EXISTS egw_rejects (
    id BIGSERIAL PRIMARY KEY, received_ms BIGINT NOT NULL, topic TEXT NOT NULL,
    reason TEXT NOT NULL, payload BYTEA);
`;

// BIGINT columns come back as strings from pg by default; our numbers fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));

type Q = pg.PoolClient | pg.Pool;

/**
 * The reference consumer's database on PostgreSQL (`DATABASE_URL`): the same tables and rules
 * as the SQLite store (prefixed `egw_`), each batch in one transaction, so several consumer
 * copies in one shared-subscription group can write to one database.
 */
export class PgConsumerStore implements ConsumerDb {
  readonly kind = 'postgres';
  private constructor(
    private readonly pool: pg.Pool,
    private readonly startAtZero: boolean,
  ) {}

  static async open(url: string, startAtZero = false): Promise<PgConsumerStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      await pool.query(SCHEMA);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PgConsumerStore(pool, startAtZero);
  }

  /** Read access for tests and tools. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  private async getCursor(q: Q, gw: string, epoch: string): Promise<number | undefined> {
    const r = await q.query<{ seq: number }>(
      'SELECT seq FROM egw_cursors WHERE gw = $1 AND epoch = $2',
      [gw, epoch],
    );
    return r.rows[0]?.seq;
  }

  apply(env: Envelope, nowMs: number): Promise<Applied> {
    return this.tx(async (c) => {
      const { gw, epoch, seq } = env;
      // Copies of one consumer group may apply the same gateway at once: serialise per epoch.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${gw}/${epoch}`]);
      const before = await this.getCursor(c, gw, epoch);
      const duplicate = async (): Promise<Applied> => {
        await c.query(
          'UPDATE egw_batches SET copies = copies + 1 WHERE gw = $1 AND epoch = $2 AND seq = $3',
          [gw, epoch, seq],
        );
        return { duplicate: true, cursor: before ?? 0, cursorMoved: false };
      };
      if (env.part) {
        const [part, n] = env.part;
        const ins = await c.query(
          'INSERT INTO egw_parts (gw, epoch, seq, part, n) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
          [gw, epoch, seq, part, n],
        );
        if (ins.rowCount === 0) return duplicate();
        for (const [idx, rec] of env.recs.entries())
          await this.applyRecord(c, env, rec, part * 100_000 + idx);
        const seen = await c.query<{ k: number }>(
          'SELECT count(*)::int AS k FROM egw_parts WHERE gw = $1 AND epoch = $2 AND seq = $3',
          [gw, epoch, seq],
        );
        if ((seen.rows[0]?.k ?? 0) < n)
          return { duplicate: false, cursor: before ?? 0, cursorMoved: false };
        await c.query(
          'INSERT INTO egw_batches (gw, epoch, seq, kind, received_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
          [gw, epoch, seq, env.kind, nowMs],
        );
      } else {
        const ins = await c.query(
          'INSERT INTO egw_batches (gw, epoch, seq, kind, received_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
          [gw, epoch, seq, env.kind, nowMs],
        );
        if (ins.rowCount === 0) return duplicate();
        for (const [idx, rec] of env.recs.entries()) await this.applyRecord(c, env, rec, idx);
      }
      return this.advance(c, gw, epoch, before ?? (this.startAtZero ? 0 : seq - 1), before);
    });
  }

  private async advance(
    c: pg.PoolClient,
    gw: string,
    epoch: string,
    from: number,
    before: number | undefined,
  ): Promise<Applied> {
    let cursor = from;
    for (;;) {
      const stored = await c.query<{ seq: number }>(
        'SELECT seq FROM egw_batches WHERE gw = $1 AND epoch = $2 AND seq > $3 ORDER BY seq LIMIT 10000',
        [gw, epoch, cursor],
      );
      const ranges = await c.query<{ lo: number; hi: number }>(
        'SELECT lo, hi FROM egw_explained WHERE gw = $1 AND epoch = $2 AND hi > $3 ORDER BY lo',
        [gw, epoch, cursor],
      );
      const next = walkCursor(
        cursor,
        stored.rows.map((r) => r.seq),
        ranges.rows,
      );
      if (next === cursor) break;
      cursor = next;
    }
    if (cursor !== before)
      await c.query(
        `INSERT INTO egw_cursors (gw, epoch, seq) VALUES ($1, $2, $3)
         ON CONFLICT (gw, epoch) DO UPDATE SET seq = excluded.seq`,
        [gw, epoch, cursor],
      );
    return { duplicate: false, cursor, cursorMoved: cursor !== before };
  }

  private async applyRecord(
    c: pg.PoolClient,
    env: Envelope,
    rec: unknown,
    idx: number,
  ): Promise<void> {
    const { gw, epoch, seq } = env;
    if (env.kind === 'summary') {
      const r = rec as SummaryRecordIn;
      await c.query(
        `INSERT INTO egw_summaries (gw, dev, m, w, t0, rev, u, n, bad, sum, sumsq, min, max, mean,
           last, tlast, p50, p95, clock, flags, epoch, seq)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)
         ON CONFLICT (gw, dev, m, w, t0) DO UPDATE SET
           rev = excluded.rev, u = excluded.u, n = excluded.n, bad = excluded.bad,
           sum = excluded.sum, sumsq = excluded.sumsq, min = excluded.min, max = excluded.max,
           mean = excluded.mean, last = excluded.last, tlast = excluded.tlast,
           p50 = excluded.p50, p95 = excluded.p95, clock = excluded.clock,
           flags = excluded.flags, epoch = excluded.epoch, seq = excluded.seq
         WHERE excluded.rev >= egw_summaries.rev`,
        [
          gw,
          r.dev,
          r.m,
          r.w,
          r.t0,
          r.rev,
          r.u,
          r.n,
          r.bad,
          r.sum,
          r.sumsq ?? null,
          r.min,
          r.max,
          r.mean,
          r.last,
          r.tlast,
          r.p50 ?? null,
          r.p95 ?? null,
          r.clock,
          r.flags ? r.flags.join(',') : null,
          epoch,
          seq,
        ],
      );
    } else if (env.kind === 'gap') {
      const g = rec as GapRecordIn;
      await c.query(
        'INSERT INTO egw_gaps (gw, epoch, seq, idx, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [gw, epoch, seq, idx, JSON.stringify(g)],
      );
      for (const [lo, hi] of g.seqs ?? [])
        await c.query(
          `INSERT INTO egw_explained (gw, epoch, lo, hi, reason) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (gw, epoch, lo) DO UPDATE SET hi = excluded.hi, reason = excluded.reason`,
          [gw, epoch, lo, hi, g.reason],
        );
    } else if (env.kind === 'event') {
      const e = rec as EventRecordIn;
      await c.query(
        'INSERT INTO egw_events (gw, epoch, seq, idx, kind, severity, t, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING',
        [gw, epoch, seq, idx, e.kind, e.severity, e.t, JSON.stringify(e)],
      );
    } else if (env.kind === 'custom') {
      // The same key is the same record: the first copy stays.
      const r = rec as CustomRecordIn;
      await c.query(
        `INSERT INTO egw_custom (gw, key, name, t, body, epoch, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (gw, key) DO NOTHING`,
        [gw, r.key, r.name, r.t, JSON.stringify(r), epoch, seq],
      );
    } else if (env.kind === 'crowd') {
      const r = rec as CrowdRecordIn;
      await c.query(
        `INSERT INTO egw_crowd (gw, zone, w, t0, rev, body, epoch, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (gw, zone, w, t0) DO UPDATE SET
           rev = excluded.rev, body = excluded.body, epoch = excluded.epoch, seq = excluded.seq
         WHERE excluded.rev >= egw_crowd.rev`,
        [gw, r.id, r.w, r.t0, r.rev, JSON.stringify(r), epoch, seq],
      );
    }
  }

  explainRange(
    gw: string,
    epoch: string,
    lo: number,
    hi: number,
    reason: string,
  ): Promise<Applied> {
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${gw}/${epoch}`]);
      if (hi >= lo)
        await c.query(
          `INSERT INTO egw_explained (gw, epoch, lo, hi, reason) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (gw, epoch, lo) DO UPDATE SET hi = excluded.hi, reason = excluded.reason`,
          [gw, epoch, lo, hi, reason],
        );
      const before = await this.getCursor(c, gw, epoch);
      return this.advance(c, gw, epoch, before ?? 0, before);
    });
  }

  async firstMissing(gw: string, epoch: string): Promise<number | undefined> {
    const cursor = await this.getCursor(this.pool, gw, epoch);
    const r = await this.pool.query<{ seq: number | null }>(
      'SELECT max(seq) AS seq FROM egw_batches WHERE gw = $1 AND epoch = $2',
      [gw, epoch],
    );
    const max = r.rows[0]?.seq;
    if (cursor === undefined || max === null || max === undefined || max <= cursor)
      return undefined;
    return cursor + 1;
  }

  cursor(gw: string, epoch: string): Promise<number | undefined> {
    return this.getCursor(this.pool, gw, epoch);
  }

  async unaccounted(gw: string, epoch: string, seqs: readonly number[]): Promise<number[]> {
    const r = await this.pool.query<{ s: number }>(
      `SELECT s FROM unnest($3::bigint[]) AS s
        WHERE NOT EXISTS (SELECT 1 FROM egw_batches b WHERE b.gw = $1 AND b.epoch = $2 AND b.seq = s)
          AND NOT EXISTS (SELECT 1 FROM egw_explained x
                           WHERE x.gw = $1 AND x.epoch = $2 AND x.lo <= s AND x.hi >= s)
        ORDER BY s`,
      [gw, epoch, seqs],
    );
    return r.rows.map((row) => Number(row.s));
  }

  async reject(nowMs: number, topic: string, reason: string, payload: Buffer): Promise<void> {
    await this.pool.query(
      'INSERT INTO egw_rejects (received_ms, topic, reason, payload) VALUES ($1, $2, $3, $4)',
      [nowMs, topic, reason, payload],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
