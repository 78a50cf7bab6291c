import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stampNow } from '../../runtime/clock/clock.js';
import { IngestPipeline } from '../../runtime/ingest/ingest-pipeline.js';
import { silentLog } from '../../runtime/log/logger.js';
import { Store } from '../../runtime/store/store.js';
import { StoreBudget } from '../../runtime/store/store-budget.js';
import { WindowAggregator } from '../../runtime/windows/window-aggregator.js';
import { T0, manualClock, reading } from '../harness/gateway-fixtures.js';
import { tempDir } from '../harness/temp-dir.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STREAMS = 30;

/** Heap after a full collection, when the runner exposes one (vitest.config sets --expose-gc). */
function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

describe('a week without upstream on a small disk budget', () => {
  it('drops raw first, compacts fine windows, then drops the oldest summaries, keeps alarms, records every gap, and keeps memory flat', async () => {
    const clock = manualClock();
    const log = silentLog();
    const store = new Store({ file: join(tempDir(), 'store.db'), clock, log });
    const unitOf = (): string => 'VLT';
    const budgetBytes = 1_500_000;
    const budget = new StoreBudget({
      store,
      log,
      unitOf,
      budgetBytes,
      shares: { raw: 0.3, summaries: 0.6, events: 0.1 },
      compactToMs: HOUR,
      windowLengthsMs: [MINUTE],
      keepAckedMs: DAY,
    });
    const aggregator = new WindowAggregator([MINUTE], 2_000, MINUTE);
    const ingest = new IngestPipeline({
      store,
      budget,
      aggregator,
      clock,
      log,
      unitOf,
      commitIntervalMs: MINUTE,
      readingsMaxRows: 1_000_000,
    });
    await store.start();
    await ingest.start();

    // When each kind of drop was first seen, in simulated time since the outage began.
    const firstSeen = new Map<string, number>();
    const snapshots = new Map<string, { readings: number; oldestMinute: number }>();
    const heap: number[] = [];
    const open: number[] = [];
    let alarms = 0;
    for (let minute = 0; minute < 7 * 24 * 60; minute++) {
      for (let s = 0; s < STREAMS; s++)
        ingest.push(reading(clock, `p${s}`, 230 + Math.sin(minute / 30 + s) * 5));
      if (minute % 360 === 0) {
        store.transaction(() =>
          store.events.add('lamp_failure', 'alarm', stampNow(clock), { n: alarms }, clock.wallMs()),
        );
        alarms++;
      }
      await clock.advance(MINUTE);
      for (const reason of Object.keys(store.gaps.drops()))
        if (!firstSeen.has(reason)) {
          firstSeen.set(reason, clock.wallMs() - T0);
          // What was left of the earlier rungs when this one was first needed.
          snapshots.set(reason, {
            readings: store.readings.count(),
            oldestMinute: store.summaries.oldestT0(MINUTE) ?? Infinity,
          });
        }
      if ((minute + 1) % (24 * 60) === 0) {
        heap.push(heapMb());
        open.push(aggregator.openWindowCount() + aggregator.recentWindowCount());
        // The budget holds at the end of every day (a tick's own growth is the only slack).
        expect(store.usedBytes()).toBeLessThanOrEqual(budgetBytes);
      }
    }

    const drops = store.gaps.drops();
    // Every rung of the ladder was used, in order; alarms were never touched.
    expect(drops.raw_rotated).toBeGreaterThan(0);
    expect(drops.compacted).toBeGreaterThan(0);
    expect(drops.summary_budget).toBeGreaterThan(0);
    expect(drops.event_budget).toBeUndefined();
    expect(store.events.count()).toBe(alarms);
    const at = (r: string): number => firstSeen.get(r) ?? Infinity;
    expect(at('raw_rotated')).toBeLessThanOrEqual(at('compacted'));
    expect(at('compacted')).toBeLessThan(at('summary_budget'));
    // When compaction was first needed, raw had already gone down to the open window's
    // readings; when summaries were first dropped, no finished hour was left uncompacted.
    expect(snapshots.get('compacted')?.readings).toBeLessThanOrEqual(STREAMS);
    const dropSnap = snapshots.get('summary_budget');
    expect(dropSnap?.oldestMinute).toBeGreaterThanOrEqual(
      Math.floor((T0 + at('summary_budget')) / HOUR) * HOUR - HOUR,
    );

    // Every summary the platform will not get is covered by a gap record that is itself queued.
    const gaps = store.gaps.all();
    const compacted = gaps.filter((g) => g.reason === 'compacted');
    const dropped = gaps.filter((g) => g.reason === 'summary_budget');
    expect(compacted.length).toBeGreaterThan(0);
    expect(dropped.length).toBeGreaterThan(0);
    for (const g of [...compacted, ...dropped]) {
      expect(g.to_ms! - g.from_ms!).toBe(HOUR);
      expect(g.from_ms! % HOUR).toBe(0);
    }
    const queuedGaps = store.outbox
      .after(0, 1_000_000)
      .filter((r) => r.kind === 'gap')
      .map((r) => JSON.parse(r.body) as { reason: string }[]);
    expect(queuedGaps.length).toBe(gaps.length);
    // What is left is a contiguous recent history: coarse hours after the dropped ones, then
    // the fine minutes not yet compacted. No hour is both kept and reported dropped.
    const keptHours = store.summaries
      .range(HOUR, 0, Number.MAX_SAFE_INTEGER)
      .map((s) => s.t0)
      .filter((t, i, a) => a.indexOf(t) === i);
    const droppedHours = new Set(dropped.map((g) => g.from_ms ?? -1));
    expect(keptHours.some((t) => droppedHours.has(t))).toBe(false);
    expect(Math.min(...keptHours)).toBeGreaterThan(Math.max(...droppedHours));
    // Every PT1M window of the week is accounted for: sent rows (none), pending rows, or a gap.
    const pendingMinutes = store.outbox
      .after(0, 1_000_000)
      .filter((r) => r.kind === 'summary' && r.priority === 1).length;
    const minutesInGaps = [...compacted, ...dropped]
      .filter((g) => g.window_ms === MINUTE)
      .reduce((n, g) => n + (g.seqs ? countSeqs(g.seqs) : 0), 0);
    expect(pendingMinutes + minutesInGaps).toBe(7 * 24 * 60 - 1);

    // Memory: the same windows open on day 7 as on day 1, and the heap did not grow with the
    // week (a leak of one object per reading would add tens of MB).
    expect(new Set(open).size).toBe(1);
    expect(Math.max(...heap) - (heap[0] ?? 0)).toBeLessThan(8);
    await ingest.stop();
    await store.stop();
  }, 180_000);
});

function countSeqs(text: string): number {
  return (JSON.parse(text) as [number, number][]).reduce((n, [a, b]) => n + b - a + 1, 0);
}
