import type { Database, Statement } from 'better-sqlite3';
import type { MetaTable } from './meta-table.js';
import { CLOCK_STATES, type ClockState } from '../clock/clock.js';
import type { Reading } from '../shared/reading.js';

/** A reading as read back for re-folding into windows. */
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

/** How a reading waits: folded (or foldable) now, held for this boot's clock sync, or from a
 * boot whose clock never synced (quarantined). */
export const HELD = { no: 0, clockSync: 1, unplaceable: 2 } as const;

/** What an eviction removed: `unsummarised` rows were not yet in any summary (data lost). */
export interface Eviction {
  rows: number;
  throughId: number;
  unsummarised: { rows: number; fromMs: number | null; toMs: number | null };
}

const META_EVICTED_THROUGH = 'readings.evicted_through';

/** The raw readings ring, with the streams and boots tables it refers to. Rows leave the ring
 * only oldest first (by id), so `readings.evicted_through` says exactly which ones left. */
export class ReadingsTable {
  private readonly streamIds = new Map<string, Map<string, number>>();
  private readonly bootIds = new Map<string, number>();
  private readonly insertStmt: Statement;
  private readonly findStream: Statement<[string, string], { id: number }>;
  private readonly addStream: Statement<[string, string]>;
  private readonly streamById: Statement<[number], { device: string; point: string }>;
  private readonly findBoot: Statement<[string], { id: number }>;
  private readonly addBoot: Statement<[string]>;
  private readonly sinceStmt: Statement<[number, number], StoredRow>;
  private readonly countStmt: Statement<[], { n: number }>;
  private readonly nthStmt: Statement<[number], { id: number }>;
  private readonly maxIdStmt: Statement<[], { id: number | null }>;
  private readonly heldRangeStmt: Statement<
    [number],
    { n: number; lo: number | null; hi: number | null }
  >;
  private readonly deleteThroughStmt: Statement<[number]>;
  private readonly firstHeldStmt: Statement<[], { id: number | null }>;
  private readonly heldOfBootStmt: Statement<
    [number, number, number],
    StoredRow & { mono_ns: number }
  >;
  private readonly restampStmt: Statement<[number, number, number, number]>;
  private readonly heldCountStmt: Statement<[number], { n: number }>;
  private readonly otherBootsStmt: Statement<
    [number],
    { n: number; lo: number | null; hi: number | null }
  >;
  private readonly quarantineStmt: Statement<[number]>;
  /** Rows in the ring, counted once at open and kept up to date, so trimming costs no scan. */
  private rows: number;

  constructor(
    db: Database,
    private readonly meta: MetaTable,
  ) {
    this.insertStmt = db.prepare(
      'INSERT INTO readings (stream, value, quality, boot, mono_ns, wall_ms, clock_state, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.findStream = db.prepare('SELECT id FROM streams WHERE device = ? AND point = ?');
    this.addStream = db.prepare('INSERT INTO streams (device, point) VALUES (?, ?)');
    this.streamById = db.prepare('SELECT device, point FROM streams WHERE id = ?');
    this.findBoot = db.prepare('SELECT id FROM boots WHERE boot_id = ?');
    this.addBoot = db.prepare('INSERT INTO boots (boot_id) VALUES (?)');
    this.sinceStmt = db.prepare(
      `SELECT r.id, s.device, s.point, r.value, r.quality, r.wall_ms, r.clock_state
         FROM readings r JOIN streams s ON s.id = r.stream
        WHERE r.id >= ? AND r.wall_ms >= ? AND r.held = 0 ORDER BY r.id`,
    );
    this.countStmt = db.prepare('SELECT count(*) AS n FROM readings');
    this.nthStmt = db.prepare('SELECT id FROM readings ORDER BY id LIMIT 1 OFFSET ?');
    this.maxIdStmt = db.prepare('SELECT max(id) AS id FROM readings');
    this.heldRangeStmt = db.prepare(
      'SELECT count(*) AS n, min(wall_ms) AS lo, max(wall_ms) AS hi FROM readings WHERE held > 0 AND held = 1 AND id <= ?',
    );
    this.deleteThroughStmt = db.prepare('DELETE FROM readings WHERE id <= ?');
    this.firstHeldStmt = db.prepare(
      'SELECT min(id) AS id FROM readings WHERE held > 0 AND held = 1',
    );
    this.heldOfBootStmt = db.prepare(
      `SELECT r.id, s.device, s.point, r.value, r.quality, r.wall_ms, r.clock_state, r.mono_ns
         FROM readings r JOIN streams s ON s.id = r.stream
        WHERE r.held > 0 AND r.boot = ? AND r.held = 1 AND r.id > ? ORDER BY r.id LIMIT ?`,
    );
    this.restampStmt = db.prepare(
      `UPDATE readings SET wall_ms = mono_ns / 1000000 + ?, held = 0
        WHERE held > 0 AND boot = ? AND held = 1 AND id > ? AND id <= ?`,
    );
    this.heldCountStmt = db.prepare(
      'SELECT count(*) AS n FROM readings WHERE held > 0 AND boot = ? AND held = 1',
    );
    this.otherBootsStmt = db.prepare(
      'SELECT count(*) AS n, min(wall_ms) AS lo, max(wall_ms) AS hi FROM readings WHERE held > 0 AND held = 1 AND boot != ?',
    );
    this.quarantineStmt = db.prepare(
      'UPDATE readings SET held = 2 WHERE held > 0 AND held = 1 AND boot != ?',
    );
    this.rows = this.countStmt.get()?.n ?? 0;
  }

  streamId(device: string, point: string): number {
    // Nested maps: no key string is built per reading on the ingest path.
    let points = this.streamIds.get(device);
    if (!points) {
      points = new Map();
      this.streamIds.set(device, points);
    }
    const cached = points.get(point);
    if (cached !== undefined) return cached;
    const id =
      this.findStream.get(device, point)?.id ??
      Number(this.addStream.run(device, point).lastInsertRowid);
    points.set(point, id);
    return id;
  }

  stream(id: number): { device: string; point: string } | undefined {
    return this.streamById.get(id);
  }

  bootRef(bootId: string): number {
    const cached = this.bootIds.get(bootId);
    if (cached !== undefined) return cached;
    const id = this.findBoot.get(bootId)?.id ?? Number(this.addBoot.run(bootId).lastInsertRowid);
    this.bootIds.set(bootId, id);
    return id;
  }

  /** Inserts one reading (inside the caller's transaction) and returns its row id. */
  insert(r: Reading, held: number = HELD.no): number {
    const info = this.insertStmt.run(
      this.streamId(r.device, r.point),
      r.value,
      r.quality === 'good' ? 0 : 1,
      this.bootRef(r.bootId),
      r.monoNs,
      // A fractional time would fail the STRICT column and, with it, the whole tick.
      Math.round(r.wallMs),
      r.clockState === 'synced' ? 0 : CLOCK_STATES.indexOf(r.clockState),
      held,
    );
    this.rows++;
    return Number(info.lastInsertRowid);
  }

  /** Readings not held, with id ≥ fromId and wall time ≥ fromWallMs, oldest first. */
  *since(fromId: number, fromWallMs: number): Generator<StoredReading> {
    for (const row of this.sinceStmt.iterate(fromId, fromWallMs)) yield toStored(row);
  }

  // Queries on held rows repeat `held > 0` so SQLite can use the partial index readings_held
  // (it only proves a query fits a partial index from terms it finds literally).

  /** Readings of this boot held for the clock sync. */
  heldCount(bootId: string): number {
    return this.heldCountStmt.get(this.bootRef(bootId))?.n ?? 0;
  }

  /**
   * Re-stamps this boot's held readings from their monotonic time (wall = mono + offset) and
   * hands each to `fold`, in chunks so memory stays bounded however long the clock took.
   */
  restamp(bootId: string, offsetMs: number, fold: (r: StoredReading) => void): number {
    const boot = this.bootRef(bootId);
    let after = 0;
    let total = 0;
    for (;;) {
      const chunk = this.heldOfBootStmt.all(boot, after, 10_000);
      if (chunk.length === 0) return total;
      const last = chunk[chunk.length - 1]?.id ?? after;
      this.restampStmt.run(Math.round(offsetMs), boot, after, last);
      for (const row of chunk)
        fold({ ...toStored(row), wallMs: Math.floor(row.mono_ns / 1e6) + Math.round(offsetMs) });
      total += chunk.length;
      after = last;
    }
  }

  /** Marks readings held by other boots (whose clock never synced) as unplaceable. */
  quarantineOtherBoots(bootId: string): {
    rows: number;
    fromMs: number | null;
    toMs: number | null;
  } {
    const boot = this.bootRef(bootId);
    const r = this.otherBootsStmt.get(boot);
    if (!r || r.n === 0) return { rows: 0, fromMs: null, toMs: null };
    this.quarantineStmt.run(boot);
    return { rows: r.n, fromMs: r.lo, toMs: r.hi };
  }

  count(): number {
    return this.rows;
  }

  /** Re-reads the row count; after a failed transaction the in-memory count may be ahead. */
  recount(): void {
    this.rows = this.countStmt.get()?.n ?? 0;
  }

  /** The highest row id (0 for an empty ring). */
  maxId(): number {
    return this.maxIdStmt.get()?.id ?? 0;
  }

  /** The id of the first reading waiting for this boot's clock sync, if any (quarantined rows
   * of other boots are already reported lost and may rotate out). */
  firstHeldId(): number | undefined {
    return this.firstHeldStmt.get()?.id ?? undefined;
  }

  evictedThrough(): number {
    return this.meta.getNumber(META_EVICTED_THROUGH) ?? 0;
  }

  /**
   * Deletes up to `n` of the oldest rows, never a row with id ≥ `stopBeforeId`. Returns what it
   * removed, with the rows still waiting for a clock sync among them (never summarised, not yet
   * reported) for the caller's gap record.
   */
  evictOldest(n: number, stopBeforeId: number): Eviction {
    const none: Eviction = {
      rows: 0,
      throughId: 0,
      unsummarised: { rows: 0, fromMs: null, toMs: null },
    };
    if (n <= 0 || this.rows === 0) return none;
    const nth = this.nthStmt.get(Math.min(n, this.rows) - 1)?.id;
    if (nth === undefined) return none;
    // The newest row always stays: without AUTOINCREMENT an empty table would hand out ids
    // from 1 again, and ids must only grow (cursors and `evicted_through` rely on it).
    const newest = this.maxIdStmt.get()?.id ?? 0;
    const through = Math.min(nth, stopBeforeId - 1, newest - 1);
    if (through <= 0) return none;
    const held = this.heldRangeStmt.get(through);
    const rows = this.deleteThroughStmt.run(through).changes;
    if (rows === 0) return none;
    this.rows -= rows;
    this.meta.set(META_EVICTED_THROUGH, String(Math.max(through, this.evictedThrough())));
    return {
      rows,
      throughId: through,
      unsummarised: { rows: held?.n ?? 0, fromMs: held?.lo ?? null, toMs: held?.hi ?? null },
    };
  }
}

function toStored(row: StoredRow): StoredReading {
  return {
    id: row.id,
    device: row.device,
    point: row.point,
    value: row.value,
    quality: row.quality === 0 ? 'good' : 'bad',
    wallMs: row.wall_ms,
    clockState: CLOCK_STATES[row.clock_state] ?? 'unsynced',
  };
}
