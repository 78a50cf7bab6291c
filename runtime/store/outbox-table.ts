import type { Database, Statement } from 'better-sqlite3';
import type { MetaTable } from './meta-table.js';

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

/** The window a summary row carries, so compaction can find the rows it replaces. */
export interface OutboxWindow {
  windowMs: number;
  t0: number;
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

const META_PURGED_THROUGH = 'outbox.purged_through';
const META_CONSUMER_ACKED = 'outbox.consumer_acked';
/** Summary rows of windows this long or longer are coarse backfill, sent before fine windows. */
const COARSE_WINDOW_MS = 3_600_000;

/**
 * The outbox. A row is marked acked when the broker accepts it and kept for replay until it is
 * older than the retention, then purged; purging deletes only a prefix of the sequence, so
 * `outbox.purged_through` tells exactly which rows left that way. Any other removal (dead
 * letter, compaction, budget) is recorded elsewhere: nothing leaves the outbox unaccounted.
 */
export class OutboxTable {
  private readonly insertStmt: Statement<
    [string, number, number, string, number | null, number | null]
  >;
  private readonly afterStmt: Statement<[number, number], Row>;
  private readonly ackStmt: Statement<[number, number]>;
  private readonly statsStmt: Statement<[], { n: number; oldest: number | null }>;
  private readonly headStmt: Statement<[], { seq: number | null }>;
  private readonly firstKeptStmt: Statement<[number], { seq: number | null }>;
  private readonly purgeStmt: Statement<[number]>;
  private readonly deadStmt: Statement<[string, number, number]>;
  private readonly deleteStmt: Statement<[number]>;
  private readonly deadListStmt: Statement<
    [],
    { seq: number; kind: string; reason: string; moved_ms: number }
  >;
  private readonly unsentInStmt: Statement<[number, number, number], { seq: number }>;
  private readonly pendingStmt: Statement<[number], Row>;
  private readonly pendingAfterStmt: Statement<[number, number, number], Row>;
  private readonly demoteStmt: Statement<[number, number, number, number]>;
  private readonly replayStmt: Statement<[number]>;
  private readonly heldFromStmt: Statement<[number], { n: number; lo: number | null }>;
  /** Rows leave only at the consumer's ack cursor (L2), never for age after a PUBACK alone. */
  private consumerAck = false;

  constructor(
    db: Database,
    private readonly meta: MetaTable,
  ) {
    this.insertStmt = db.prepare(
      'INSERT INTO outbox (kind, priority, created_ms, body, window_ms, t0) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.afterStmt = db.prepare(
      `SELECT seq, kind, priority, created_ms, body, attempts FROM outbox
        WHERE seq > ? AND acked_ms IS NULL ORDER BY seq LIMIT ?`,
    );
    this.ackStmt = db.prepare('UPDATE outbox SET acked_ms = ? WHERE seq = ? AND acked_ms IS NULL');
    this.statsStmt = db.prepare(
      'SELECT count(*) AS n, min(created_ms) AS oldest FROM outbox WHERE acked_ms IS NULL',
    );
    // The sequence counter, not max(seq): with AUTOINCREMENT it survives deleting every row.
    this.headStmt = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
    this.firstKeptStmt = db.prepare(
      // ORDER BY + LIMIT, not min(): the scan stops at the first row that must stay.
      'SELECT seq FROM outbox WHERE acked_ms IS NULL OR acked_ms >= ? ORDER BY seq LIMIT 1',
    );
    this.purgeStmt = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    this.deadStmt = db.prepare(
      `INSERT INTO dead_letter (seq, kind, priority, created_ms, body, reason, moved_ms)
       SELECT seq, kind, priority, created_ms, body, ?, ? FROM outbox WHERE seq = ?`,
    );
    this.deleteStmt = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.deadListStmt = db.prepare(
      'SELECT seq, kind, reason, moved_ms FROM dead_letter ORDER BY seq',
    );
    this.pendingStmt = db.prepare(
      `SELECT seq, kind, priority, created_ms, body, attempts FROM outbox
        WHERE acked_ms IS NULL ORDER BY priority, seq LIMIT ?`,
    );
    this.pendingAfterStmt = db.prepare(
      `SELECT seq, kind, priority, created_ms, body, attempts FROM outbox
        WHERE acked_ms IS NULL AND (priority, seq) > (?, ?) ORDER BY priority, seq LIMIT ?`,
    );
    this.demoteStmt = db.prepare(
      `UPDATE outbox SET priority = CASE WHEN window_ms >= ? THEN ? ELSE ? END
        WHERE priority = ${PRIORITY.live} AND acked_ms IS NULL AND created_ms < ?`,
    );
    this.replayStmt = db.prepare(
      'UPDATE outbox SET acked_ms = NULL WHERE seq >= ? AND acked_ms IS NOT NULL',
    );
    this.heldFromStmt = db.prepare(
      'SELECT count(*) AS n, min(seq) AS lo FROM outbox WHERE seq >= ?',
    );
    this.unsentInStmt = db.prepare(
      `SELECT seq FROM outbox WHERE window_ms = ? AND t0 >= ? AND t0 < ? AND acked_ms IS NULL
        ORDER BY seq`,
    );
  }

  /**
   * Goes up whenever the set or order of pending rows may have changed other than by an ack:
   * a row added, removed, re-prioritised or made pending again. A reader that reads ahead (the
   * sender) starts again from the top when it moved, whoever made the change.
   */
  get pendingVersion(): number {
    return this.version;
  }

  private version = 0;

  /** Appends a row (inside the caller's transaction); returns its sequence number. */
  enqueue(
    kind: string,
    priority: number,
    createdMs: number,
    body: string,
    window?: OutboxWindow,
  ): number {
    this.version++;
    return Number(
      this.insertStmt.run(
        kind,
        priority,
        createdMs,
        body,
        window?.windowMs ?? null,
        window?.t0 ?? null,
      ).lastInsertRowid,
    );
  }

  /** Up to `limit` unacked rows with seq > `afterSeq`, in sequence order. */
  after(afterSeq: number, limit: number): OutboxRow[] {
    return this.afterStmt.all(afterSeq, limit).map(toOutboxRow);
  }

  /** Up to `limit` unacked rows, most urgent first: by priority, then in sequence order. */
  pending(limit: number): OutboxRow[] {
    return this.pendingStmt.all(limit).map(toOutboxRow);
  }

  /** Pending rows after (priority, seq) in sending order: reading ahead where the last read
   * stopped. */
  pendingAfter(priority: number, seq: number, limit: number): OutboxRow[] {
    // A row-value comparison: SQLite seeks the (priority, seq) index instead of scanning it.
    return this.pendingAfterStmt.all(priority, seq, limit).map(toOutboxRow);
  }

  /**
   * Live summaries created before `createdBeforeMs` become backfill: coarse windows first, then
   * fine ones. Called when a connection comes up, so what waited out an outage queues behind
   * alarms and fresh windows instead of in front of them. Returns rows demoted.
   */
  demoteBacklog(createdBeforeMs: number): number {
    this.version++;
    return this.demoteStmt.run(
      COARSE_WINDOW_MS,
      PRIORITY.backfillCoarse,
      PRIORITY.backfillFine,
      createdBeforeMs,
    ).changes;
  }

  /**
   * A consumer asked for everything from `fromSeq`: rows still held become pending again.
   * Returns how many, and the lowest seq still held at or after `fromSeq` (rows below it left
   * the store after an ack, or are accounted for by a gap record).
   */
  replayFrom(fromSeq: number): { rows: number; firstHeld: number | null } {
    this.version++;
    this.replayStmt.run(fromSeq);
    const held = this.heldFromStmt.get(fromSeq);
    return { rows: held?.n ?? 0, firstHeld: held?.lo ?? null };
  }

  /** Deletion waits for the consumer's ack cursor (see ackedByConsumer) instead of a retention. */
  useConsumerAck(on: boolean): void {
    this.consumerAck = on;
  }

  get consumerAckMode(): boolean {
    return this.consumerAck;
  }

  /** The highest seq the consumer has said it stored everything up to (0 if none). */
  consumerAcked(): number {
    return this.meta.getNumber(META_CONSUMER_ACKED) ?? 0;
  }

  /**
   * The consumer stored everything up to `through` (L2): those rows are deleted, acked or not.
   * Only moves forward; returns rows deleted. A cursor past the head is ignored (it belongs to
   * another store with the same epoch, which cannot happen, or to a forged ack).
   */
  ackedByConsumer(through: number): number {
    if (through > this.headSeq() || through <= this.consumerAcked()) return 0;
    this.meta.set(META_CONSUMER_ACKED, String(through));
    if (through <= this.purgedThrough()) return 0;
    this.version++;
    const deleted = this.purgeStmt.run(through).changes;
    this.meta.set(META_PURGED_THROUGH, String(through));
    return deleted;
  }

  /** The broker accepted the row: it stops being pending, and is kept for replay. */
  markAcked(seq: number, nowMs: number): boolean {
    return this.ackStmt.run(nowMs, seq).changes > 0;
  }

  /** Deletes the longest prefix of rows acked before `ackedBeforeMs`; returns rows deleted. */
  purgeAcked(ackedBeforeMs: number): number {
    const firstKept = this.firstKeptStmt.get(ackedBeforeMs)?.seq ?? this.headSeq() + 1;
    // With an acking consumer a PUBACK alone never frees a row: the broker may have had no
    // subscriber, and only the consumer's cursor says the data is safe.
    const through = this.consumerAck
      ? Math.min(firstKept - 1, this.consumerAcked())
      : firstKept - 1;
    if (through <= this.purgedThrough()) return 0;
    const deleted = this.purgeStmt.run(through).changes;
    this.meta.set(META_PURGED_THROUGH, String(through));
    return deleted;
  }

  /** Every row with seq ≤ this left the outbox after being acked (by the consumer's cursor, or
   * by a PUBACK and the retention). */
  purgedThrough(): number {
    return this.meta.getNumber(META_PURGED_THROUGH) ?? 0;
  }

  /** Parks a row the upstream refused for good in the dead-letter table. */
  deadLetter(seq: number, reason: string, nowMs: number): boolean {
    this.version++;
    const moved = this.deadStmt.run(reason, nowMs, seq).changes > 0;
    if (moved) this.deleteStmt.run(seq);
    return moved;
  }

  /** Rows parked in the dead-letter table, oldest first. */
  deadLetters(): { seq: number; kind: string; reason: string; movedMs: number }[] {
    return this.deadListStmt.all().map((r) => ({
      seq: r.seq,
      kind: r.kind,
      reason: r.reason,
      movedMs: r.moved_ms,
    }));
  }

  /** Seqs of unsent summary rows of one window length with t0 in [fromMs, toMs). */
  unsentWindows(windowMs: number, fromMs: number, toMs: number): number[] {
    return this.unsentInStmt.all(windowMs, fromMs, toMs).map((r) => r.seq);
  }

  /** Removes rows whose content is replaced or dropped; the caller records a gap for them. */
  remove(seqs: readonly number[]): number {
    let n = 0;
    this.version++;
    for (const seq of seqs) n += this.deleteStmt.run(seq).changes;
    return n;
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

function toOutboxRow(r: Row): OutboxRow {
  return {
    seq: r.seq,
    kind: r.kind,
    priority: r.priority,
    createdMs: r.created_ms,
    body: r.body,
    attempts: r.attempts,
  };
}

/** `[[1,3],[7,7]]` for 1,2,3,7: how a gap record lists the outbox rows it accounts for. */
export function seqRanges(seqs: readonly number[]): [number, number][] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}
