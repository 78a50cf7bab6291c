import type { ClockState } from '../clock/clock.js';
import { CLOCK_STATES } from '../clock/clock.js';
import { streamKey } from '../shared/stream-key.js';
import { addValue, emptyStats, WINDOW_FLAGS, type WindowStats } from './window-stats.js';

/** What the aggregator needs from a reading. `id` is its row in the store. */
export interface FoldableReading {
  id: number;
  device: string;
  point: string;
  value: number | null;
  wallMs: number;
  clockState: ClockState;
}

export interface StreamWindow {
  device: string;
  point: string;
  stats: WindowStats;
  /** The least trustworthy clock state among the readings folded in. */
  clockState: ClockState;
  /** Revision last handed out for this stream's window; -1 before its first publication. */
  rev: number;
}

/** One closed window of one length, across the streams it reports. */
export interface ClosedWindow {
  lengthMs: number;
  /** Start of the window, UTC-aligned: t0 % lengthMs === 0. The window is [t0, t0 + lengthMs). */
  t0: number;
  streams: StreamWindow[];
}

interface WindowState {
  t0: number;
  streams: Map<string, StreamWindow>;
  minReadingId: number;
  flags: number;
  /** Streams changed by late readings since the last `takeRevised()`. */
  revised?: Set<string>;
}

export type FoldResult = 'folded' | 'revised' | 'late';

export interface FoldOptions {
  /** False when re-folding stored readings on a restart: they were counted when they arrived. */
  countLate?: boolean;
  /** The reading's wall time was re-stamped from monotonic time at the first clock sync. */
  restamped?: boolean;
}

/**
 * Tumbling windows aligned to UTC multiples of each configured length. Readings are folded in as
 * they are committed; a window closes once the wall clock passes its end plus `closeDelayMs`
 * (room for a poll that started before the end to be committed). A closed window is kept for
 * `graceMs` after its end: a reading for it in that time revises it (the next revision number
 * is published); a reading later than that is counted as late and not folded.
 */
export class WindowAggregator {
  private readonly open = new Map<number, Map<number, WindowState>>();
  /** Closed windows still within their grace period, per length. */
  private readonly recent = new Map<number, Map<number, WindowState>>();
  private readonly closedThrough = new Map<number, number>();
  private lateCount = 0;
  /** Wall time of the last `closeDue`: windows ending before it minus grace are beyond revision. */
  private lastCloseWallMs = -Infinity;

  constructor(
    readonly lengthsMs: readonly number[],
    private readonly closeDelayMs: number,
    readonly graceMs = 0,
  ) {
    for (const length of lengthsMs) {
      this.open.set(length, new Map());
      this.recent.set(length, new Map());
    }
  }

  /** Restores where each length had closed up to (from the store's meta). */
  restoreClosedThrough(lengthMs: number, throughMs: number): void {
    this.closedThrough.set(lengthMs, throughMs);
  }

  /** Restores a closed window still within its grace period (from the store's summaries). */
  restoreRecent(lengthMs: number, t0: number, streams: StreamWindow[], nowWallMs: number): void {
    this.lastCloseWallMs = Math.max(this.lastCloseWallMs, nowWallMs);
    const byLength = this.recent.get(lengthMs);
    if (!byLength) return;
    const w = byLength.get(t0) ?? { t0, streams: new Map(), minReadingId: 0, flags: 0 };
    for (const s of streams) w.streams.set(streamKey(s.device, s.point), s);
    byLength.set(t0, w);
  }

  /** Tells the aggregator the current (synced) wall time: grace is measured from it. */
  noteTime(nowWallMs: number): void {
    this.lastCloseWallMs = Math.max(this.lastCloseWallMs, nowWallMs);
  }

  getClosedThrough(lengthMs: number): number | undefined {
    return this.closedThrough.get(lengthMs);
  }

  /** Wall time before which every length has closed: readings older than this are folded. */
  closedThroughAll(): number | undefined {
    let min: number | undefined;
    for (const length of this.lengthsMs) {
      const t = this.closedThrough.get(length);
      if (t === undefined) return undefined;
      min = min === undefined ? t : Math.min(min, t);
    }
    return min;
  }

  /** Folds one reading into each length's window. */
  fold(r: FoldableReading, options: FoldOptions = {}): FoldResult {
    return this.foldWithId(r, r.id, options);
  }

  /** `fold` for a reading whose store id is separate (ingest's hot path: no object copy). */
  foldWithId(
    r: Omit<FoldableReading, 'id'>,
    id: number,
    { countLate = true, restamped = false }: FoldOptions = {},
  ): FoldResult {
    let result: FoldResult = 'folded';
    const key = streamKey(r.device, r.point);
    for (const [length, windows] of this.open) {
      const t0 = Math.floor(r.wallMs / length) * length;
      const through = this.closedThrough.get(length);
      let w: WindowState | undefined;
      if (through !== undefined && t0 < through) {
        w = this.recentWindow(length, t0);
        if (!w) {
          result = 'late';
          continue;
        }
        if (result === 'folded') result = 'revised';
      } else {
        w = windows.get(t0);
        if (!w) {
          w = { t0, streams: new Map(), minReadingId: id, flags: 0 };
          windows.set(t0, w);
        }
        if (id < w.minReadingId) w.minReadingId = id;
      }
      let s = w.streams.get(key);
      if (!s) {
        s = {
          device: r.device,
          point: r.point,
          stats: emptyStats(),
          clockState: r.clockState,
          rev: -1,
        };
        w.streams.set(key, s);
      }
      addValue(s.stats, r.value, r.wallMs);
      if (restamped) s.stats.flags |= WINDOW_FLAGS.restamped;
      if (CLOCK_STATES.indexOf(r.clockState) > CLOCK_STATES.indexOf(s.clockState))
        s.clockState = r.clockState;
      if (w.revised) w.revised.add(key);
    }
    if (result === 'late' && countLate) this.lateCount++;
    return result;
  }

  /** A closed window that may still be revised, made on first use if it had no readings. */
  private recentWindow(length: number, t0: number): WindowState | undefined {
    if (t0 + length + this.graceMs <= this.lastCloseWallMs) return undefined;
    const byLength = this.recent.get(length);
    let w = byLength?.get(t0);
    if (!w && byLength) {
      w = { t0, streams: new Map(), minReadingId: 0, flags: 0 };
      byLength.set(t0, w);
    }
    if (w) w.revised ??= new Set();
    return w;
  }

  /** Closes every window whose end + closeDelay has passed, oldest first, and forgets closed
   * windows whose grace has run out. Each stream's `rev` is set to what it is published as. */
  closeDue(nowWallMs: number): ClosedWindow[] {
    this.lastCloseWallMs = Math.max(this.lastCloseWallMs, nowWallMs);
    const closed: ClosedWindow[] = [];
    for (const [length, windows] of this.open) {
      const recent = this.recent.get(length);
      for (const [t0, w] of [...windows].sort((a, b) => a[0] - b[0])) {
        if (t0 + length + this.closeDelayMs > nowWallMs) break;
        windows.delete(t0);
        const streams = [...w.streams.values()];
        for (const s of streams) {
          s.rev = 0;
          s.stats.flags |= w.flags;
        }
        closed.push({ lengthMs: length, t0, streams });
        if (this.graceMs > 0 && t0 + length + this.graceMs > nowWallMs) recent?.set(t0, w);
        this.closedThrough.set(
          length,
          Math.max(this.closedThrough.get(length) ?? -Infinity, t0 + length),
        );
      }
      // Nothing arrived for a while (device offline, gateway down): the cursor still moves, so
      // a reading that turns up later for a window that has passed counts as late.
      const due = Math.floor((nowWallMs - this.closeDelayMs) / length) * length;
      if (due > (this.closedThrough.get(length) ?? -Infinity) && this.closedThrough.has(length))
        this.closedThrough.set(length, due);
      for (const t0 of recent?.keys() ?? [])
        if (t0 + length + this.graceMs <= nowWallMs && !recent?.get(t0)?.revised?.size)
          recent?.delete(t0);
    }
    return closed.sort((a, b) => a.t0 - b.t0 || a.lengthMs - b.lengthMs);
  }

  /** Closed windows revised by late readings since the last call, with only the streams that
   * changed, each with its next revision number. */
  takeRevised(): ClosedWindow[] {
    const out: ClosedWindow[] = [];
    for (const [length, recent] of this.recent) {
      for (const w of recent.values()) {
        if (!w.revised?.size) continue;
        const streams: StreamWindow[] = [];
        for (const key of w.revised) {
          const s = w.streams.get(key);
          if (!s) continue;
          s.rev += 1;
          s.stats.flags |= w.flags;
          streams.push(s);
        }
        w.revised.clear();
        out.push({ lengthMs: length, t0: w.t0, streams });
      }
    }
    return out.sort((a, b) => a.t0 - b.t0 || a.lengthMs - b.lengthMs);
  }

  /** Marks the open windows that hold either side of a wall-clock step. */
  markClockStep(beforeWallMs: number, afterWallMs: number): number {
    let marked = 0;
    for (const [length, windows] of this.open) {
      for (const wall of [beforeWallMs, afterWallMs]) {
        const w = windows.get(Math.floor(wall / length) * length);
        if (w && (w.flags & WINDOW_FLAGS.clockStep) === 0) {
          w.flags |= WINDOW_FLAGS.clockStep;
          marked++;
        }
      }
    }
    return marked;
  }

  /** The lowest store row id still needed to rebuild the open windows after a restart. */
  minOpenReadingId(): number | undefined {
    let min: number | undefined;
    for (const windows of this.open.values())
      for (const w of windows.values())
        min = min === undefined ? w.minReadingId : Math.min(min, w.minReadingId);
    return min;
  }

  openWindowCount(): number {
    let n = 0;
    for (const windows of this.open.values()) n += windows.size;
    return n;
  }

  /** Closed windows kept in memory for revision; bounded by grace / length per stream. */
  recentWindowCount(): number {
    let n = 0;
    for (const windows of this.recent.values()) n += windows.size;
    return n;
  }

  get late(): number {
    return this.lateCount;
  }

  /** Forgets all windows and cursors (before rebuilding them from the store). */
  reset(): void {
    for (const windows of this.open.values()) windows.clear();
    for (const windows of this.recent.values()) windows.clear();
    this.closedThrough.clear();
    this.lastCloseWallMs = -Infinity;
  }
}
