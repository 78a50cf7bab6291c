import type { ClockState } from '../clock/clock.js';
import { CLOCK_STATES } from '../clock/clock.js';
import { streamKey } from '../shared/stream-key.js';
import { addValue, emptyStats, type WindowStats } from './window-stats.js';

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
}

/** One closed window of one length, across every stream that had readings in it. */
export interface ClosedWindow {
  lengthMs: number;
  /** Start of the window, UTC-aligned: t0 % lengthMs === 0. The window is [t0, t0 + lengthMs). */
  t0: number;
  streams: StreamWindow[];
}

interface OpenWindow {
  t0: number;
  streams: Map<string, StreamWindow>;
  minReadingId: number;
}

export type FoldResult = 'folded' | 'late';

/**
 * Tumbling windows aligned to UTC multiples of each configured length. Readings are folded in as
 * they are committed; a window closes once the wall clock passes its end plus `closeDelayMs`
 * (room for a poll that started before the end to be committed). A reading for a window that
 * has already closed is counted as late and not folded.
 */
export class WindowAggregator {
  private readonly open = new Map<number, Map<number, OpenWindow>>();
  private readonly closedThrough = new Map<number, number>();
  private lateCount = 0;

  constructor(
    readonly lengthsMs: readonly number[],
    private readonly closeDelayMs: number,
  ) {
    for (const length of lengthsMs) this.open.set(length, new Map());
  }

  /** Restores where each length had closed up to (from the store's meta). */
  restoreClosedThrough(lengthMs: number, throughMs: number): void {
    this.closedThrough.set(lengthMs, throughMs);
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

  /** Folds one reading into each length's window. `countLate: false` when re-folding stored
   * readings on a restart, which were counted when they first arrived. */
  fold(r: FoldableReading, { countLate = true } = {}): FoldResult {
    let late = false;
    for (const [length, windows] of this.open) {
      const t0 = Math.floor(r.wallMs / length) * length;
      const through = this.closedThrough.get(length);
      if (through !== undefined && t0 < through) {
        late = true;
        continue;
      }
      let w = windows.get(t0);
      if (!w) {
        w = { t0, streams: new Map(), minReadingId: r.id };
        windows.set(t0, w);
      }
      w.minReadingId = Math.min(w.minReadingId, r.id);
      const key = streamKey(r.device, r.point);
      let s = w.streams.get(key);
      if (!s) {
        s = { device: r.device, point: r.point, stats: emptyStats(), clockState: r.clockState };
        w.streams.set(key, s);
      }
      addValue(s.stats, r.value, r.wallMs);
      if (CLOCK_STATES.indexOf(r.clockState) > CLOCK_STATES.indexOf(s.clockState))
        s.clockState = r.clockState;
    }
    if (late && countLate) this.lateCount++;
    return late ? 'late' : 'folded';
  }

  /** Closes every window whose end + closeDelay has passed, oldest first. */
  closeDue(nowWallMs: number): ClosedWindow[] {
    const closed: ClosedWindow[] = [];
    for (const [length, windows] of this.open) {
      for (const [t0, w] of [...windows].sort((a, b) => a[0] - b[0])) {
        if (t0 + length + this.closeDelayMs > nowWallMs) break;
        windows.delete(t0);
        closed.push({ lengthMs: length, t0, streams: [...w.streams.values()] });
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
    }
    return closed.sort((a, b) => a.t0 - b.t0 || a.lengthMs - b.lengthMs);
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

  get late(): number {
    return this.lateCount;
  }

  /** Forgets all open windows and cursors (before rebuilding them from the store). */
  reset(): void {
    for (const windows of this.open.values()) windows.clear();
    this.closedThrough.clear();
  }
}
