import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { stampNow, type Clock } from '../clock/clock.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { ulid } from '../shared/ulid.js';
import { CommandsTable } from './commands-table.js';
import { EventsTable } from './events-table.js';
import { GapsTable, ROTATED } from './gaps-table.js';
import { MetaTable } from './meta-table.js';
import { migrate } from './migrations.js';
import { OutboxTable } from './outbox-table.js';
import { ReadingsTable } from './readings-table.js';
import { lockStore } from './store-lock.js';
import { SummariesTable } from './summaries-table.js';

export interface StoreOptions {
  file: string;
  clock: Clock;
  log: Log;
  /** The write-ahead log is copied into the database once it grows past this. Larger means
   * fewer checkpoints (less flash wear for rewritten pages), a longer WAL replay after a crash. */
  walCheckpointBytes?: number;
  /** Outbox rows are deleted only at the consumer's ack cursor (upstream.ack = "consumer"). */
  consumerAck?: boolean;
}

/** What happened to a store that could not be used. */
export interface CorruptStoreReport {
  reason: string;
  movedTo: string;
}

interface OpenStore {
  db: Database.Database;
  meta: MetaTable;
  readings: ReadingsTable;
  summaries: SummariesTable;
  outbox: OutboxTable;
  events: EventsTable;
  gaps: GapsTable;
  commands: CommandsTable;
  epoch: string;
  pageSize: number;
  /** Switches commit durability for `relaxedTransaction`. */
  syncNormal: Database.Statement;
  syncFull: Database.Statement;
}

/** The store's bytes by class, as the budget sees them. */
export interface ClassBytes {
  raw: number;
  summaries: number;
  events: number;
  other: number;
}

const META_OPEN = 'open_since';
const META_LAST_WALL = 'clock.last_wall_ms';
/** Tables (and their indexes) per budget class. */
const CLASS_OF: Record<string, keyof ClassBytes> = {
  readings: 'raw',
  readings_held: 'raw',
  summaries: 'summaries',
  outbox: 'summaries',
  outbox_windows: 'summaries',
  events: 'events',
  gaps: 'events',
};

class StoreCorruptError extends Error {}

const CORRUPTION_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX']);

function isCorruption(err: unknown): boolean {
  if (err instanceof StoreCorruptError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CORRUPTION_CODES.has(code);
}

/**
 * The gateway's local store: one SQLite file in WAL mode. Writers batch their rows into one
 * transaction per tick (see IngestPipeline), so `synchronous = FULL` costs one fsync per tick
 * rather than per row, and a power cut loses at most the tick being written.
 *
 * On start it checks itself (a full integrity check after an unclean stop, a quick check
 * otherwise). A file that fails is renamed aside, never deleted, a new store with a new epoch
 * takes its place, and a `store_corrupt` alarm says where the old one went.
 */
export class Store implements Component {
  readonly name = 'store';
  private open?: OpenStore;
  private walBytesSeen = 0;
  private written = 0;
  private lastKnownWall?: number;
  private corrupt?: CorruptStoreReport;
  private uncleanStop = false;
  private unlock = (): void => undefined;

  constructor(private readonly options: StoreOptions) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.options.file), { recursive: true });
    this.corrupt = undefined;
    this.unlock = lockStore(this.options.file);
    try {
      this.open = this.openFile();
    } catch (err) {
      if (!isCorruption(err)) {
        this.unlock();
        throw err;
      }
      const reason = err instanceof Error ? err.message : String(err);
      const movedTo = this.moveAside();
      this.corrupt = { reason, movedTo };
      this.options.log.error(
        { file: this.options.file, movedTo, reason },
        'the store failed its check; moved it aside and started a new one',
      );
      this.open = this.openFile();
      const { clock } = this.options;
      this.transaction(() =>
        this.events.add(
          'store_corrupt',
          'alarm',
          stampNow(clock),
          { reason, movedTo, newEpoch: this.epoch },
          clock.wallMs(),
        ),
      );
    }
    this.s.meta.set(META_OPEN, `${this.options.clock.bootId}/${process.pid}`);
    await Promise.resolve();
  }

  private openFile(): OpenStore {
    const db = new Database(this.options.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // We checkpoint ourselves (see afterWrite), so we can count the bytes it writes.
      db.pragma('wal_autocheckpoint = 0');
      const hasMeta = db
        .prepare("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = 'meta'")
        .get();
      this.uncleanStop =
        hasMeta !== undefined &&
        db.prepare('SELECT 1 AS x FROM meta WHERE key = ?').get(META_OPEN) !== undefined;
      const check = db.pragma(this.uncleanStop ? 'integrity_check' : 'quick_check', {
        simple: true,
      }) as string;
      if (check !== 'ok') throw new StoreCorruptError(`integrity check failed: ${check}`);
      migrate(db);
      const meta = new MetaTable(db);
      let epoch = meta.get('store_epoch');
      if (!epoch) {
        // A new store gets a new epoch: sequence numbers start again, and the consumer must
        // never mistake them for the old store's.
        epoch = ulid(this.options.clock.wallMs());
        meta.set('store_epoch', epoch);
        meta.set('created_ms', String(this.options.clock.wallMs()));
        this.options.log.info({ file: this.options.file, epoch }, 'created a new store');
      }
      const saved = meta.getNumber(META_LAST_WALL);
      this.lastKnownWall = saved;
      // Without a real-time clock a box may boot with an old time: the clock must not call
      // itself synced while it is behind a time this store has already seen.
      if (saved !== undefined) this.options.clock.noteLastKnownWall?.(saved);
      const outbox = new OutboxTable(db, meta);
      outbox.useConsumerAck(this.options.consumerAck ?? false);
      this.walBytesSeen = this.walSize();
      return {
        db,
        meta,
        readings: new ReadingsTable(db, meta),
        summaries: new SummariesTable(db),
        outbox,
        events: new EventsTable(db, outbox),
        gaps: new GapsTable(db, outbox),
        commands: new CommandsTable(db),
        epoch,
        pageSize: db.pragma('page_size', { simple: true }) as number,
        syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
        syncFull: db.prepare('PRAGMA synchronous = FULL'),
      };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Renames the file and its WAL and shared-memory files to `<file>.corrupt-<time>`. */
  private moveAside(): string {
    const stamp = new Date(Math.max(0, this.options.clock.wallMs()))
      .toISOString()
      .replace(/[:.]/g, '-');
    const target = `${this.options.file}.corrupt-${stamp}`;
    for (const suffix of ['', '-wal', '-shm'])
      if (existsSync(this.options.file + suffix))
        renameSync(this.options.file + suffix, target + suffix);
    return target;
  }

  async stop(): Promise<void> {
    if (!this.open) return;
    this.afterWrite();
    this.checkpoint();
    this.open.db.prepare('DELETE FROM meta WHERE key = ?').run(META_OPEN);
    this.open.db.close();
    this.open = undefined;
    this.unlock();
    await Promise.resolve();
  }

  private get s(): OpenStore {
    if (!this.open) throw new Error('the store is not open');
    return this.open;
  }

  get epoch(): string {
    return this.s.epoch;
  }
  get meta(): MetaTable {
    return this.s.meta;
  }
  get readings(): ReadingsTable {
    return this.s.readings;
  }
  get summaries(): SummariesTable {
    return this.s.summaries;
  }
  get outbox(): OutboxTable {
    return this.s.outbox;
  }
  get events(): EventsTable {
    return this.s.events;
  }
  get gaps(): GapsTable {
    return this.s.gaps;
  }
  get commands(): CommandsTable {
    return this.s.commands;
  }
  get file(): string {
    return this.options.file;
  }
  /** SQLite's `synchronous` for ordinary commits: 2 (FULL). Reported so a test (and the
   * status page) can see that a relaxed commit did not leave it lowered. */
  get synchronous(): number {
    return this.s.db.pragma('synchronous', { simple: true }) as number;
  }

  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** Set when the file found at start failed its check and was moved aside. */
  get corruption(): CorruptStoreReport | undefined {
    return this.corrupt;
  }

  /** True when the last process using the store did not stop cleanly (crash, power cut). */
  get startedAfterCrash(): boolean {
    return this.uncleanStop;
  }

  /** The last synced wall time saved before this start; a floor for a box without an RTC. */
  get lastKnownWallMs(): number | undefined {
    return this.lastKnownWall;
  }

  /**
   * Rotates up to `n` of the oldest readings out of the ring: only readings already summarised
   * (before `keepFromId`, which open windows still need, and none waiting for the clock to
   * sync). Nothing is lost, so no gap record; they are counted as rotated.
   */
  rotateReadings(n: number, keepFromId: number): number {
    const { readings, gaps } = this.s;
    const ev = readings.evictOldest(n, Math.min(keepFromId, readings.firstHeldId() ?? Infinity));
    gaps.count(ROTATED, ev.rows);
    return ev.rows;
  }

  /** Saves the current wall time (call inside a commit, only with a synced clock). */
  saveClock(wallMs: number): void {
    this.s.meta.set(META_LAST_WALL, String(wallMs));
  }

  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: () => T): T {
    const result = this.s.db.transaction(fn)();
    this.afterWrite();
    return result;
  }

  /**
   * Like `transaction`, but its commit does not wait for the disk (`synchronous = NORMAL` for
   * this one commit). For bookkeeping a power cut may lose without losing data: acknowledgement
   * marks, whose loss only means a row is sent again and deduplicated by the consumer. The WAL
   * stays consistent either way, and the next ordinary commit's fsync makes it durable too.
   */
  relaxedTransaction<T>(fn: () => T): T {
    const { db, syncNormal, syncFull } = this.s;
    if (db.inTransaction) return this.transaction(fn);
    syncNormal.run();
    try {
      return this.transaction(fn);
    } finally {
      syncFull.run();
    }
  }

  /** Bytes SQLite has written for us: WAL frames appended plus pages checkpointed into the
   * database file. What the flash sees, before the filesystem's own overhead. */
  bytesWritten(): number {
    return this.written;
  }

  /** Counts WAL growth, and checkpoints once the WAL is past its threshold. */
  private afterWrite(): void {
    // Inside an outer transaction (a nested one is a savepoint) the WAL is not final yet, and a
    // checkpoint cannot run: the outer commit counts it.
    if (this.s.db.inTransaction) return;
    const size = this.walSize();
    if (size > this.walBytesSeen) this.written += size - this.walBytesSeen;
    this.walBytesSeen = size;
    if (size >= (this.options.walCheckpointBytes ?? 4 * 1024 * 1024)) this.checkpoint();
  }

  private checkpoint(): void {
    const rows = this.s.db.pragma('wal_checkpoint(TRUNCATE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    const done = rows[0]?.checkpointed ?? 0;
    if (done > 0) this.written += done * this.s.pageSize;
    this.walBytesSeen = this.walSize();
  }

  private walSize(): number {
    try {
      return statSync(`${this.options.file}-wal`).size;
    } catch {
      return 0;
    }
  }

  /** Bytes in use by the database (pages not on the free list), excluding the WAL. */
  usedBytes(): number {
    const { db, pageSize } = this.s;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** Bytes per budget class, from SQLite's page statistics (reads every page: call it only when
   * the store is near its budget). */
  classBytes(): ClassBytes {
    const out: ClassBytes = { raw: 0, summaries: 0, events: 0, other: 0 };
    const rows = this.s.db
      .prepare('SELECT name, pgsize AS bytes FROM dbstat WHERE aggregate = TRUE')
      .all() as { name: string; bytes: number }[];
    for (const r of rows) out[CLASS_OF[r.name] ?? 'other'] += r.bytes;
    return out;
  }
}
