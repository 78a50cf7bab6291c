import type { Database, Statement } from 'better-sqlite3';
import { CLOCK_STATES, type ClockState } from '../clock/clock.js';
import { QuantileSketch } from '../windows/quantile-sketch.js';
import { emptyStats, type WindowStats } from '../windows/window-stats.js';

/** One stored window of one stream. */
export interface StoredSummary {
  stream: number;
  windowMs: number;
  t0: number;
  rev: number;
  stats: WindowStats;
  clockState: ClockState;
}

interface Row {
  stream: number;
  window_ms: number;
  t0: number;
  rev: number;
  n: number;
  bad: number;
  sum: number | null;
  sumsq: number | null;
  min: number | null;
  max: number | null;
  last: number | null;
  tlast: number | null;
  sketch: Buffer | null;
  flags: number;
  clock_state: number;
}

/** Closed windows, one row per stream, window length and start; a revision replaces the row. */
export class SummariesTable {
  private readonly upsertStmt: Statement;
  private readonly countStmt: Statement<[], { n: number }>;
  private readonly rangeStmt: Statement<[number, number, number], Row>;
  private readonly deleteRangeStmt: Statement<[number, number, number]>;
  private readonly oldestStmt: Statement<[number], { t0: number | null }>;
  private readonly lengthsStmt: Statement<[], { window_ms: number; n: number }>;

  constructor(db: Database) {
    this.upsertStmt = db.prepare(
      `INSERT INTO summaries
         (stream, window_ms, t0, rev, n, bad, sum, sumsq, min, max, last, tlast, sketch, flags, clock_state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (window_ms, t0, stream) DO UPDATE SET
         rev = excluded.rev, n = excluded.n, bad = excluded.bad, sum = excluded.sum,
         sumsq = excluded.sumsq, min = excluded.min, max = excluded.max, last = excluded.last,
         tlast = excluded.tlast, sketch = excluded.sketch, flags = excluded.flags,
         clock_state = excluded.clock_state`,
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM summaries');
    this.rangeStmt = db.prepare(
      'SELECT * FROM summaries WHERE window_ms = ? AND t0 >= ? AND t0 < ? ORDER BY t0, stream',
    );
    this.deleteRangeStmt = db.prepare(
      'DELETE FROM summaries WHERE window_ms = ? AND t0 >= ? AND t0 < ?',
    );
    this.oldestStmt = db.prepare('SELECT min(t0) AS t0 FROM summaries WHERE window_ms = ?');
    this.lengthsStmt = db.prepare(
      'SELECT window_ms, count(*) AS n FROM summaries GROUP BY window_ms ORDER BY window_ms',
    );
  }

  upsert(
    stream: number,
    windowMs: number,
    t0: number,
    rev: number,
    s: WindowStats,
    clockState: ClockState = 'synced',
  ): void {
    const has = s.n > 0;
    this.upsertStmt.run(
      stream,
      windowMs,
      t0,
      rev,
      s.n,
      s.bad,
      has ? s.sum : null,
      has ? s.sumsq : null,
      has ? s.min : null,
      has ? s.max : null,
      has ? s.last : null,
      has ? s.tlast : null,
      s.sketch ? s.sketch.encode() : null,
      s.flags,
      CLOCK_STATES.indexOf(clockState),
    );
  }

  /** Windows of one length with t0 in [fromMs, toMs), oldest first. */
  range(windowMs: number, fromMs: number, toMs: number): StoredSummary[] {
    return this.rangeStmt.all(windowMs, fromMs, toMs).map(fromRow);
  }

  deleteRange(windowMs: number, fromMs: number, toMs: number): number {
    return this.deleteRangeStmt.run(windowMs, fromMs, toMs).changes;
  }

  oldestT0(windowMs: number): number | undefined {
    return this.oldestStmt.get(windowMs)?.t0 ?? undefined;
  }

  /** Rows per window length. */
  lengths(): Map<number, number> {
    return new Map(this.lengthsStmt.all().map((r) => [r.window_ms, r.n]));
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }
}

function fromRow(r: Row): StoredSummary {
  const stats = emptyStats();
  stats.n = r.n;
  stats.bad = r.bad;
  stats.flags = r.flags;
  if (r.n > 0) {
    stats.sum = r.sum ?? 0;
    stats.sumsq = r.sumsq ?? 0;
    stats.min = r.min ?? Infinity;
    stats.max = r.max ?? -Infinity;
    stats.last = r.last ?? NaN;
    stats.tlast = r.tlast ?? -Infinity;
    stats.sketch = r.sketch ? QuantileSketch.decode(r.sketch) : null;
  }
  return {
    stream: r.stream,
    windowMs: r.window_ms,
    t0: r.t0,
    rev: r.rev,
    stats,
    clockState: CLOCK_STATES[r.clock_state] ?? 'synced',
  };
}
