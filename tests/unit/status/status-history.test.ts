import { describe, expect, it } from 'vitest';
import type { AlarmTransition } from '../../../runtime/anomaly/alarm.js';
import {
  BACKLOG_SAMPLE_MS,
  HISTORY_MINUTES,
  StatusHistory,
  type ChartedReading,
} from '../../../runtime/status/status-history.js';
import { backlogTrend, describeTrend } from '../../../runtime/status/backlog-trend.js';
import { manualClock } from '../../harness/gateway-fixtures.js';

const alarm = (state: 'raised' | 'cleared', subject = 'lamp1'): AlarmTransition => ({
  name: 'lamp_failure',
  subject,
  state,
  severity: 'alarm',
  atMs: 0,
  evidence: {},
});

function history(
  past: { alarms?: AlarmTransition[]; readings?: ChartedReading[] } = {},
  pending = { n: 0, oldestMs: null as number | null },
) {
  const clock = manualClock();
  const h = new StatusHistory({
    clock,
    unitOf: () => 'VLT',
    outbox: () => ({ pending: pending.n, oldestMs: pending.oldestMs }),
    pastAlarms: () => past.alarms ?? [],
    pastReadings: (since) => (past.readings ?? []).filter((r) => r.wallMs >= since),
  });
  return { clock, h, pending };
}

const v = (wallMs: number, value: number | null): ChartedReading => ({
  device: 'lamp1',
  point: 'voltage',
  value,
  quality: value === null ? 'bad' : 'good',
  wallMs,
});

describe('StatusHistory', () => {
  it('keeps one mean per minute for the last hour and forgets older minutes', async () => {
    const { clock, h } = history();
    await h.start();
    const t0 = Math.floor(clock.wallMs() / 60_000) * 60_000;
    h.onReading(v(t0, 220));
    h.onReading(v(t0 + 1000, 230));
    h.onReading(v(t0 + 2000, null)); // a bad reading is not charted and is not the last value
    await clock.advance(60_000);
    h.onReading(v(t0 + 60_000, 240));
    let s = h.snapshot().streams[0];
    expect(s?.minutes).toEqual([
      [t0, 225],
      [t0 + 60_000, 240],
    ]);
    expect(s?.last).toBe(240);
    expect(s?.unit).toBe('VLT');
    // An hour later the first minute has left the ring, even though its slot was not reused.
    await clock.advance((HISTORY_MINUTES - 1) * 60_000);
    s = h.snapshot().streams[0];
    expect(s?.minutes).toEqual([[t0 + 60_000, 240]]);
    await h.stop();
  });

  it('fills the charts and the active alarms from before the start', async () => {
    const clock = manualClock();
    const now = clock.wallMs();
    const { h } = history({
      alarms: [alarm('raised'), alarm('raised', 'lamp2'), alarm('cleared', 'lamp2')],
      readings: [v(now - 2 * 3_600_000, 100), v(now - 30 * 60_000, 231)],
    });
    await h.start();
    const snap = h.snapshot();
    expect(snap.alarms.active.map((a) => a.subject)).toEqual(['lamp1']);
    expect(snap.alarms.recent).toHaveLength(3);
    // Two hours ago is outside the chart; half an hour ago is in it.
    expect(snap.streams[0]?.minutes.map((m) => m[1])).toEqual([231]);
    await h.stop();
  });

  it('samples the backlog every 30 s and stops sampling when stopped', async () => {
    const { clock, h, pending } = history({}, { n: 0, oldestMs: null });
    await h.start();
    pending.n = 12;
    pending.oldestMs = clock.wallMs();
    await clock.advance(3 * BACKLOG_SAMPLE_MS);
    const backlog = h.snapshot().backlog;
    expect(backlog.map((b) => b.pending)).toEqual([0, 12, 12, 12]);
    expect(backlog.map((b) => b.oldestAgeMs)).toEqual([
      0,
      BACKLOG_SAMPLE_MS,
      2 * BACKLOG_SAMPLE_MS,
      3 * BACKLOG_SAMPLE_MS,
    ]);
    await h.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('backlogTrend', () => {
  const at = (min: number, pending: number) => ({ t: min * 60_000, pending, oldestAgeMs: 0 });

  it('gives the drain rate over the last five minutes and when the backlog will be empty', () => {
    const t = backlogTrend([at(0, 5000), at(10, 2000), at(12, 1600), at(15, 1000)]);
    // From minute 10 to 15: 1000 rows in 5 min.
    expect(t?.drainPerMin).toBeCloseTo(200, 6);
    expect(t?.emptyInMin).toBeCloseTo(5, 6);
    expect(describeTrend(t, 1000)).toBe('draining 200 rows/min, empty in about 5 min');
  });

  it('says a growing backlog grows, and says nothing of an empty one', () => {
    const t = backlogTrend([at(0, 10), at(2, 70)]);
    expect(t?.emptyInMin).toBeNull();
    expect(describeTrend(t, 70)).toBe('growing 30 rows/min');
    expect(describeTrend(backlogTrend([at(0, 0), at(1, 0)]), 0)).toBe('');
    expect(backlogTrend([at(0, 5)])).toBeNull();
  });
});
