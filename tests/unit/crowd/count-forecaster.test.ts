import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CountForecaster } from '../../../runtime/crowd/count-forecaster.js';
import { easterSunday, victorianHolidays } from '../../../runtime/crowd/holidays.js';
import { loadCountSeries } from '../../../scripts/eval/pedestrian-data.js';
import { seasonalOnly, evaluatePedestrians } from '../../../scripts/eval/pedestrian-eval.js';
import { tempDir } from '../../harness/temp-dir.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5); // a Monday
/** A weekly pattern: busy weekday noons, quiet nights, Sundays half as busy. */
const weekly = (h: number): number => {
  const day = Math.floor(h / 24) % 7;
  const hour = h % 24;
  return Math.round((day === 6 ? 50 : 100) * (1 + Math.sin((Math.PI * hour) / 24)) + 5);
};
const options = { weeks: 4, decay: 0.9, dayWeight: 0.25 };

describe('the crowding forecast', () => {
  it('forecasts a purely weekly series exactly, at every horizon', () => {
    const f = new CountForecaster(options);
    for (let h = 0; h < 6 * 168; h++) f.observe(START + h * HOUR, weekly(h));
    const origin = START + 6 * 168 * HOUR;
    for (const ahead of [1, 5, 24])
      expect(f.forecast(origin, origin + (ahead - 1) * HOUR)).toBeCloseTo(
        weekly(6 * 168 + ahead - 1),
        6,
      );
  });

  it('carries a busier last hour into the next hours, fading', () => {
    const f = new CountForecaster(options);
    for (let h = 0; h < 6 * 168; h++)
      f.observe(START + h * HOUR, h === 6 * 168 - 1 ? 2 * weekly(h) : weekly(h));
    const origin = START + 6 * 168 * HOUR;
    const over = (ahead: number): number =>
      f.forecast(origin, origin + (ahead - 1) * HOUR) / weekly(6 * 168 + ahead - 1);
    expect(over(1)).toBeGreaterThan(over(3));
    expect(over(3)).toBeGreaterThan(over(24));
    expect(over(24)).toBeGreaterThan(1);
  });

  it('never uses the count it is forecasting (or any after its origin)', () => {
    const f = new CountForecaster(options);
    for (let h = 0; h < 5 * 168; h++) f.observe(START + h * HOUR, weekly(h));
    const origin = START + 5 * 168 * HOUR;
    const before = [1, 24].map((a) => f.forecast(origin, origin + (a - 1) * HOUR));
    f.observe(origin, 99_999);
    f.observe(origin + 23 * HOUR, 99_999);
    expect([1, 24].map((a) => f.forecast(origin, origin + (a - 1) * HOUR))).toEqual(before);
  });

  it('expects a public holiday to look like a Sunday', () => {
    const monday = START + 6 * 7 * 24 * HOUR;
    const f = new CountForecaster({ ...options, isHoliday: (d) => d === monday });
    for (let h = 0; h < 6 * 168; h++) f.observe(START + h * HOUR, weekly(h));
    const noon = monday + 12 * HOUR;
    // Origin long before (no departure to carry): the expectation alone.
    expect(f.forecast(monday, noon)).toBeCloseTo(weekly(6 * 24 + 12), 0);
  });

  it('knows the Victorian public holidays', () => {
    const iso = (d: number): string => new Date(d).toISOString().slice(0, 10);
    expect(iso(easterSunday(2016))).toBe('2016-03-27');
    expect(iso(easterSunday(2024))).toBe('2024-03-31');
    expect(victorianHolidays(2015).map(iso)).toEqual([
      '2015-01-01',
      '2015-01-26',
      '2015-03-09',
      '2015-04-03',
      '2015-04-04',
      '2015-04-06',
      '2015-04-25',
      '2015-06-08',
      '2015-11-03',
      '2015-12-25',
      '2015-12-26',
      '2015-12-28',
    ]);
    // Christmas on a Sunday: Boxing Day on Monday, the Tuesday for Christmas.
    expect(victorianHolidays(2016).map(iso).slice(-3)).toEqual([
      '2016-12-25',
      '2016-12-26',
      '2016-12-27',
    ]);
  });
});

describe('the pedestrian-count evaluation', () => {
  function csv(weeks: number, noise: () => number): string {
    const lines = ['Sensor,Date_Time,Date,Time,Count'];
    for (let h = 0; h < weeks * 168; h++) {
      if (h % 500 === 7) continue; // an implicit gap
      const t = new Date(START + h * HOUR).toISOString().replace('T', ' ').slice(0, 19);
      lines.push(
        `Plaza,${t},${t.slice(0, 10)},${String(h % 24)},${String(Math.max(0, Math.round(weekly(h) * noise())))}`,
      );
    }
    return lines.join('\n');
  }

  it('reads the layout, says which line is wrong, and beats seasonal-naive on a noisy weekly series', () => {
    const dir = tempDir();
    const file = join(dir, 'counts.csv');
    let seed = 7;
    const noise = (): number => {
      seed = (seed * 16807) % 2147483647;
      return 0.8 + 0.4 * (seed / 2147483647);
    };
    writeFileSync(file, csv(40, noise));
    const series = loadCountSeries(file);
    expect(series.map((s) => s.sensor)).toEqual(['Plaza']);
    const r = evaluatePedestrians(series, 26, seasonalOnly(options));
    expect(r.sensors[0]?.testHours).toBeGreaterThan(26 * 168 - 20);
    // Independent noise each week: the median of 4 weeks is nearer than last week alone.
    expect(r.relativeMae24h).toBeLessThan(0.9);
    expect(r.mase24h).toBeLessThan(0.9);

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'Sensor,Date_Time,Count\nPlaza,2026-01-05 00:00:00,12\nPlaza,yesterday,3\n');
    expect(() => loadCountSeries(bad)).toThrow(`${bad}:3: expected Date_Time and Count`);
    writeFileSync(bad, 'Sensor,When,Count\n');
    expect(() => loadCountSeries(bad)).toThrow(
      'no "Date_Time" column (found: Sensor, When, Count)',
    );
  });
});
