/**
 * The crowding forecast in the crowd engine: each hourly window of a zone's people count is an
 * hour of history; the next hour and the same hour tomorrow are forecast as readings. After a
 * restart the forecaster picks up the hourly windows the store holds. A real store.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { CrowdZoneSchema, type CrowdZoneConfig } from '../../runtime/config/crowd-schema.js';
import { CrowdEngine, DEFAULT_FORECAST_BUNDLE } from '../../runtime/crowd/crowd-engine.js';
import { silentLog } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import type { Reading } from '../../runtime/shared/reading.js';
import type { Store } from '../../runtime/store/store.js';
import { addValue, emptyStats } from '../../runtime/windows/window-stats.js';
import type { ClosedWindow } from '../../runtime/windows/window-aggregator.js';
import { manualClock, storeAndIngest } from '../harness/gateway-fixtures.js';
import { tempDir } from '../harness/temp-dir.js';

const HOUR = 3_600_000;
const zone = fillDefaults(CrowdZoneSchema, {
  id: 'plaza',
  thermal: 'cam1',
  areaM2: 50,
}) as CrowdZoneConfig;
/** People in the plaza by hour: busy afternoons, quiet nights. */
const pattern = (hourMs: number): number => {
  const local = new Date(hourMs - new Date(hourMs).getTimezoneOffset() * 60_000);
  return 5 + 40 * Math.max(0, Math.sin((Math.PI * (local.getUTCHours() - 6)) / 14));
};

/** An hour of the zone's counts, and with `contrastC` the person contrast they were taken at. */
function hourWindow(t0: number, people: number, contrastC?: number): ClosedWindow {
  const stream = (point: string, value: number): ClosedWindow['streams'][number] => {
    const stats = emptyStats();
    addValue(stats, value, t0 + 1000);
    return { device: 'plaza', point, stats, clockState: 'synced', rev: 0 };
  };
  return {
    lengthMs: HOUR,
    t0,
    streams: [
      stream('peopleCount', people),
      ...(contrastC === undefined ? [] : [stream('personContrastC', contrastC)]),
    ],
  };
}

async function engine(
  store: Store,
  clock: ManualClock,
  pushed: Reading[],
  forecastBundle?: string,
): Promise<CrowdEngine> {
  const e = new CrowdEngine({
    ...(forecastBundle ? { forecastBundle } : {}),
    zones: [zone],
    store,
    clock,
    log: silentLog(),
    push: (r) => pushed.push(r),
    backends: ['wasm'],
    forecast: true,
  });
  await e.start();
  return e;
}

const WEEKS = 5;

/**
 * A store and an engine fed five weeks of hourly windows, up to the current hour; each window's
 * streams also stored as ingest would have stored them, for a restart to read back.
 */
async function fedFiveWeeks(hour: (h: number, t0: number) => ClosedWindow) {
  const clock = manualClock();
  const { store } = storeAndIngest(tempDir(), clock);
  await store.start();
  const pushed: Reading[] = [];
  const first = await engine(store, clock, pushed);
  const start = Math.floor(clock.wallMs() / HOUR) * HOUR - WEEKS * 168 * HOUR;
  for (let h = 0; h < WEEKS * 168; h++) {
    const w = hour(h, start + h * HOUR);
    first.onWindows([w]);
    for (const x of w.streams)
      store.summaries.upsert(store.readings.streamId(x.device, x.point), HOUR, w.t0, 0, x.stats);
  }
  return { clock, store, pushed, first, next: start + WEEKS * 168 * HOUR };
}

describe('the crowding forecast in the gateway', () => {
  it('forecasts each zone hour by hour from its hourly counts, and resumes from the store', async () => {
    const { clock, store, pushed, first, next } = await fedFiveWeeks((_, t0) =>
      hourWindow(t0, pattern(t0)),
    );
    const f = first.status()[0]?.forecast;
    expect(f?.nextHour).toBeCloseTo(pattern(next), 1);
    expect(f?.in24h).toBeCloseTo(pattern(next + 23 * HOUR), 1);
    expect(first.status()[0]?.forecastBy).toMatch(/^crowd-forecast /);
    const points = new Set(pushed.map((r) => `${r.device}/${r.point}`));
    expect(points).toEqual(new Set(['plaza/forecastNextHour', 'plaza/forecastIn24h']));
    expect(pushed.filter((r) => r.point === 'forecastNextHour')).toHaveLength(WEEKS * 168);
    await first.stop();

    // Restarted: one new hour, and the forecast stands on the stored weeks.
    const again: Reading[] = [];
    const second = await engine(store, clock, again);
    second.onWindows([hourWindow(next, pattern(next))]);
    expect(second.status()[0]?.forecast?.nextHour).toBeCloseTo(pattern(next + HOUR), 1);
    await second.stop();
    await store.stop();
  });

  it('does not learn from hours counted at low contrast, live or after a restart', async () => {
    // Five weeks at a good contrast; the last 4 hours on ground nearly as warm as skin, where
    // the model counted 60 phantoms an hour.
    const hot = (h: number): boolean => h >= WEEKS * 168 - 4;
    const { clock, store, pushed, first, next } = await fedFiveWeeks((h, t0) =>
      hourWindow(t0, hot(h) ? 60 : pattern(t0), hot(h) ? 2.5 : 12),
    );
    // The forecast went on hour by hour, from the hours before the hot ones.
    expect(pushed.filter((r) => r.point === 'forecastNextHour')).toHaveLength(WEEKS * 168);
    const live = first.status()[0]?.forecast;
    expect(live?.nextHour).toBeCloseTo(pattern(next), 0);
    expect(live?.in24h).toBeCloseTo(pattern(next + 23 * HOUR), 0);
    await first.stop();

    // Restarted: the stored hot hours are left out as well.
    const second = await engine(store, clock, []);
    second.onWindows([hourWindow(next, pattern(next), 12)]);
    expect(second.status()[0]?.forecast?.nextHour).toBeCloseTo(pattern(next + HOUR), 0);
    await second.stop();
    await store.stop();
  });

  it('refuses an altered forecast bundle with a model_refused alarm, and forecasts by the seasonal rule', async () => {
    const dir = tempDir();
    const bundle = join(dir, 'bundle');
    cpSync(DEFAULT_FORECAST_BUNDLE, bundle, { recursive: true });
    const file = join(bundle, 'forecast.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"ridge":', '"ridge":1e3,"x":'));
    const clock = manualClock();
    const { store } = storeAndIngest(dir, clock);
    await store.start();
    const e = await engine(store, clock, [], bundle);
    const [refused] = store.events.ofKind('model_refused');
    expect(refused).toMatchObject({
      severity: 'alarm',
      data: { subject: 'crowd-forecast', state: 'raised' },
    });
    expect(JSON.stringify(refused?.data)).toMatch(/forecast\.json: sha256 .* does not match/);
    expect(e.status()[0]?.forecastBy).toBe('seasonal rule (forecast bundle refused)');
    const start = Math.floor(clock.wallMs() / HOUR) * HOUR - 2 * 168 * HOUR;
    for (let h = 0; h < 2 * 168; h++)
      e.onWindows([hourWindow(start + h * HOUR, pattern(start + h * HOUR))]);
    expect(e.status()[0]?.forecast?.nextHour).toBeCloseTo(pattern(start + 2 * 168 * HOUR), 1);
    await e.stop();
    await store.stop();
  });

  it('forecasts nothing without hourly windows', async () => {
    const clock = manualClock();
    const { store } = storeAndIngest(tempDir(), clock);
    await store.start();
    const pushed: Reading[] = [];
    const e = new CrowdEngine({
      zones: [zone],
      store,
      clock,
      log: silentLog(),
      push: (r) => pushed.push(r),
      backends: ['wasm'],
    });
    await e.start();
    e.onWindows([hourWindow(0, 10)]);
    expect(pushed).toEqual([]);
    expect(e.status()[0]?.forecast).toBeNull();
    await e.stop();
    await store.stop();
  });
});
