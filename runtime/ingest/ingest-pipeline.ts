import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import type { Reading } from '../shared/reading.js';
import { PRIORITY } from '../store/outbox-table.js';
import { HELD } from '../store/readings-table.js';
import type { Store } from '../store/store.js';
import type { StoreBudget } from '../store/store-budget.js';
import { toSummaryRecords, type UnitLookup } from '../windows/summary-records.js';
import { ClockKeeper } from './clock-keeper.js';
import type { ClosedWindow, StreamWindow, WindowAggregator } from '../windows/window-aggregator.js';

export interface IngestOptions {
  store: Store;
  aggregator: WindowAggregator;
  clock: Clock;
  log: Log;
  unitOf: UnitLookup;
  /** One transaction per interval: the most a power cut can lose. */
  commitIntervalMs: number;
  readingsMaxRows: number;
  /** Keeps the store within its disk budget; checked every tick. */
  budget?: StoreBudget;
  /** Readings held in memory while the store cannot be written; beyond it the oldest are
   * dropped and counted. */
  maxBuffered?: number;
}

export interface IngestStats {
  buffered: number;
  committed: number;
  late: number;
  windowsClosed: number;
  windowsRevised: number;
  outboxRowsAdded: number;
  commitFailures: number;
  droppedBufferFull: number;
  pruned: number;
  /** Readings waiting for this boot's first clock sync. */
  heldForClock: number;
  restamped: number;
  clockSteps: number;
  /** Bytes the store wrote per committed reading since start (flash wear). */
  bytesPerReading: number | null;
}

const META_REFOLD_FROM = 'windows.refold_from_id';
const metaClosedThrough = (lengthMs: number): string => `windows.${lengthMs}.closed_through`;

/**
 * Takes readings from the drivers and, once per tick, commits them in one transaction together
 * with every window they close or revise: readings, summaries, outbox rows and the window
 * cursors land together or not at all. So after a crash, each reading is either in a committed
 * summary or still in the store, and the open windows are rebuilt from the store on start.
 *
 * Time is handled honestly: a reading taken before this boot's clock synced is stored but held
 * out of the windows; at the first sync it is re-stamped from its monotonic time and folded.
 * Windows are closed only on a synced clock, and a step of the wall clock is recorded as an
 * event and marks the windows on either side of it.
 */
export class IngestPipeline implements Component {
  readonly name = 'ingest';
  private buffer: Reading[] = [];
  private timer?: TimerHandle;
  private readonly outboxListeners = new Set<() => void>();
  private readonly windowListeners = new Set<(closed: readonly ClosedWindow[]) => void>();
  private readonly recordMakers: { kind: string; make: (w: ClosedWindow) => unknown[] }[] = [];
  private readonly counters = {
    committed: 0,
    windowsClosed: 0,
    windowsRevised: 0,
    outboxRowsAdded: 0,
    commitFailures: 0,
    droppedBufferFull: 0,
    pruned: 0,
  };
  private readonly maxBuffered: number;
  /** Drops already reported in the log. */
  private dropsLogged = 0;
  private bytesAtStart = 0;
  /** Readings dropped from memory, not yet reported (see noteBufferDrop). */
  private bufferDrops = emptyRange();
  /** Readings of this tick too late for their window (one gap record per tick). */
  private late = emptyRange();

  private readonly clockKeeper: ClockKeeper;

  constructor(private readonly o: IngestOptions) {
    this.maxBuffered = o.maxBuffered ?? 100_000;
    this.clockKeeper = new ClockKeeper(o);
  }

  async start(): Promise<void> {
    this.rebuildWindows();
    this.clockKeeper.start();
    this.bytesAtStart = this.o.store.bytesWritten();
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
      const dropped = this.buffer.shift();
      if (dropped) this.noteBufferDrop([dropped]);
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

  /** Readings dropped from memory while the store could not be written: counted now, and
   * reported in a gap record by the first commit that succeeds. */
  private noteBufferDrop(readings: Reading[]): void {
    for (const r of readings) extend(this.bufferDrops, r.wallMs);
  }

  /** Called with the windows a commit closed, after it landed (named alarms judge them). A
   * listener that throws is logged and does not stop ingest. */
  onWindows(listener: (closed: readonly ClosedWindow[]) => void): () => void {
    this.windowListeners.add(listener);
    return () => this.windowListeners.delete(listener);
  }

  /**
   * Adds a kind of record made from every closed or revised window (CrowdFlowObserved records
   * from a zone's readings), enqueued in the same transaction as the window's summaries: as
   * durable as they are, and revised with them. A maker that throws is logged and skipped; the
   * window's summaries still land.
   */
  addWindowRecords(kind: string, make: (w: ClosedWindow) => unknown[]): void {
    this.recordMakers.push({ kind, make });
  }

  /** Called after a commit that added outbox rows (the sender wakes up on it). */
  onOutbox(listener: () => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  stats(): IngestStats {
    const written = this.o.store.isOpen ? this.o.store.bytesWritten() - this.bytesAtStart : 0;
    return {
      ...this.counters,
      buffered: this.buffer.length,
      late: this.o.aggregator.late,
      ...this.clockKeeper.stats(),
      bytesPerReading:
        this.counters.committed > 0 ? Math.round(written / this.counters.committed) : null,
    };
  }

  private schedule(): void {
    this.timer = this.o.clock.setTimer(this.o.commitIntervalMs, () => {
      this.commit({ closeWindows: true });
      this.schedule();
    });
  }

  /** One tick's work. Public for tests and benchmarks that drive ingest without a clock. */
  commit({ closeWindows }: { closeWindows: boolean }): void {
    const batch = this.buffer;
    this.buffer = [];
    const { store, aggregator, clock } = this.o;
    const nowMs = clock.wallMs();
    const synced = clock.syncState() === 'synced';
    const outboxBefore = store.outbox.headSeq();
    let closed: ClosedWindow[] = [];
    let revised: ClosedWindow[] = [];
    try {
      store.transaction(() => {
        if (synced) aggregator.noteTime(nowMs);
        const late = (this.late = emptyRange());
        for (const r of batch) {
          if (r.clockState !== 'synced') {
            // Its wall time cannot be trusted: keep it out of the windows until re-stamped.
            store.readings.insert(r, HELD.clockSync);
            if (r.bootId === clock.bootId) this.clockKeeper.noteHeld();
            continue;
          }
          const id = store.readings.insert(r);
          if (aggregator.foldWithId(r, id) === 'late') extend(late, r.wallMs);
        }
        this.clockKeeper.watch(nowMs, synced);
        if (synced) this.clockKeeper.restampHeld(nowMs, (wallMs) => extend(late, wallMs));
        if (late.rows > 0)
          store.gaps.record(
            { class: 'reading', reason: 'late', ...bounds(late), rows: late.rows },
            nowMs,
          );
        const lost = this.bufferDrops;
        if (lost.rows > 0)
          store.gaps.record(
            {
              class: 'reading',
              reason: 'buffer_full',
              ...bounds(lost),
              rows: lost.rows,
            },
            nowMs,
          );
        if (synced && closeWindows) closed = aggregator.closeDue(nowMs);
        revised = aggregator.takeRevised();
        for (const w of closed) this.writeWindow(w, nowMs);
        for (const w of revised) this.writeWindow(w, nowMs);
        this.saveCursors();
        if (synced) store.saveClock(nowMs);
        this.rotateRing();
        this.checkBudget(nowMs);
      });
    } catch (err) {
      // Nothing of this tick landed. Keep the readings for the next tick and rebuild the
      // windows from what the store does hold, so memory and disk agree again.
      this.counters.commitFailures++;
      const kept = batch.concat(this.buffer);
      const overflow = kept.length - this.maxBuffered;
      if (overflow > 0) {
        this.noteBufferDrop(kept.slice(0, overflow));
        this.counters.droppedBufferFull += overflow;
      }
      this.buffer = kept.slice(Math.max(0, overflow));
      this.o.log.error({ err, readings: batch.length }, 'commit failed; will retry next tick');
      store.readings.recount();
      this.clockKeeper.rolledBack();
      this.rebuildWindows();
      return;
    }
    this.clockKeeper.committed();
    this.bufferDrops = emptyRange();
    this.counters.committed += batch.length;
    if (this.counters.droppedBufferFull > this.dropsLogged) {
      this.o.log.warn(
        { dropped: this.counters.droppedBufferFull - this.dropsLogged },
        'store writable again after dropping readings',
      );
      this.dropsLogged = this.counters.droppedBufferFull;
    }
    this.counters.windowsClosed += closed.length;
    this.counters.windowsRevised += revised.length;
    const added = store.outbox.headSeq() - outboxBefore;
    if (added > 0) {
      this.counters.outboxRowsAdded += added;
      for (const listener of this.outboxListeners) listener();
    }
    // After ingest's own accounting: rows a listener adds (alarm events) are not ingest's.
    if (closed.length > 0)
      for (const listener of this.windowListeners)
        try {
          listener(closed);
        } catch (err) {
          this.o.log.error({ err }, 'a window listener failed; ingest goes on');
        }
  }

  private writeWindow(w: ClosedWindow, nowMs: number): void {
    const { store } = this.o;
    for (const s of w.streams)
      store.summaries.upsert(
        store.readings.streamId(s.device, s.point),
        w.lengthMs,
        w.t0,
        s.rev,
        s.stats,
        s.clockState,
      );
    const records = toSummaryRecords(w, this.o.unitOf);
    const window = { windowMs: w.lengthMs, t0: w.t0 };
    store.outbox.enqueue('summary', PRIORITY.live, nowMs, JSON.stringify(records), window);
    for (const { kind, make } of this.recordMakers) {
      let made: unknown[];
      try {
        made = make(w);
      } catch (err) {
        this.o.log.error({ err, kind, t0: w.t0 }, 'a window record maker failed; skipped');
        continue;
      }
      if (made.length > 0)
        store.outbox.enqueue(kind, PRIORITY.live, nowMs, JSON.stringify(made), window);
    }
  }

  private refoldFrom(): number {
    return this.o.aggregator.minOpenReadingId() ?? Number.MAX_SAFE_INTEGER;
  }

  private saveCursors(): void {
    const { store, aggregator } = this.o;
    for (const length of aggregator.lengthsMs) {
      const through = aggregator.getClosedThrough(length);
      if (through !== undefined) store.meta.set(metaClosedThrough(length), String(through));
    }
    // With no window open, anything written from now on is newer than every row there is.
    store.meta.set(META_REFOLD_FROM, String(this.refoldFrom()));
  }

  /** Keeps the ring within its row cap: rotates out readings already in closed windows. */
  private rotateRing(): void {
    const excess = this.o.store.readings.count() - this.o.readingsMaxRows;
    if (excess > 0) this.counters.pruned += this.o.store.rotateReadings(excess, this.refoldFrom());
  }

  private checkBudget(nowMs: number): void {
    const { budget } = this.o;
    if (!budget) return;
    try {
      const pass = budget.enforce({
        nowMs,
        keepReadingsFromId: this.refoldFrom(),
        closedThroughMs: this.o.aggregator.closedThroughAll(),
      });
      this.counters.pruned += pass.rawDropped;
    } catch (err) {
      // The budget's own savepoint rolled back; the tick's data still lands.
      this.o.log.error({ err }, 'store budget check failed');
    }
  }

  /** Restores the window cursors and the windows still open or within their grace period. */
  private rebuildWindows(): void {
    const { store, aggregator, clock } = this.o;
    aggregator.reset();
    let oldestOpen = Infinity;
    const nowMs = clock.wallMs();
    for (const length of aggregator.lengthsMs) {
      const through = store.meta.getNumber(metaClosedThrough(length));
      if (through !== undefined) {
        aggregator.restoreClosedThrough(length, through);
        oldestOpen = Math.min(oldestOpen, through);
        this.restoreRecent(length, through, nowMs);
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

  /** Closed windows that a late reading may still revise come back from the summaries. */
  private restoreRecent(length: number, closedThrough: number, nowMs: number): void {
    const { store, aggregator } = this.o;
    if (aggregator.graceMs <= 0) return;
    const from = Math.floor((nowMs - aggregator.graceMs - length) / length) * length;
    const byT0 = new Map<number, StreamWindow[]>();
    for (const row of store.summaries.range(length, from, closedThrough)) {
      const name = store.readings.stream(row.stream);
      if (!name) continue;
      const list = byT0.get(row.t0) ?? [];
      list.push({ ...name, stats: row.stats, clockState: row.clockState, rev: row.rev });
      byT0.set(row.t0, list);
    }
    for (const [t0, streams] of byT0) aggregator.restoreRecent(length, t0, streams, nowMs);
  }
}

/** How many readings, over what time: what a gap record says about dropped readings. */
interface TimeRange {
  rows: number;
  from: number;
  to: number;
}

function emptyRange(): TimeRange {
  return { rows: 0, from: Infinity, to: -Infinity };
}

function extend(range: TimeRange, wallMs: number): void {
  range.rows++;
  range.from = Math.min(range.from, wallMs);
  range.to = Math.max(range.to, wallMs);
}

function bounds(range: TimeRange): { from: number | null; to: number | null } {
  return range.rows > 0 ? { from: range.from, to: range.to } : { from: null, to: null };
}
