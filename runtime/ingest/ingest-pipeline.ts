import { stampNow, type Clock, type TimerHandle } from '../clock/clock.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import type { Reading } from '../shared/reading.js';
import { ROTATED } from '../store/gaps-table.js';
import { PRIORITY } from '../store/outbox-table.js';
import { HELD } from '../store/readings-table.js';
import type { Store } from '../store/store.js';
import type { StoreBudget } from '../store/store-budget.js';
import { toSummaryRecords, type UnitLookup } from '../windows/summary-records.js';
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
/** A wall-clock jump larger than this between two ticks is a step, not drift. */
const STEP_THRESHOLD_MS = 1_000;

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
  private readonly counters = {
    committed: 0,
    windowsClosed: 0,
    windowsRevised: 0,
    outboxRowsAdded: 0,
    commitFailures: 0,
    droppedBufferFull: 0,
    pruned: 0,
    restamped: 0,
    clockSteps: 0,
  };
  private readonly maxBuffered: number;
  /** Drops already reported in the log. */
  private dropsLogged = 0;
  private heldForClock = 0;
  private otherBootsChecked = false;
  private lastTick?: { wallMs: number; monoNs: bigint; synced: boolean };
  private bytesAtStart = 0;
  private readonly bufferDrops = { rows: 0, from: Infinity, to: -Infinity };
  /** Readings of this tick too late for their window (one gap record per tick). */
  private readonly late = { rows: 0, from: Infinity, to: -Infinity };

  constructor(private readonly o: IngestOptions) {
    this.maxBuffered = o.maxBuffered ?? 100_000;
  }

  async start(): Promise<void> {
    this.rebuildWindows();
    this.heldForClock = this.o.store.readings.heldCount(this.o.clock.bootId);
    this.bytesAtStart = this.o.store.bytesWritten();
    if (this.o.clock.syncState() !== 'synced')
      this.o.log.warn(
        { clock: this.o.clock.syncState(), held: this.heldForClock },
        'the clock is not synced: readings are stored but held out of summaries until it is (set clock.sync: trust-os if this box keeps time without timesyncd)',
      );
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
    const d = this.bufferDrops;
    for (const r of readings) {
      d.rows++;
      d.from = Math.min(d.from, r.wallMs);
      d.to = Math.max(d.to, r.wallMs);
    }
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
      heldForClock: this.heldForClock,
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
    let held = 0;
    try {
      store.transaction(() => {
        if (synced) aggregator.noteTime(nowMs);
        const late = this.late;
        late.rows = 0;
        late.from = Infinity;
        late.to = -Infinity;
        for (const r of batch) {
          if (r.clockState !== 'synced') {
            // Its wall time cannot be trusted: keep it out of the windows until re-stamped.
            store.readings.insert(r, HELD.clockSync);
            if (r.bootId === clock.bootId) held++;
            continue;
          }
          const id = store.readings.insert(r);
          if (aggregator.foldWithId(r, id) === 'late') this.countLate(r.wallMs);
        }
        this.watchClock(nowMs, synced);
        if (synced) this.restampHeld(nowMs);
        if (late.rows > 0)
          store.gaps.record(
            { class: 'reading', reason: 'late', from: late.from, to: late.to, rows: late.rows },
            nowMs,
          );
        const lost = this.bufferDrops;
        if (lost.rows > 0)
          store.gaps.record(
            {
              class: 'reading',
              reason: 'buffer_full',
              from: Number.isFinite(lost.from) ? lost.from : null,
              to: Number.isFinite(lost.to) ? lost.to : null,
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
      this.heldForClock = store.readings.heldCount(clock.bootId);
      this.rebuildWindows();
      return;
    }
    this.heldForClock += held;
    this.bufferDrops.rows = 0;
    this.bufferDrops.from = Infinity;
    this.bufferDrops.to = -Infinity;
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
  }

  private countLate(wallMs: number): void {
    this.late.rows++;
    this.late.from = Math.min(this.late.from, wallMs);
    this.late.to = Math.max(this.late.to, wallMs);
  }

  /** Records a wall-clock step between two ticks and marks the windows on either side. */
  private watchClock(nowMs: number, synced: boolean): void {
    const { clock, aggregator, store } = this.o;
    const monoNs = clock.monoNs();
    const last = this.lastTick;
    this.lastTick = { wallMs: nowMs, monoNs, synced };
    if (!last) return;
    const expected = last.wallMs + Number(monoNs - last.monoNs) / 1e6;
    const stepMs = nowMs - expected;
    if (Math.abs(stepMs) <= STEP_THRESHOLD_MS) return;
    this.counters.clockSteps++;
    const marked = last.synced && synced ? aggregator.markClockStep(expected, nowMs) : 0;
    store.events.add(
      'clock_step',
      'warning',
      stampNow(clock),
      {
        stepMs: Math.round(stepMs),
        from: last.synced ? Math.round(expected) : null,
        to: synced ? nowMs : null,
        wasSynced: last.synced,
        synced,
        windowsMarked: marked,
      },
      nowMs,
    );
    this.o.log.warn({ stepMs: Math.round(stepMs), synced }, 'the wall clock stepped');
  }

  /** At the first sync of this boot: re-stamps the readings held for it, and sets aside
   * those held by earlier boots that never synced (they cannot be placed in time). */
  private restampHeld(nowMs: number): void {
    const { store, clock, aggregator } = this.o;
    if (!this.otherBootsChecked) {
      this.otherBootsChecked = true;
      const lost = store.readings.quarantineOtherBoots(clock.bootId);
      if (lost.rows > 0) {
        const lastKnown = store.lastKnownWallMs ?? null;
        store.gaps.record(
          {
            class: 'reading',
            reason: 'clock_unknown',
            from: lastKnown,
            to: nowMs,
            rows: lost.rows,
          },
          nowMs,
        );
      }
    }
    // Counted at start and on every insert, so the common case costs no query.
    if (this.heldForClock === 0) return;
    // Within one boot the monotonic clock is continuous: wall = mono + (wall − mono) now.
    const offsetMs = nowMs - Number(clock.monoNs()) / 1e6;
    const n = store.readings.restamp(clock.bootId, offsetMs, (r) => {
      // Held so long that its window is past grace: counted and reported like any late reading.
      if (aggregator.fold(r, { restamped: true }) === 'late') this.countLate(r.wallMs);
    });
    this.counters.restamped += n;
    this.heldForClock = 0;
    this.o.log.info(
      { readings: n, offsetMs: Math.round(offsetMs) },
      'clock synced; re-stamped held readings',
    );
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
    store.outbox.enqueue('summary', PRIORITY.live, nowMs, JSON.stringify(records), {
      windowMs: w.lengthMs,
      t0: w.t0,
    });
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
    const { readings, gaps } = this.o.store;
    const excess = readings.count() - this.o.readingsMaxRows;
    if (excess <= 0) return;
    const stop = Math.min(this.refoldFrom(), readings.firstHeldId() ?? Infinity);
    const ev = readings.evictOldest(excess, stop);
    gaps.count(ROTATED, ev.rows);
    this.counters.pruned += ev.rows;
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
