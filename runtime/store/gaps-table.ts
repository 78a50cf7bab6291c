import type { Database, Statement } from 'better-sqlite3';
import { formatIsoDuration } from '../shared/iso-duration.js';
import { PRIORITY, seqRanges, type OutboxTable } from './outbox-table.js';

/** What was dropped, as it is synced upstream (`data/gap`): a platform can tell "missing" from
 * "zero", and knows which outbox sequence numbers it will never see and why. */
export interface GapRecord {
  /** What kind of data is missing. */
  class: 'raw' | 'reading' | 'summary' | 'event';
  reason: DropReason;
  /** Window length (ISO-8601) for summaries. */
  w?: string;
  /** Time range covered, ms since the epoch; null when the data could not be placed in time. */
  from: number | null;
  to: number | null;
  /** Rows dropped. */
  rows: number;
  /** Outbox sequence numbers removed without being sent, as inclusive ranges. */
  seqs?: [number, number][];
  /** For compaction: the window length that now holds the data. */
  replacedBy?: string;
}

/** Why rows were dropped; every drop is counted under one of these. */
export type DropReason =
  /** Raw readings dropped before they were summarised (budget). */
  | 'raw_budget'
  /** Fine windows merged into coarse ones to make room (detail lost, totals kept). */
  | 'compacted'
  /** Oldest coarse summaries dropped to make room. */
  | 'summary_budget'
  /** Oldest events and alarms dropped, the last resort. */
  | 'event_budget'
  /** Readings that arrived after their window's grace period. */
  | 'late'
  /** Readings from a boot that ended before its clock was synchronised. */
  | 'clock_unknown'
  /** Readings dropped from memory while the store could not be written (disk full, I/O error). */
  | 'buffer_full'
  /** Rows the upstream refused for good (parked in the dead-letter table with an alarm). */
  | 'refused';

/** Readings rotated out of the ring after being summarised: counted, but nothing is missing. */
export const ROTATED = 'raw_rotated';

export interface GapInput extends Omit<GapRecord, 'w' | 'replacedBy' | 'seqs'> {
  windowMs?: number;
  replacedByMs?: number;
  seqs?: readonly number[];
}

export class GapsTable {
  private readonly insertStmt: Statement<
    [string, string, number | null, number | null, number | null, number, string | null, number]
  >;
  private readonly countStmt: Statement<[string, number]>;
  private readonly dropsStmt: Statement<[], { reason: string; rows: number }>;
  private readonly allStmt: Statement<[], GapRow>;

  constructor(
    db: Database,
    private readonly outbox: OutboxTable,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO gaps (class, reason, window_ms, from_ms, to_ms, rows, seqs, created_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.countStmt = db.prepare(
      `INSERT INTO drops (reason, rows) VALUES (?, ?)
       ON CONFLICT (reason) DO UPDATE SET rows = rows + excluded.rows`,
    );
    this.dropsStmt = db.prepare('SELECT reason, rows FROM drops ORDER BY reason');
    this.allStmt = db.prepare('SELECT * FROM gaps ORDER BY id');
  }

  /** Counts a drop, keeps its gap record and queues the record upstream (inside the caller's
   * transaction, with the deletion it describes). */
  record(gap: GapInput, nowMs: number): void {
    const seqs = gap.seqs && gap.seqs.length > 0 ? seqRanges(gap.seqs) : undefined;
    this.insertStmt.run(
      gap.class,
      gap.reason,
      gap.windowMs ?? null,
      gap.from,
      gap.to,
      gap.rows,
      seqs ? JSON.stringify(seqs) : null,
      nowMs,
    );
    this.count(gap.reason, gap.rows);
    const rec: GapRecord = {
      class: gap.class,
      reason: gap.reason,
      ...(gap.windowMs !== undefined ? { w: formatIsoDuration(gap.windowMs) } : {}),
      from: gap.from,
      to: gap.to,
      rows: gap.rows,
      ...(seqs ? { seqs } : {}),
      ...(gap.replacedByMs !== undefined
        ? { replacedBy: formatIsoDuration(gap.replacedByMs) }
        : {}),
    };
    this.outbox.enqueue('gap', PRIORITY.state, nowMs, JSON.stringify([rec]));
  }

  /** Counts rows removed without a gap record (readings rotated out after summarising). */
  count(reason: string, rows: number): void {
    if (rows > 0) this.countStmt.run(reason, rows);
  }

  drops(): Record<string, number> {
    return Object.fromEntries(this.dropsStmt.all().map((r) => [r.reason, r.rows]));
  }

  all(): GapRow[] {
    return this.allStmt.all();
  }
}

export interface GapRow {
  id: number;
  class: string;
  reason: string;
  window_ms: number | null;
  from_ms: number | null;
  to_ms: number | null;
  rows: number;
  seqs: string | null;
  created_ms: number;
}
