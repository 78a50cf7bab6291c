import Database from 'better-sqlite3';
import { walkCursor } from './cursor-walk.js';
import type {
  CrowdRecordIn,
  CustomRecordIn,
  Envelope,
  EventRecordIn,
  GapRecordIn,
  SummaryRecordIn,
} from '../../runtime/sync/message-schema.js';

export interface Applied {
  /** The batch `(gw, epoch, seq)` had been stored before: nothing changed. */
  duplicate: boolean;
  /** The ack cursor after this batch: every seq up to it is stored or explained by a gap. */
  cursor: number;
  cursorMoved: boolean;
}

/**
 * The reference consumer's database (SQLite): batches by `(gw, epoch, seq)`, summaries upserted
 * by record key `(gw, dev, m, w, t0)` where a higher or equal revision wins, crowd windows
 * (CrowdFlowObserved) by `(gw, zone, w, t0)` the same way, events, gap records
 * and the sequence numbers they explain, and the ack cursor per gateway and epoch. Every batch
 * is applied in one transaction, so a crash of the consumer never leaves half a batch.
 */
export class ConsumerStore {
  private readonly db: Database.Database;
  private readonly stmts;

  /**
   * @param startAtZero a new (gateway, epoch) starts with cursor 0, so everything from seq 1 is
   * owed (a consumer that can ask for replays learns from the gateway what it no longer holds);
   * otherwise a late joiner starts at the first batch it sees.
   */
  constructor(
    file: string,
    private readonly startAtZero = false,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS batches (
        gw TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
        received_ms INTEGER NOT NULL, copies INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (gw, epoch, seq)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS parts (
        gw TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, part INTEGER NOT NULL,
        n INTEGER NOT NULL, PRIMARY KEY (gw, epoch, seq, part)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS explained (
        gw TEXT NOT NULL, epoch TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL,
        reason TEXT NOT NULL, PRIMARY KEY (gw, epoch, lo)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS summaries (
        gw TEXT NOT NULL, dev TEXT NOT NULL, m TEXT NOT NULL, w TEXT NOT NULL, t0 INTEGER NOT NULL,
        rev INTEGER NOT NULL, u TEXT, n INTEGER, bad INTEGER, sum REAL, sumsq REAL, min REAL,
        max REAL, mean REAL, last REAL, tlast INTEGER, p50 REAL, p95 REAL, clock TEXT,
        flags TEXT, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (gw, dev, m, w, t0)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS events (
        gw TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,
        kind TEXT NOT NULL, severity TEXT, t INTEGER, body TEXT NOT NULL,
        PRIMARY KEY (gw, epoch, seq, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS crowd (
        gw TEXT NOT NULL, zone TEXT NOT NULL, w TEXT NOT NULL, t0 INTEGER NOT NULL,
        rev INTEGER NOT NULL, body TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (gw, zone, w, t0)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS custom (
        gw TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL, t REAL, body TEXT NOT NULL,
        epoch TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (gw, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS gaps (
        gw TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,
        body TEXT NOT NULL, PRIMARY KEY (gw, epoch, seq, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS cursors (
        gw TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (gw, epoch)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rejects (
        id INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL, topic TEXT NOT NULL,
        reason TEXT NOT NULL, payload BLOB);
    `);
    const db = this.db;
    this.stmts = {
      insertBatch: db.prepare<[string, string, number, string, number]>(
        'INSERT OR IGNORE INTO batches (gw, epoch, seq, kind, received_ms) VALUES (?, ?, ?, ?, ?)',
      ),
      copy: db.prepare<[string, string, number]>(
        'UPDATE batches SET copies = copies + 1 WHERE gw = ? AND epoch = ? AND seq = ?',
      ),
      insertPart: db.prepare<[string, string, number, number, number]>(
        'INSERT OR IGNORE INTO parts (gw, epoch, seq, part, n) VALUES (?, ?, ?, ?, ?)',
      ),
      partsSeen: db.prepare<[string, string, number], { k: number }>(
        'SELECT count(*) AS k FROM parts WHERE gw = ? AND epoch = ? AND seq = ?',
      ),
      storedAfter: db.prepare<[string, string, number], { seq: number }>(
        'SELECT seq FROM batches WHERE gw = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT 10000',
      ),
      explainedAfter: db.prepare<[string, string, number], { lo: number; hi: number }>(
        'SELECT lo, hi FROM explained WHERE gw = ? AND epoch = ? AND hi > ? ORDER BY lo',
      ),
      hasBatch: db.prepare<[string, string, number], { x: number }>(
        'SELECT 1 AS x FROM batches WHERE gw = ? AND epoch = ? AND seq = ?',
      ),
      explainedAt: db.prepare<[string, string, number, number], { x: number }>(
        'SELECT 1 AS x FROM explained WHERE gw = ? AND epoch = ? AND lo <= ? AND hi >= ?',
      ),
      explain: db.prepare<[string, string, number, number, string]>(
        'INSERT OR REPLACE INTO explained (gw, epoch, lo, hi, reason) VALUES (?, ?, ?, ?, ?)',
      ),
      upsertSummary: db.prepare(
        `INSERT INTO summaries (gw, dev, m, w, t0, rev, u, n, bad, sum, sumsq, min, max, mean, last,
           tlast, p50, p95, clock, flags, epoch, seq)
         VALUES (@gw, @dev, @m, @w, @t0, @rev, @u, @n, @bad, @sum, @sumsq, @min, @max, @mean, @last,
           @tlast, @p50, @p95, @clock, @flags, @epoch, @seq)
         ON CONFLICT (gw, dev, m, w, t0) DO UPDATE SET
           rev = excluded.rev, u = excluded.u, n = excluded.n, bad = excluded.bad,
           sum = excluded.sum, sumsq = excluded.sumsq, min = excluded.min, max = excluded.max,
           mean = excluded.mean, last = excluded.last, tlast = excluded.tlast, p50 = excluded.p50,
           p95 = excluded.p95, clock = excluded.clock, flags = excluded.flags,
           epoch = excluded.epoch, seq = excluded.seq
         WHERE excluded.rev >= summaries.rev`,
      ),
      insertEvent: db.prepare<
        [string, string, number, number, string, string, number | null, string]
      >(
        'INSERT OR IGNORE INTO events (gw, epoch, seq, idx, kind, severity, t, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertCrowd: db.prepare<[string, string, string, number, number, string, string, number]>(
        `INSERT INTO crowd (gw, zone, w, t0, rev, body, epoch, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (gw, zone, w, t0) DO UPDATE SET
           rev = excluded.rev, body = excluded.body, epoch = excluded.epoch, seq = excluded.seq
         WHERE excluded.rev >= crowd.rev`,
      ),
      insertCustom: db.prepare<[string, string, string, number, string, string, number]>(
        'INSERT OR IGNORE INTO custom (gw, key, name, t, body, epoch, seq) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertGap: db.prepare<[string, string, number, number, string]>(
        'INSERT OR IGNORE INTO gaps (gw, epoch, seq, idx, body) VALUES (?, ?, ?, ?, ?)',
      ),
      getCursor: db.prepare<[string, string], { seq: number }>(
        'SELECT seq FROM cursors WHERE gw = ? AND epoch = ?',
      ),
      setCursor: db.prepare<[string, string, number]>(
        'INSERT INTO cursors (gw, epoch, seq) VALUES (?, ?, ?) ON CONFLICT (gw, epoch) DO UPDATE SET seq = excluded.seq',
      ),
      maxSeq: db.prepare<[string, string], { seq: number | null }>(
        'SELECT max(seq) AS seq FROM batches WHERE gw = ? AND epoch = ?',
      ),
      reject: db.prepare<[number, string, string, Buffer]>(
        'INSERT INTO rejects (received_ms, topic, reason, payload) VALUES (?, ?, ?, ?)',
      ),
    };
  }

  /** Stores one checked batch and moves the ack cursor as far as it now can. */
  apply(env: Envelope, nowMs: number): Applied {
    return this.db.transaction((): Applied => {
      const { gw, epoch, seq } = env;
      const before = this.stmts.getCursor.get(gw, epoch)?.seq;
      if (env.part) {
        // One row split into parts: each part is applied once; the batch counts as stored when
        // the last of them arrives.
        const [part, n] = env.part;
        if (this.stmts.insertPart.run(gw, epoch, seq, part, n).changes === 0) {
          this.stmts.copy.run(gw, epoch, seq);
          return { duplicate: true, cursor: before ?? 0, cursorMoved: false };
        }
        env.recs.forEach((rec, idx) => this.applyRecord(env, rec, part * 100_000 + idx));
        if ((this.stmts.partsSeen.get(gw, epoch, seq)?.k ?? 0) < n)
          return { duplicate: false, cursor: before ?? 0, cursorMoved: false };
        this.stmts.insertBatch.run(gw, epoch, seq, env.kind, nowMs);
      } else {
        if (this.stmts.insertBatch.run(gw, epoch, seq, env.kind, nowMs).changes === 0) {
          this.stmts.copy.run(gw, epoch, seq);
          return { duplicate: true, cursor: before ?? 0, cursorMoved: false };
        }
        env.recs.forEach((rec, idx) => this.applyRecord(env, rec, idx));
      }
      return this.advance(gw, epoch, before ?? (this.startAtZero ? 0 : seq - 1), before);
    })();
  }

  /** Moves the cursor over every seq after `from` that is stored or explained. */
  private advance(gw: string, epoch: string, from: number, before: number | undefined): Applied {
    let cursor = from;
    for (;;) {
      const stored = this.stmts.storedAfter.all(gw, epoch, cursor).map((r) => r.seq);
      const ranges = this.stmts.explainedAfter.all(gw, epoch, cursor);
      const next = walkCursor(cursor, stored, ranges);
      if (next === cursor) break;
      cursor = next;
    }
    if (cursor !== before) this.stmts.setCursor.run(gw, epoch, cursor);
    return { duplicate: false, cursor, cursorMoved: cursor !== before };
  }

  /** Records seqs the gateway says it will never send (it no longer holds them) and moves the
   * cursor past them. */
  explainRange(gw: string, epoch: string, lo: number, hi: number, reason: string): Applied {
    return this.db.transaction((): Applied => {
      if (hi >= lo) this.stmts.explain.run(gw, epoch, lo, hi, reason);
      const before = this.stmts.getCursor.get(gw, epoch)?.seq;
      return this.advance(gw, epoch, before ?? 0, before);
    })();
  }

  /** Of `seqs`, those neither stored nor explained by a gap record (what a test asserts empty). */
  unaccounted(gw: string, epoch: string, seqs: readonly number[]): number[] {
    return seqs.filter(
      (s) => !this.stmts.hasBatch.get(gw, epoch, s) && !this.stmts.explainedAt.get(gw, epoch, s, s),
    );
  }

  private applyRecord(env: Envelope, rec: unknown, idx: number): void {
    const { gw, epoch, seq } = env;
    if (env.kind === 'summary') {
      const r = rec as SummaryRecordIn;
      this.stmts.upsertSummary.run({
        gw,
        dev: r.dev,
        m: r.m,
        w: r.w,
        t0: r.t0,
        rev: r.rev,
        u: r.u,
        n: r.n,
        bad: r.bad,
        sum: r.sum,
        sumsq: r.sumsq ?? null,
        min: r.min,
        max: r.max,
        mean: r.mean,
        last: r.last,
        tlast: r.tlast,
        p50: r.p50 ?? null,
        p95: r.p95 ?? null,
        clock: r.clock,
        flags: r.flags ? r.flags.join(',') : null,
        epoch,
        seq,
      });
    } else if (env.kind === 'gap') {
      const g = rec as GapRecordIn;
      this.stmts.insertGap.run(gw, epoch, seq, idx, JSON.stringify(g));
      for (const [lo, hi] of g.seqs ?? []) this.stmts.explain.run(gw, epoch, lo, hi, g.reason);
    } else if (env.kind === 'event') {
      const e = rec as EventRecordIn;
      this.stmts.insertEvent.run(gw, epoch, seq, idx, e.kind, e.severity, e.t, JSON.stringify(e));
    } else if (env.kind === 'custom') {
      // The same key is the same record: the first copy stays.
      const r = rec as CustomRecordIn;
      this.stmts.insertCustom.run(gw, r.key, r.name, r.t, JSON.stringify(r), epoch, seq);
    } else if (env.kind === 'crowd') {
      const r = rec as CrowdRecordIn;
      this.stmts.upsertCrowd.run(gw, r.id, r.w, r.t0, r.rev, JSON.stringify(r), epoch, seq);
    }
    // Other kinds are kept as batches only: a newer gateway may send what this consumer does
    // not know yet, and must not be refused for it.
  }

  /** The first seq owed by a gateway epoch, when later ones have arrived (a replay request). */
  firstMissing(gw: string, epoch: string): number | undefined {
    const cursor = this.stmts.getCursor.get(gw, epoch)?.seq;
    const max = this.stmts.maxSeq.get(gw, epoch)?.seq;
    if (cursor === undefined || max === null || max === undefined || max <= cursor)
      return undefined;
    return cursor + 1;
  }

  cursor(gw: string, epoch: string): number | undefined {
    return this.stmts.getCursor.get(gw, epoch)?.seq;
  }

  reject(nowMs: number, topic: string, reason: string, payload: Buffer): void {
    this.stmts.reject.run(nowMs, topic, reason, payload);
  }

  /** Read access for tests and tools. */
  query<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }

  close(): void {
    this.db.close();
  }
}
