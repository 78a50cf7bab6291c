import { describe, expect, it } from 'vitest';
import type { MeterReading } from '../../../runtime/anomaly/water-meter-detector.js';
import { burstFrontier, type FrontierPoint } from '../../../scripts/eval/daiad-frontier.js';
import { frontierFigures } from '../../../scripts/eval/anomaly-report.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2016, 2, 1);

/** 130 days of hourly use: 20 L an hour, 150 L at 07:00 (the shower); `spikeL` once at 07:00 of
 * day 100, a household peak above the usual one. */
function meter(spikeL?: number): MeterReading[] {
  return Array.from({ length: 130 * 24 }, (_, i) => {
    const atMs = T0 + (i + 1) * HOUR;
    const hod = new Date(atMs).getUTCHours();
    const litres = i === 100 * 24 + 6 && spikeL !== undefined ? spikeL : hod === 7 ? 150 : 20;
    return { atMs, litres };
  });
}

describe('the burst margin frontier', () => {
  const meters = new Map([
    ['even', meter(205)],
    ['odd', meter()],
  ]);
  const points = burstFrontier(
    meters,
    { seed: 1, calibrationDays: 56, eventsPerKind: 3 },
    [1.3, 1.4],
  );
  const at = (margin: number, half: string): FrontierPoint | undefined =>
    points.find((p) => p.margin === margin && p.half === half);

  it('runs each margin on each half with the same burst events', () => {
    expect(points.map((p) => `${p.margin} ${p.half}`)).toEqual([
      '1.3 even',
      '1.3 odd',
      '1.4 even',
      '1.4 odd',
    ]);
    for (const p of points) expect(p.burstEvents).toBe(3);
  });

  it('lets a peak at 1.37 times the usual maximum raise a burst under 1.3, not under 1.4', () => {
    // 205 L against 150 usual: above 1.3 × 150 = 195 and the 200 L/h floor, below 1.4 × 150.
    expect(at(1.3, 'even')?.falseAlarms).toBe(1);
    expect(at(1.4, 'even')?.falseAlarms).toBe(0);
    expect(at(1.3, 'odd')?.falseAlarms).toBe(0);
    // Injected bursts (at least 250 L/h over the household's use) are found under both.
    for (const p of points) expect(p.burstFound).toBe(3);
  });

  it('sums the halves for all meters, not their rates', () => {
    const rows = frontierFigures([
      { margin: 2, half: 'even', meterMonths: 10, burstEvents: 10, burstFound: 9, falseAlarms: 1 },
      { margin: 2, half: 'odd', meterMonths: 30, burstEvents: 30, burstFound: 21, falseAlarms: 5 },
    ]);
    expect(rows.find((r) => r.half === 'all')).toEqual({
      margin: 2,
      half: 'all',
      burst_recall_1h: 0.75,
      false_alarms_per_meter_month: 0.15,
    });
    expect(rows.find((r) => r.half === 'odd')?.burst_recall_1h).toBe(0.7);
  });
});
