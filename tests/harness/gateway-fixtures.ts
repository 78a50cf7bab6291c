import { join } from 'node:path';
import { ManualClock } from '../../runtime/clock/manual-clock.js';
import { IngestPipeline } from '../../runtime/ingest/ingest-pipeline.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { Reading } from '../../runtime/shared/reading.js';
import { Store } from '../../runtime/store/store.js';
import { WindowAggregator } from '../../runtime/windows/window-aggregator.js';

/** 2026-11-21 10:00:00 UTC: a Saturday morning, the lamp is off. */
export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

export function manualClock(startWallMs = T0): ManualClock {
  return new ManualClock({ startWallMs });
}

export function reading(
  clock: ManualClock,
  point: string,
  value: number | null,
  device = 'lamp1',
): Reading {
  return {
    device,
    point,
    value,
    quality: value === null ? 'bad' : 'good',
    wallMs: clock.wallMs(),
    monoNs: clock.monoNs(),
    bootId: clock.bootId,
    clockState: clock.syncState(),
  };
}

/** A real store file and an ingest pipeline over it, driven by a manual clock. */
export function storeAndIngest(
  dir: string,
  clock: ManualClock,
  options: {
    windowsMs?: number[];
    readingsMaxRows?: number;
    maxBuffered?: number;
    graceMs?: number;
  } = {},
) {
  const store = new Store({ file: join(dir, 'store.db'), clock, log: silentLog() });
  const ingest = new IngestPipeline({
    store,
    aggregator: new WindowAggregator(options.windowsMs ?? [60_000], 2_000, options.graceMs ?? 0),
    clock,
    log: silentLog(),
    unitOf: (_d, p) => (p === 'voltage' ? 'VLT' : 'WTT'),
    commitIntervalMs: 1000,
    readingsMaxRows: options.readingsMaxRows ?? 1_000_000,
    ...(options.maxBuffered !== undefined ? { maxBuffered: options.maxBuffered } : {}),
  });
  return { store, ingest };
}
