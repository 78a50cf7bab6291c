import type { Database, Statement } from 'better-sqlite3';

/** What the outbox holds: `kind` names the upstream stream (`data/<kind>`), `body` is the JSON
 * of its records; the envelope (epoch, seq, sent time) is added when it is sent. */
export interface OutboxRow {
  seq: number;
  kind: string;
  priority: number;
  createdMs: number;
  body: string;
  attempts: number;
}

interface Row {
  seq: number;
  kind: string;
  priority: number;
  created_ms: number;
  body: string;
  attempts: number;
}

/** Lower numbers go first: alarms and state, then live summaries, then backfill. */
export const PRIORITY = { state: 0, live: 1, backfillCoarse: 2, backfillFine: 3, raw: 4 } as const;

export class OutboxTable {
  private readonly insertStmt: Statement<[string, number, number, string]>;
  private readonly afterStmt: Statement<[number, number], Row>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly statsStmt: Statement<[], { n: number; oldest: number | null }>;
  private readonly headStmt: Statement<[], { seq: number | null }>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      'INSERT INTO outbox (kind, priority, created_ms, body) VALUES (?, ?, ?, ?)',
    );
    this.afterStmt = db.prepare('SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.deleteStmt = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.statsStmt = db.prepare('SELECT count(*) AS n, min(created_ms) AS oldest FROM outbox');
    // The sequence counter, not max(seq): with AUTOINCREMENT it survives deleting every row.
    this.headStmt = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
  }

  /** Appends a row (inside the caller's transaction); returns its sequence number. */
  enqueue(kind: string, priority: number, createdMs: number, body: string): number {
    return Number(this.insertStmt.run(kind, priority, createdMs, body).lastInsertRowid);
  }

  /** Up to `limit` rows with seq > `afterSeq`, in sequence order. */
  after(afterSeq: number, limit: number): OutboxRow[] {
    return this.afterStmt.all(afterSeq, limit).map((r) => ({
      seq: r.seq,
      kind: r.kind,
      priority: r.priority,
      createdMs: r.created_ms,
      body: r.body,
      attempts: r.attempts,
    }));
  }

  delete(seq: number): boolean {
    return this.deleteStmt.run(seq).changes > 0;
  }

  stats(): { pending: number; oldestMs: number | null } {
    const s = this.statsStmt.get();
    return { pending: s?.n ?? 0, oldestMs: s?.oldest ?? null };
  }

  /** The last sequence number ever handed out (0 for a new store). */
  headSeq(): number {
    return this.headStmt.get()?.seq ?? 0;
  }
}
