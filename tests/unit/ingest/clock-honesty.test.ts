import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../../runtime/store/events-table.js';
import type { GapRecord } from '../../../runtime/store/gaps-table.js';
import type { SummaryRecord } from '../../../runtime/windows/summary-records.js';
import { T0, manualClock, reading, storeAndIngest } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

type Harness = ReturnType<typeof storeAndIngest>;

function queued(store: Harness['store'], kind: string): unknown[] {
  return store.outbox
    .after(0, 10_000)
    .filter((r) => r.kind === kind)
    .flatMap((r) => JSON.parse(r.body) as unknown[]);
}

describe('IngestPipeline and time', () => {
  it('holds readings taken before the clock synced, then re-stamps them from monotonic time', async () => {
    // The box booted with its clock at the image build date, an hour before true time.
    const wrong = T0 - 3_600_000;
    const clock = manualClock(wrong);
    clock.setSyncState('unsynced');
    const { store, ingest } = storeAndIngest(tempDir(), clock);
    await store.start();
    await ingest.start();
    for (let s = 0; s < 90; s++) {
      ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    expect(ingest.stats().heldForClock).toBe(90);
    expect(store.summaries.count()).toBe(0);
    expect(queued(store, 'summary')).toEqual([]);
    // NTP answers: the wall clock steps forward by the hour it was behind.
    clock.stepWall(3_600_000);
    clock.setSyncState('synced');
    await clock.advance(1000);
    await clock.advance(120_000);
    const records = queued(store, 'summary') as SummaryRecord[];
    const voltage = records.filter((r) => r.m === 'voltage');
    // 90 readings, one a second, ending ~1 s before the sync: re-stamped into true time.
    expect(voltage.reduce((n, r) => n + r.n, 0)).toBe(90);
    for (const r of voltage) {
      expect(r.t0).toBeGreaterThanOrEqual(T0);
      expect(r.flags).toContain('restamped');
      expect(r.clock).toBe('unsynced');
    }
    expect(ingest.stats()).toMatchObject({ heldForClock: 0, restamped: 90 });
    // The sync itself was a step, recorded as an event with no bogus time on the unsynced side.
    const [step] = queued(store, 'event') as EventRecord[];
    expect(step).toMatchObject({ kind: 'clock_step', data: { wasSynced: false, from: null } });
    await ingest.stop();
    await store.stop();
  });

  it('records a step of a synced clock as an event and marks the windows on both sides', async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock);
    await store.start();
    await ingest.start();
    for (let s = 0; s < 30; s++) {
      ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    clock.stepWall(45_000);
    for (let s = 0; s < 100; s++) {
      ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    const [step] = queued(store, 'event') as EventRecord[];
    expect(step).toMatchObject({
      kind: 'clock_step',
      severity: 'warning',
      data: { stepMs: 45_000 },
    });
    expect(step?.t).toBeGreaterThan(T0);
    const records = queued(store, 'summary') as SummaryRecord[];
    const straddling = records.filter((r) => r.flags?.includes('clockStep')).map((r) => r.t0);
    expect(straddling).toEqual([T0, T0 + 60_000]);
    await ingest.stop();
    await store.stop();
  });

  it('revises a window for a reading within grace and records a gap for one beyond it', async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock, { graceMs: 120_000 });
    await store.start();
    await ingest.start();
    for (let s = 0; s < 65; s++) {
      ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    // A reading from the first minute arrives after that window was published.
    ingest.push({ ...reading(clock, 'voltage', 500), wallMs: T0 + 30_000 });
    await clock.advance(1000);
    const revisions = (queued(store, 'summary') as SummaryRecord[]).filter((r) => r.t0 === T0);
    expect(revisions.map((r) => [r.rev, r.n, r.max])).toEqual([
      [0, 60, 230],
      [1, 61, 500],
    ]);
    await clock.advance(300_000);
    ingest.push({ ...reading(clock, 'voltage', 600), wallMs: T0 + 30_000 });
    await clock.advance(1000);
    const gaps = queued(store, 'gap') as GapRecord[];
    expect(gaps).toEqual([
      { class: 'reading', reason: 'late', from: T0 + 30_000, to: T0 + 30_000, rows: 1 },
    ]);
    expect(store.gaps.drops()).toMatchObject({ late: 1 });
    await ingest.stop();
    await store.stop();
  });
});
