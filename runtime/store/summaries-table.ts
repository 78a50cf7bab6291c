import type { Database, Statement } from 'better-sqlite3';
import type { WindowStats } from '../windows/window-stats.js';

/** Closed windows, one row per stream, window length and start; a revision replaces the row. */
export class SummariesTable {
  private readonly upsertStmt: Statement;
  private readonly countStmt: Statement<[], { n: number }>;

  constructor(db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO summaries (stream, window_ms, t0, rev, n, bad, sum, min, max, last, tlast)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream, window_ms, t0) DO UPDATE SET
         rev = excluded.rev, n = excluded.n, bad = excluded.bad, sum = excluded.sum,
         min = excluded.min, max = excluded.max, last = excluded.last, tlast = excluded.tlast`,
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM summaries');
  }

  upsert(stream: number, windowMs: number, t0: number, rev: number, s: WindowStats): void {
    const has = s.n > 0;
    this.upsertStmt.run(
      stream,
      windowMs,
      t0,
      rev,
      s.n,
      s.bad,
      has ? s.sum : null,
      has ? s.min : null,
      has ? s.max : null,
      has ? s.last : null,
      has ? s.tlast : null,
    );
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }
}
