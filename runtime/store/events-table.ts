import type { Database, Statement } from 'better-sqlite3';
import { CLOCK_STATES, type TimeStamp } from '../clock/clock.js';
import { PRIORITY, type OutboxTable } from './outbox-table.js';

export type Severity = 'info' | 'warning' | 'alarm';

/** An event or alarm as it is synced upstream (`data/event`). `t` is null when the clock was
 * not synchronised: the record then says which boot and how long after boot instead. */
export interface EventRecord {
  kind: string;
  severity: Severity;
  t: number | null;
  clock: string;
  boot: string;
  monoMs: number;
  data: Record<string, unknown>;
}

/** Events and alarms: the last class the budget drops. */
export class EventsTable {
  private readonly insertStmt: Statement<
    [string, string, number | null, bigint, string, number, string]
  >;
  private readonly countStmt: Statement<[], { n: number }>;
  private readonly kindsStmt: Statement<[string], { body: string }>;
  private readonly recentStmt: Statement<[number], { body: string }>;
  private readonly nthStmt: Statement<[number], { id: number }>;
  private readonly rangeStmt: Statement<
    [number],
    { n: number; lo: number | null; hi: number | null }
  >;
  private readonly deleteStmt: Statement<[number]>;

  constructor(
    db: Database,
    private readonly outbox: OutboxTable,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO events (kind, severity, wall_ms, mono_ns, boot, clock_state, body)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM events');
    this.kindsStmt = db.prepare('SELECT body FROM events WHERE kind = ? ORDER BY id');
    this.recentStmt = db.prepare('SELECT body FROM events ORDER BY id DESC LIMIT ?');
    this.nthStmt = db.prepare('SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?');
    this.rangeStmt = db.prepare(
      'SELECT count(*) AS n, min(wall_ms) AS lo, max(wall_ms) AS hi FROM events WHERE id <= ?',
    );
    this.deleteStmt = db.prepare('DELETE FROM events WHERE id <= ?');
  }

  /** Stores the event and queues it upstream ahead of data (inside the caller's transaction). */
  add(
    kind: string,
    severity: Severity,
    at: TimeStamp,
    data: Record<string, unknown>,
    nowMs: number,
  ): EventRecord {
    const t = at.clockState === 'synced' ? at.wallMs : null;
    const rec: EventRecord = {
      kind,
      severity,
      t,
      clock: at.clockState,
      boot: at.bootId,
      monoMs: Number(at.monoNs / 1_000_000n),
      data,
    };
    const body = JSON.stringify(rec);
    this.insertStmt.run(
      kind,
      severity,
      t,
      at.monoNs,
      at.bootId,
      CLOCK_STATES.indexOf(at.clockState),
      body,
    );
    this.outbox.enqueue('event', PRIORITY.state, nowMs, JSON.stringify([rec]));
    return rec;
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  /** Deletes the `n` oldest events from the local history (their upstream copies, if still
   * queued, stay in the outbox). */
  dropOldest(n: number): { rows: number; fromMs: number | null; toMs: number | null } {
    const through = this.nthStmt.get(Math.max(0, Math.min(n, this.count()) - 1))?.id;
    if (through === undefined) return { rows: 0, fromMs: null, toMs: null };
    const r = this.rangeStmt.get(through);
    this.deleteStmt.run(through);
    return { rows: r?.n ?? 0, fromMs: r?.lo ?? null, toMs: r?.hi ?? null };
  }

  /** The latest `limit` events, oldest first. */
  recent(limit: number): EventRecord[] {
    return this.recentStmt
      .all(limit)
      .reverse()
      .map((r) => JSON.parse(r.body) as EventRecord);
  }

  ofKind(kind: string): EventRecord[] {
    return this.kindsStmt.all(kind).map((r) => JSON.parse(r.body) as EventRecord);
  }
}
