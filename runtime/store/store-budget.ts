import { CLOCK_STATES } from '../clock/clock.js';
import type { Log } from '../log/logger.js';
import type { StreamWindow } from '../windows/window-aggregator.js';
import { toSummaryRecords, type UnitLookup } from '../windows/summary-records.js';
import { emptyStats, mergeStats, WINDOW_FLAGS } from '../windows/window-stats.js';
import { ROTATED } from './gaps-table.js';
import { PRIORITY } from './outbox-table.js';
import type { Store } from './store.js';

/** Fractions of the budget each class may keep once the store is full. */
export interface BudgetShares {
  raw: number;
  summaries: number;
  events: number;
}

export interface StoreBudgetOptions {
  store: Store;
  log: Log;
  unitOf: UnitLookup;
  /** The most bytes the database may hold (pages in use; the WAL is bounded separately). */
  budgetBytes: number;
  shares: BudgetShares;
  /** Fine windows are compacted into windows of this length. */
  compactToMs: number;
  /** The configured window lengths (a configured coarse length needs no merge to compact). */
  windowLengthsMs: readonly number[];
  /** Acked outbox rows are kept this long for replay (unless space is needed). */
  keepAckedMs: number;
  /** Reclaim starts above this fraction of the budget and stops below `lowWater`. */
  highWater?: number;
  lowWater?: number;
}

/** Where the caller's windows stand: what the budget must not touch. */
export interface BudgetContext {
  nowMs: number;
  /** Readings from this id on are still needed to rebuild open windows. */
  keepReadingsFromId: number;
  /** Every window of every length before this wall time is closed. */
  closedThroughMs: number | undefined;
}

export interface BudgetPass {
  usedBefore: number;
  usedAfter: number;
  rawDropped: number;
  windowsCompacted: number;
  summariesDropped: number;
  eventsDropped: number;
}

type Stage = 'raw' | 'compact' | 'coarse' | 'events';
const STAGES: readonly Stage[] = ['raw', 'compact', 'coarse', 'events'];

/** A first guess at a raw row's size, until the store has been measured. */
const RAW_ROW_BYTES_GUESS = 48;

/**
 * Keeps the store within its disk budget. While there is room, classes may use what they like;
 * once the store passes the high-water mark it reclaims, in a fixed order, until it is under
 * the low-water mark: raw readings oldest first; then fine windows compacted into coarse ones
 * (an exact merge); then the oldest coarse summaries; and only then events and alarms. Each
 * class over its share goes first within its stage. Every drop is counted by reason, and what
 * the platform will now never receive is described by a gap record queued upstream in the same
 * transaction as the deletion.
 */
export class StoreBudget {
  private rawRowBytes = RAW_ROW_BYTES_GUESS;
  private readonly highWater: number;
  private readonly lowWater: number;

  constructor(private readonly o: StoreBudgetOptions) {
    this.highWater = o.highWater ?? 0.95;
    this.lowWater = o.lowWater ?? 0.85;
  }

  /** One check; does nothing below the high-water mark except keep raw within its share. */
  enforce(ctx: BudgetContext): BudgetPass {
    const { store } = this.o;
    const budget = this.o.budgetBytes;
    const pass: BudgetPass = {
      usedBefore: store.usedBytes(),
      usedAfter: 0,
      rawDropped: 0,
      windowsCompacted: 0,
      summariesDropped: 0,
      eventsDropped: 0,
    };
    store.transaction(() => {
      store.outbox.purgeAcked(ctx.nowMs - this.o.keepAckedMs);
      const rawShare = this.o.shares.raw * budget;
      if (store.readings.count() * this.rawRowBytes > rawShare)
        pass.rawDropped += store.rotateReadings(
          Math.ceil((store.readings.count() * this.rawRowBytes - rawShare) / this.rawRowBytes),
          ctx.keepReadingsFromId,
        );
      let used = store.usedBytes();
      if (used <= this.highWater * budget) return;
      // Acked rows have nothing left but their replay value: they go before any data.
      store.outbox.purgeAcked(ctx.nowMs + 1);
      used = store.usedBytes();
      if (used <= this.highWater * budget) return;
      const classes = store.classBytes();
      if (store.readings.count() > 0)
        this.rawRowBytes = Math.max(8, classes.raw / store.readings.count());
      const target = this.lowWater * budget;
      for (const stage of STAGES) {
        for (let guard = 0; used > target && guard < 10_000; guard++) {
          const progressed = this.step(stage, used - target, ctx, pass);
          used = store.usedBytes();
          if (!progressed) break;
        }
        if (used <= target) break;
      }
    });
    pass.usedAfter = store.usedBytes();
    if (pass.rawDropped + pass.windowsCompacted + pass.summariesDropped + pass.eventsDropped > 0)
      this.o.log.warn({ ...pass, budget }, 'store budget reached; reclaimed space');
    return pass;
  }

  /** One reclaim step of a stage; false when the stage has nothing left to give. */
  private step(stage: Stage, excess: number, ctx: BudgetContext, pass: BudgetPass): boolean {
    switch (stage) {
      case 'raw': {
        const rows = Math.max(100, Math.ceil(excess / this.rawRowBytes));
        const n = this.dropRaw(rows, ctx);
        pass.rawDropped += n;
        return n > 0;
      }
      case 'compact': {
        const done = this.compactOldest(ctx);
        pass.windowsCompacted += done;
        return done > 0;
      }
      case 'coarse': {
        const n = this.dropOldestCoarse(ctx.nowMs);
        pass.summariesDropped += n;
        return n > 0;
      }
      case 'events': {
        const n = this.dropOldestEvents(ctx.nowMs);
        pass.eventsDropped += n;
        return n > 0;
      }
    }
  }

  /** Drops the oldest raw readings under budget pressure, held ones included (with a gap). */
  private dropRaw(rows: number, ctx: BudgetContext): number {
    const { readings, gaps } = this.o.store;
    const ev = readings.evictOldest(rows, ctx.keepReadingsFromId);
    gaps.count(ROTATED, ev.rows - ev.unsummarised.rows);
    if (ev.unsummarised.rows > 0)
      gaps.record(
        {
          class: 'raw',
          reason: 'raw_budget',
          from: ev.unsummarised.fromMs,
          to: ev.unsummarised.toMs,
          rows: ev.unsummarised.rows,
        },
        ctx.nowMs,
      );
    return ev.rows;
  }

  /** Compacts the oldest fully closed coarse span that still has finer windows. Returns the
   * number of fine windows removed (0 when there is nothing left to compact). */
  private compactOldest(ctx: BudgetContext): number {
    const { summaries, outbox, readings, gaps } = this.o.store;
    const coarse = this.o.compactToMs;
    const fine = [...summaries.lengths().keys()].filter((l) => l < coarse);
    let oldest: number | undefined;
    for (const l of fine) {
      const t = summaries.oldestT0(l);
      if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
    }
    if (oldest === undefined) return 0;
    const from = Math.floor(oldest / coarse) * coarse;
    const to = from + coarse;
    if (ctx.closedThroughMs === undefined || to > ctx.closedThroughMs) return 0;

    // The coarse window already exists when it is a configured length or was compacted before;
    // otherwise it is the exact merge of the finest windows in the span.
    if (summaries.range(coarse, from, to).length === 0) {
      const finest = Math.min(...fine.filter((l) => summaries.range(l, from, to).length > 0));
      const merged = new Map<number, StreamWindow>();
      for (const row of summaries.range(finest, from, to)) {
        const name = readings.stream(row.stream);
        if (!name) continue;
        const prev = merged.get(row.stream);
        const worst =
          prev && CLOCK_STATES.indexOf(prev.clockState) > CLOCK_STATES.indexOf(row.clockState)
            ? prev.clockState
            : row.clockState;
        merged.set(row.stream, {
          device: name.device,
          point: name.point,
          stats: mergeStats(prev?.stats ?? emptyStats(), row.stats),
          clockState: worst,
          rev: 0,
        });
      }
      const streams = [...merged.entries()];
      for (const [id, s] of streams) {
        s.stats.flags |= WINDOW_FLAGS.compacted;
        summaries.upsert(id, coarse, from, 0, s.stats, s.clockState);
      }
      if (!this.o.windowLengthsMs.includes(coarse) && streams.length > 0)
        outbox.enqueue(
          'summary',
          PRIORITY.backfillCoarse,
          ctx.nowMs,
          JSON.stringify(
            toSummaryRecords(
              { lengthMs: coarse, t0: from, streams: streams.map(([, s]) => s) },
              this.o.unitOf,
            ),
          ),
          { windowMs: coarse, t0: from },
        );
    }
    let removed = 0;
    for (const l of fine) {
      const seqs = outbox.unsentWindows(l, from, to);
      outbox.remove(seqs);
      const rows = summaries.deleteRange(l, from, to);
      removed += rows;
      if (seqs.length > 0)
        gaps.record(
          {
            class: 'summary',
            reason: 'compacted',
            windowMs: l,
            replacedByMs: coarse,
            from,
            to,
            rows,
            seqs,
          },
          ctx.nowMs,
        );
      else gaps.count('compacted', rows);
    }
    return removed;
  }

  /** Drops the oldest span of the coarsest windows (with their unsent outbox rows). */
  private dropOldestCoarse(nowMs: number): number {
    const { summaries, outbox, gaps } = this.o.store;
    let oldest: { length: number; t0: number } | undefined;
    for (const length of summaries.lengths().keys()) {
      const t0 = summaries.oldestT0(length);
      if (t0 !== undefined && (!oldest || t0 < oldest.t0)) oldest = { length, t0 };
    }
    if (!oldest) return 0;
    const span = Math.max(oldest.length, this.o.compactToMs);
    const from = Math.floor(oldest.t0 / span) * span;
    const to = from + span;
    let dropped = 0;
    for (const length of summaries.lengths().keys()) {
      const seqs = outbox.unsentWindows(length, from, to);
      outbox.remove(seqs);
      const rows = summaries.deleteRange(length, from, to);
      if (rows === 0 && seqs.length === 0) continue;
      dropped += rows;
      gaps.record(
        { class: 'summary', reason: 'summary_budget', windowMs: length, from, to, rows, seqs },
        nowMs,
      );
    }
    return dropped;
  }

  /** Drops the oldest tenth of the events (at least one). */
  private dropOldestEvents(nowMs: number): number {
    const { events, gaps } = this.o.store;
    const n = Math.max(1, Math.ceil(events.count() / 10));
    const dropped = events.dropOldest(n);
    if (dropped.rows > 0)
      gaps.record(
        {
          class: 'event',
          reason: 'event_budget',
          from: dropped.fromMs,
          to: dropped.toMs,
          rows: dropped.rows,
        },
        nowMs,
      );
    return dropped.rows;
  }
}
