import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import type { Reading } from '../shared/reading.js';
import { PRIORITY } from '../store/outbox-table.js';
import type { Store } from '../store/store.js';
import type { ClosedWindow, WindowAggregator } from '../windows/window-aggregator.js';
import { toSummaryRecords, type UnitLookup } from './summary-records.js';

export interface IngestOptions {
  store: Store;
  aggregator: WindowAggregator;
  clock: Clock;
  log: Log;
  unitOf: UnitLookup;
  /** One transaction per interval: the most a power cut can lose. */
  commitIntervalMs: number;
  readingsMaxRows: number;
  /** Readings held in memory while the store cannot be written; beyond it the oldest are
   * dropped and counted. */
  maxBuffered?: number;
}

export interface IngestStats {
  buffered: number;
  committed: number;
  late: number;
  windowsClosed: number;
  outboxRowsAdded: number;
  commitFailures: number;
  droppedBufferFull: number;
  pruned: number;
}

const META_REFOLD_FROM = 'windows.refold_from_id';
const metaClosedThrough = (lengthMs: number): string => `windows.${lengthMs}.closed_through`;

/**
 * Takes readings from the drivers and, once per tick, commits them in one transaction together
 * with every window they close: readings, summaries, outbox rows and the window cursors land
 * together or not at all. So after a crash, each reading is either in a committed summary or
 * still in the store, and the open windows are rebuilt from the store on start.
 */
export class IngestPipeline implements Component {
  readonly name = 'ingest';
  private buffer: Reading[] = [];
  private timer?: TimerHandle;
  private readonly outboxListeners = new Set<() => void>();
  private readonly counters: Omit<IngestStats, 'buffered' | 'late'> = {
    committed: 0,
    windowsClosed: 0,
    outboxRowsAdded: 0,
    commitFailures: 0,
    droppedBufferFull: 0,
    pruned: 0,
  };
  private readonly maxBuffered: number;
  /** Drops already reported in the log. */
  private dropsLogged = 0;

  constructor(private readonly o: IngestOptions) {
    this.maxBuffered = o.maxBuffered ?? 100_000;
  }

  async start(): Promise<void> {
    this.rebuildWindows();
    this.schedule();
    await Promise.resolve();
  }

  /** Commits what is buffered (without closing windows early) and stops ticking. */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    this.commit({ closeWindows: false });
    await Promise.resolve();
  }

  push(reading: Reading): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift();
      // Logged once per episode (the counter carries the total); per-reading logging would
      // flood the journal exactly when the disk is in trouble.
      if (this.counters.droppedBufferFull++ === this.dropsLogged)
        this.o.log.error(
          { maxBuffered: this.maxBuffered },
          'store not accepting writes; dropping the oldest buffered readings',
        );
    }
    this.buffer.push(reading);
  }

  /** Called after a commit that added outbox rows (the sender wakes up on it). */
  onOutbox(listener: () => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  stats(): IngestStats {
    return { ...this.counters, buffered: this.buffer.length, late: this.o.aggregator.late };
  }

  private schedule(): void {
    this.timer = this.o.clock.setTimer(this.o.commitIntervalMs, () => {
      this.commit({ closeWindows: true });
      this.schedule();
    });
  }

  /** One tick's work. Public for tests that drive ingest without a clock. */
  commit({ closeWindows }: { closeWindows: boolean }): void {
    const batch = this.buffer;
    this.buffer = [];
    const { store, aggregator } = this.o;
    let closed: ClosedWindow[] = [];
    try {
      store.transaction(() => {
        for (const r of batch) {
          const id = store.readings.insert(r);
          aggregator.fold({ ...r, id });
        }
        if (closeWindows) closed = aggregator.closeDue(this.o.clock.wallMs());
        for (const w of closed) this.writeWindow(w);
        this.saveCursors();
        const foldedBefore = aggregator.closedThroughAll();
        if (foldedBefore !== undefined)
          this.counters.pruned += store.readings.prune(this.o.readingsMaxRows, foldedBefore);
      });
    } catch (err) {
      // Nothing of this tick landed. Keep the readings for the next tick and rebuild the
      // windows from what the store does hold, so memory and disk agree again.
      this.counters.commitFailures++;
      this.buffer = batch.concat(this.buffer).slice(-this.maxBuffered);
      this.o.log.error({ err, readings: batch.length }, 'commit failed; will retry next tick');
      store.readings.recount();
      this.rebuildWindows();
      return;
    }
    this.counters.committed += batch.length;
    if (this.counters.droppedBufferFull > this.dropsLogged) {
      this.o.log.warn(
        { dropped: this.counters.droppedBufferFull - this.dropsLogged },
        'store writable again after dropping readings',
      );
      this.dropsLogged = this.counters.droppedBufferFull;
    }
    this.counters.windowsClosed += closed.length;
    if (closed.length > 0) {
      this.counters.outboxRowsAdded += closed.length;
      for (const listener of this.outboxListeners) listener();
    }
  }

  private writeWindow(w: ClosedWindow): void {
    const { store, clock } = this.o;
    for (const s of w.streams)
      store.summaries.upsert(
        store.readings.streamId(s.device, s.point),
        w.lengthMs,
        w.t0,
        0,
        s.stats,
      );
    const records = toSummaryRecords(w, this.o.unitOf);
    store.outbox.enqueue('summary', PRIORITY.live, clock.wallMs(), JSON.stringify(records));
  }

  private saveCursors(): void {
    const { store, aggregator } = this.o;
    for (const length of aggregator.lengthsMs) {
      const through = aggregator.getClosedThrough(length);
      if (through !== undefined) store.meta.set(metaClosedThrough(length), String(through));
    }
    const refoldFrom = aggregator.minOpenReadingId();
    // With no window open, anything written from now on is newer than every row there is.
    store.meta.set(META_REFOLD_FROM, String(refoldFrom ?? Number.MAX_SAFE_INTEGER));
  }

  /** Restores the window cursors and re-folds the readings of windows that were still open. */
  private rebuildWindows(): void {
    const { store, aggregator } = this.o;
    aggregator.reset();
    let oldestOpen = Infinity;
    for (const length of aggregator.lengthsMs) {
      const through = store.meta.getNumber(metaClosedThrough(length));
      if (through !== undefined) {
        aggregator.restoreClosedThrough(length, through);
        oldestOpen = Math.min(oldestOpen, through);
      } else {
        oldestOpen = -Infinity;
      }
    }
    const fromId = store.meta.getNumber(META_REFOLD_FROM) ?? 0;
    let refolded = 0;
    for (const r of store.readings.since(fromId, Number.isFinite(oldestOpen) ? oldestOpen : 0)) {
      aggregator.fold(r, { countLate: false });
      refolded++;
    }
    if (refolded > 0) this.o.log.info({ refolded }, 'rebuilt open windows from the store');
  }
}
