import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock } from '../clock/clock.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { ulid } from '../shared/ulid.js';
import { MetaTable } from './meta-table.js';
import { migrate } from './migrations.js';
import { OutboxTable } from './outbox-table.js';
import { ReadingsTable } from './readings-table.js';
import { SummariesTable } from './summaries-table.js';

export interface StoreOptions {
  file: string;
  clock: Clock;
  log: Log;
}

interface OpenStore {
  db: Database.Database;
  meta: MetaTable;
  readings: ReadingsTable;
  summaries: SummariesTable;
  outbox: OutboxTable;
  epoch: string;
}

/**
 * The gateway's local store: one SQLite file in WAL mode. Writers batch their rows into one
 * transaction per tick (see IngestPipeline), so `synchronous = FULL` costs one fsync per tick
 * rather than per row, and a power cut loses at most the tick being written.
 */
export class Store implements Component {
  readonly name = 'store';
  private open?: OpenStore;

  constructor(private readonly options: StoreOptions) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.options.file), { recursive: true });
    const db = new Database(this.options.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
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
      this.open = {
        db,
        meta,
        readings: new ReadingsTable(db),
        summaries: new SummariesTable(db),
        outbox: new OutboxTable(db),
        epoch,
      };
    } catch (err) {
      db.close();
      throw err;
    }
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    if (!this.open) return;
    this.open.db.close();
    this.open = undefined;
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
  get file(): string {
    return this.options.file;
  }

  /** Runs `fn` in one transaction: all of its writes land, or none do. */
  transaction<T>(fn: () => T): T {
    return this.s.db.transaction(fn)();
  }
}
