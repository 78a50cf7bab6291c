import { describe, expect, it } from 'vitest';
import {
  WindowAggregator,
  type FoldableReading,
} from '../../../runtime/windows/window-aggregator.js';
import { addValue, emptyStats, mergeStats } from '../../../runtime/windows/window-stats.js';

const T = Date.UTC(2026, 10, 21, 10, 0, 0);
let nextId = 1;
const r = (wallMs: number, value: number | null, point = 'voltage'): FoldableReading => ({
  id: nextId++,
  device: 'lamp1',
  point,
  value,
  wallMs,
  clockState: 'synced',
});

describe('WindowAggregator', () => {
  it('aligns windows to UTC multiples and closes them after the delay', () => {
    const agg = new WindowAggregator([60_000], 2_000);
    agg.fold(r(T + 1_000, 230));
    agg.fold(r(T + 59_999, 232));
    agg.fold(r(T + 60_000, 231));
    expect(agg.closeDue(T + 61_999)).toEqual([]);
    const [w] = agg.closeDue(T + 62_000);
    expect(w?.t0).toBe(T);
    expect(w?.streams[0]?.stats).toMatchObject({
      n: 2,
      sum: 462,
      min: 230,
      max: 232,
      last: 232,
      tlast: T + 59_999,
    });
    expect(agg.openWindowCount()).toBe(1);
  });

  it('keeps each configured length separately', () => {
    const agg = new WindowAggregator([60_000, 900_000], 0);
    for (let s = 0; s < 900; s += 10) agg.fold(r(T + s * 1000, s));
    const closed = agg.closeDue(T + 900_000);
    expect(closed.filter((c) => c.lengthMs === 60_000)).toHaveLength(15);
    const quarter = closed.find((c) => c.lengthMs === 900_000);
    expect(quarter?.streams[0]?.stats.n).toBe(90);
    const merged = closed
      .filter((c) => c.lengthMs === 60_000)
      .map((c) => c.streams[0]?.stats ?? emptyStats())
      .reduce(mergeStats);
    expect(merged).toEqual(quarter?.streams[0]?.stats);
  });

  it('counts bad readings without letting them into the numbers', () => {
    const agg = new WindowAggregator([60_000], 0);
    agg.fold(r(T, 5));
    agg.fold(r(T + 1, null));
    agg.fold(r(T + 2, NaN));
    const [w] = agg.closeDue(T + 60_000);
    expect(w?.streams[0]?.stats).toMatchObject({ n: 1, bad: 2, min: 5, max: 5, last: 5 });
  });

  it('counts a reading for a closed window as late and does not reopen it', () => {
    const agg = new WindowAggregator([60_000], 0);
    agg.fold(r(T, 1));
    agg.closeDue(T + 60_000);
    expect(agg.fold(r(T + 30_000, 2))).toBe('late');
    expect(agg.late).toBe(1);
    expect(agg.closeDue(T + 120_000)).toEqual([]);
  });

  it('moves the cursor past windows with no readings, so later stragglers are late', () => {
    const agg = new WindowAggregator([60_000], 0);
    agg.fold(r(T, 1));
    agg.closeDue(T + 60_000);
    agg.closeDue(T + 600_000);
    expect(agg.getClosedThrough(60_000)).toBe(T + 600_000);
    expect(agg.fold(r(T + 300_000, 2))).toBe('late');
  });

  it('keeps `last` as the latest by time, not by arrival', () => {
    const s = emptyStats();
    addValue(s, 10, T + 5);
    addValue(s, 20, T + 1);
    expect(s.last).toBe(10);
  });

  it("carries the least trustworthy clock state of a window's readings", () => {
    const agg = new WindowAggregator([60_000], 0);
    agg.fold(r(T, 1));
    agg.fold({ ...r(T + 1, 2), clockState: 'unsynced' });
    agg.fold(r(T + 2, 3));
    expect(agg.closeDue(T + 60_000)[0]?.streams[0]?.clockState).toBe('unsynced');
  });

  it('tracks the oldest store row an open window still needs', () => {
    const agg = new WindowAggregator([60_000], 0);
    agg.fold({ ...r(T, 1), id: 500 });
    agg.fold({ ...r(T + 60_000, 1), id: 501 });
    expect(agg.minOpenReadingId()).toBe(500);
    agg.closeDue(T + 60_000);
    expect(agg.minOpenReadingId()).toBe(501);
  });
});

describe('WindowAggregator grace period', () => {
  it('revises a closed window for a reading within grace, with the next revision number', () => {
    const agg = new WindowAggregator([60_000], 0, 120_000);
    agg.fold(r(T + 1_000, 1));
    const [first] = agg.closeDue(T + 60_000);
    expect(first?.streams[0]?.rev).toBe(0);
    expect(agg.fold(r(T + 30_000, 5), { restamped: true })).toBe('revised');
    const [revised] = agg.takeRevised();
    expect(revised?.t0).toBe(T);
    expect(revised?.streams[0]).toMatchObject({ rev: 1, stats: { n: 2, max: 5 } });
    expect(agg.takeRevised()).toEqual([]);
    // After the grace period the window is final: a reading for it is late.
    agg.closeDue(T + 60_000 + 120_000);
    expect(agg.fold(r(T + 30_000, 6))).toBe('late');
    expect(agg.late).toBe(1);
  });

  it('marks the open windows on both sides of a clock step', () => {
    const agg = new WindowAggregator([60_000], 0);
    agg.fold(r(T + 10_000, 1));
    agg.fold(r(T + 70_000, 1));
    expect(agg.markClockStep(T + 10_000, T + 70_000)).toBe(2);
    const closed = agg.closeDue(T + 120_000);
    expect(closed.map((w) => w.streams[0]?.stats.flags)).toEqual([1, 1]);
  });
});
