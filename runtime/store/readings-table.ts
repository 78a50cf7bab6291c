import type { Database, Statement } from 'better-sqlite3';
import { CLOCK_STATES, type ClockState } from '../clock/clock.js';
import type { Reading } from '../shared/reading.js';
import { streamKey } from '../shared/stream-key.js';

/** A reading as read back for re-folding into windows after a restart. */
export interface StoredReading {
  id: number;
  device: string;
  point: string;
  value: number | null;
  quality: 'good' | 'bad';
  wallMs: number;
  clockState: ClockState;
}

interface StoredRow {
  id: number;
  device: string;
  point: string;
  value: number | null;
  quality: number;
  wall_ms: number;
  clock_state: number;
}

/** The raw readings ring, with the streams and boots tables it refers to. */
export class ReadingsTable {
  private readonly streamIds = new Map<string, number>();
  private readonly bootIds = new Map<string, number>();
  private readonly insertStmt: Statement;
  private readonly findStream: Statement<[string, string], { id: number }>;
  private readonly addStream: Statement<[string, string]>;
  private readonly findBoot: Statement<[string], { id: number }>;
  private readonly addBoot: Statement<[string]>;
  private readonly sinceStmt: Statement<[number, number], StoredRow>;
  private readonly countStmt: Statement<[], { n: number }>;
  private readonly pruneStmt: Statement<[number, number]>;
  /** Rows in the ring, counted once at open and kept up to date, so trimming costs no scan. */
  private rows: number;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      'INSERT INTO readings (stream, value, quality, boot, mono_ns, wall_ms, clock_state) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.findStream = db.prepare('SELECT id FROM streams WHERE device = ? AND point = ?');
    this.addStream = db.prepare('INSERT INTO streams (device, point) VALUES (?, ?)');
    this.findBoot = db.prepare('SELECT id FROM boots WHERE boot_id = ?');
    this.addBoot = db.prepare('INSERT INTO boots (boot_id) VALUES (?)');
    this.sinceStmt = db.prepare(
      `SELECT r.id, s.device, s.point, r.value, r.quality, r.wall_ms, r.clock_state
         FROM readings r JOIN streams s ON s.id = r.stream
        WHERE r.id >= ? AND r.wall_ms >= ? ORDER BY r.id`,
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM readings');
    // Deletes the oldest rows, but only rows already folded into closed windows.
    this.pruneStmt = db.prepare(
      'DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE wall_ms < ? ORDER BY id LIMIT ?)',
    );
    this.rows = this.countStmt.get()?.n ?? 0;
  }

  streamId(device: string, point: string): number {
    const key = streamKey(device, point);
    const cached = this.streamIds.get(key);
    if (cached !== undefined) return cached;
    const id =
      this.findStream.get(device, point)?.id ??
      Number(this.addStream.run(device, point).lastInsertRowid);
    this.streamIds.set(key, id);
    return id;
  }

  private bootRef(bootId: string): number {
    const cached = this.bootIds.get(bootId);
    if (cached !== undefined) return cached;
    const id = this.findBoot.get(bootId)?.id ?? Number(this.addBoot.run(bootId).lastInsertRowid);
    this.bootIds.set(bootId, id);
    return id;
  }

  /** Inserts one reading (inside the caller's transaction) and returns its row id. */
  insert(r: Reading): number {
    const info = this.insertStmt.run(
      this.streamId(r.device, r.point),
      r.value,
      r.quality === 'good' ? 0 : 1,
      this.bootRef(r.bootId),
      r.monoNs,
      r.wallMs,
      CLOCK_STATES.indexOf(r.clockState),
    );
    this.rows++;
    return Number(info.lastInsertRowid);
  }

  /** Readings with id ≥ fromId and wall time ≥ fromWallMs, oldest first. */
  *since(fromId: number, fromWallMs: number): Generator<StoredReading> {
    for (const row of this.sinceStmt.iterate(fromId, fromWallMs)) {
      yield {
        id: row.id,
        device: row.device,
        point: row.point,
        value: row.value,
        quality: row.quality === 0 ? 'good' : 'bad',
        wallMs: row.wall_ms,
        clockState: CLOCK_STATES[row.clock_state] ?? 'unsynced',
      };
    }
  }

  count(): number {
    return this.rows;
  }

  /** Re-reads the row count; after a failed transaction the in-memory count may be ahead. */
  recount(): void {
    this.rows = this.countStmt.get()?.n ?? 0;
  }

  /** Trims the ring to `maxRows`, deleting only readings older than `foldedBeforeWallMs` (those
   * are already in closed windows, so nothing is lost). Returns the rows deleted. */
  prune(maxRows: number, foldedBeforeWallMs: number): number {
    const excess = this.count() - maxRows;
    if (excess <= 0) return 0;
    const deleted = this.pruneStmt.run(foldedBeforeWallMs, excess).changes;
    this.rows -= deleted;
    return deleted;
  }
}
