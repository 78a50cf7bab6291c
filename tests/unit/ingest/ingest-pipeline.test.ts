import { join } from 'node:path';
import { copyFileSync, existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { SummaryRecord } from '../../../runtime/windows/summary-records.js';
import { T0, manualClock, reading, storeAndIngest } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

function outboxRecords(store: ReturnType<typeof storeAndIngest>['store']): SummaryRecord[][] {
  return store.outbox.after(0, 1000).map((row) => JSON.parse(row.body) as SummaryRecord[]);
}

describe('IngestPipeline', () => {
  it('commits readings each tick and turns a closed window into a summary and an outbox row', async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock);
    await store.start();
    await ingest.start();
    let wakes = 0;
    ingest.onOutbox(() => wakes++);
    for (let s = 0; s < 60; s++) {
      ingest.push(reading(clock, 'voltage', 230 + (s % 3)));
      ingest.push(reading(clock, 'activePower', s === 7 ? null : 60));
      await clock.advance(1000);
    }
    expect(store.readings.count()).toBe(120);
    expect(store.outbox.stats().pending).toBe(0);
    await clock.advance(2000);
    const [records] = outboxRecords(store);
    expect(wakes).toBe(1);
    expect(store.summaries.count()).toBe(2);
    const voltage = records?.find((r) => r.m === 'voltage');
    expect(voltage).toMatchObject({
      dev: 'lamp1',
      u: 'VLT',
      w: 'PT1M',
      t0: T0,
      rev: 0,
      n: 60,
      bad: 0,
      min: 230,
      max: 232,
      sum: 20 * 693,
      clock: 'synced',
    });
    expect(voltage?.mean).toBeCloseTo(231, 10);
    expect(records?.find((r) => r.m === 'activePower')).toMatchObject({ n: 59, bad: 1, u: 'WTT' });
    await ingest.stop();
    await store.stop();
  });

  it('adds records made from each window in the same commit, and skips a maker that throws', async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock);
    await store.start();
    await ingest.start();
    ingest.addWindowRecords('broken', () => {
      throw new Error('a bug in a maker');
    });
    ingest.addWindowRecords('count', (w) => [{ t0: w.t0, streams: w.streams.length }]);
    ingest.addWindowRecords('nothing', () => []);
    for (let s = 0; s < 60; s++) {
      ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    await clock.advance(2000);
    const rows = store.outbox.after(0, 100);
    expect(rows.map((r) => r.kind)).toEqual(['summary', 'count']);
    expect(JSON.parse(rows[1]?.body ?? '')).toEqual([{ t0: T0, streams: 1 }]);
    expect(ingest.stats().commitFailures).toBe(0);
    await ingest.stop();
    await store.stop();
  });

  it('rebuilds open windows from the store after a crash, so no committed reading is lost', async () => {
    const dir = tempDir();
    const deadClock = manualClock();
    const first = storeAndIngest(dir, deadClock);
    await first.store.start();
    await first.ingest.start();
    for (let s = 0; s < 30; s++) {
      first.ingest.push(reading(deadClock, 'voltage', 230));
      await deadClock.advance(1000);
    }
    // Crash: the first process is gone (its clock never moves again, so it never stops or
    // closes its window). A new process opens the same file.
    // A copy of the open store's files is what the dead process left (one writer per store:
    // the same file cannot be opened twice in one process).
    const after = tempDir();
    for (const suffix of ['', '-wal'])
      if (existsSync(join(dir, `store.db${suffix}`)))
        copyFileSync(join(dir, `store.db${suffix}`), join(after, `store.db${suffix}`));
    const clock = manualClock(deadClock.wallMs());
    const second = storeAndIngest(after, clock);
    await second.store.start();
    await second.ingest.start();
    for (let s = 30; s < 60; s++) {
      second.ingest.push(reading(clock, 'voltage', 231));
      await clock.advance(1000);
    }
    await clock.advance(2000);
    const voltage = outboxRecords(second.store)
      .flat()
      .find((r) => r.m === 'voltage' && r.t0 === T0);
    expect(voltage).toMatchObject({ n: 60, min: 230, max: 231, sum: 30 * 230 + 30 * 231 });
    await second.ingest.stop();
    await second.store.stop();
    await first.store.stop();
  });

  it('does not publish a window twice after a restart', async () => {
    const dir = tempDir();
    const clock = manualClock();
    const first = storeAndIngest(dir, clock);
    await first.store.start();
    await first.ingest.start();
    for (let s = 0; s < 65; s++) {
      first.ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    await first.ingest.stop();
    await first.store.stop();
    const second = storeAndIngest(dir, clock);
    await second.store.start();
    await second.ingest.start();
    for (let s = 0; s < 60; s++) {
      second.ingest.push(reading(clock, 'voltage', 231));
      await clock.advance(1000);
    }
    const t0s = outboxRecords(second.store)
      .flat()
      .map((r) => r.t0);
    expect(t0s).toEqual([T0, T0 + 60_000]);
    expect(outboxRecords(second.store).flat()[1]).toMatchObject({ n: 60, sum: 5 * 230 + 55 * 231 });
    await second.ingest.stop();
    await second.store.stop();
  });

  it("keeps a tick's readings when its commit fails and lands them on the next tick", async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock);
    await store.start();
    await ingest.start();
    const spy = vi.spyOn(store, 'transaction').mockImplementationOnce(() => {
      throw new Error('SQLITE_FULL: database or disk is full');
    });
    ingest.push(reading(clock, 'voltage', 230));
    await clock.advance(1000);
    expect(ingest.stats()).toMatchObject({ commitFailures: 1, buffered: 1, committed: 0 });
    ingest.push(reading(clock, 'voltage', 231));
    await clock.advance(1000);
    expect(ingest.stats()).toMatchObject({ commitFailures: 1, buffered: 0, committed: 2 });
    expect(store.readings.count()).toBe(2);
    spy.mockRestore();
    await ingest.stop();
    await store.stop();
  });

  it('drops the oldest buffered readings when the store stays unwritable, and counts them', async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock, { maxBuffered: 3 });
    await store.start();
    await ingest.start();
    const spy = vi.spyOn(store, 'transaction').mockImplementation(() => {
      throw new Error('SQLITE_IOERR: disk I/O error');
    });
    for (const v of [1, 2, 3, 4, 5]) ingest.push(reading(clock, 'voltage', v));
    await clock.advance(1000);
    expect(ingest.stats()).toMatchObject({ buffered: 3, droppedBufferFull: 2, commitFailures: 1 });
    spy.mockRestore();
    await clock.advance(1000);
    expect(ingest.stats()).toMatchObject({ buffered: 0, committed: 3 });
    expect([...store.readings.since(0, 0)].map((r) => r.value)).toEqual([3, 4, 5]);
    // The two readings lost in memory are reported once the store is writable again.
    expect(store.gaps.drops()).toEqual({ buffer_full: 2 });
    const gap = store.outbox.after(0, 10).find((r) => r.kind === 'gap');
    expect(JSON.parse(gap?.body ?? '[]')).toEqual([
      { class: 'reading', reason: 'buffer_full', from: T0, to: T0, rows: 2 },
    ]);
    await ingest.stop();
    await store.stop();
  });

  it('bounds the readings ring, trimming only readings already folded into closed windows', async () => {
    const clock = manualClock();
    const { store, ingest } = storeAndIngest(tempDir(), clock, { readingsMaxRows: 100 });
    await store.start();
    await ingest.start();
    for (let s = 0; s < 300; s++) {
      ingest.push(reading(clock, 'voltage', 230));
      await clock.advance(1000);
    }
    expect(store.readings.count()).toBeLessThanOrEqual(100 + 60);
    // The open window's readings (after the last close) are all still there.
    const open = [...store.readings.since(0, T0 + 240_000)].length;
    expect(open).toBe(60);
    expect(ingest.stats().pruned).toBeGreaterThan(0);
    await ingest.stop();
    await store.stop();
  });
});
