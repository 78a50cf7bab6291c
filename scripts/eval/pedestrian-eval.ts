import { CountForecaster, type ForecasterOptions } from '../../runtime/crowd/count-forecaster.js';
import { CrowdForecast } from '../../runtime/crowd/crowd-forecast.js';
import type { ForecastParams } from '../../runtime/crowd/forecast-correction.js';
import type { CountSeries } from './pedestrian-data.js';

const HOUR = 3_600_000;
const WEEK = 168 * HOUR;

export interface HorizonScores {
  /** MAE of the forecast over the in-sample MAE of the seasonal-naive forecast (same hour one
   * week earlier) on the training period: the scaling of Hyndman and Koehler's MASE. */
  mase: number;
  /** MAE of the forecast over the MAE of the seasonal-naive forecast on the same test hours. */
  relativeMae: number;
  mae: number;
  naiveMae: number;
  points: number;
}

export interface SensorScores {
  sensor: string;
  trainHours: number;
  testHours: number;
  h1: HorizonScores;
  h24: HorizonScores;
}

/** What is evaluated: the seasonal forecaster alone, or the crowding forecast. */
export interface Forecaster {
  observe(hourMs: number, count: number): void;
  forecast(originMs: number, targetMs: number): number;
}

export const seasonalOnly =
  (options: ForecasterOptions): (() => Forecaster) =>
  () =>
    new CountForecaster(options);

export const combined =
  (params: ForecastParams, options: ForecasterOptions): (() => Forecaster) =>
  () =>
    new CrowdForecast(params, options);

export interface PedestrianResult {
  testFromMs: number;
  testToMs: number;
  sensors: SensorScores[];
  /** Means over the sensors. */
  mase1h: number;
  mase24h: number;
  relativeMae1h: number;
  relativeMae24h: number;
  msPerForecast: number;
}

/**
 * The crowding forecast's evaluation: the last `testWeeks` weeks of the file are the test
 * period; every test hour is a forecast origin, and only counts of hours before it may be used
 * (the forecaster sees each count after the forecasts made before it). Forecasts 1 h and 24 h
 * ahead are scored against the seasonal-naive forecast.
 */
export function evaluatePedestrians(
  series: readonly CountSeries[],
  testWeeks: number,
  make: () => Forecaster,
): PedestrianResult {
  const end = Math.max(...series.map((s) => s.hourMs.at(-1) ?? 0)) + HOUR;
  const testFrom = end - testWeeks * WEEK;
  let forecasts = 0;
  let ms = 0;
  const sensors = series.map((s): SensorScores => {
    const at = new Map(s.hourMs.map((h, i) => [h, s.count[i] ?? 0]));
    // In-sample seasonal-naive MAE over the training period.
    let scaleSum = 0;
    let scaleN = 0;
    for (const [h, c] of at) {
      const prev = at.get(h - WEEK);
      if (h < testFrom && prev !== undefined) {
        scaleSum += Math.abs(c - prev);
        scaleN++;
      }
    }
    const scale = scaleN > 0 ? scaleSum / scaleN : NaN;
    const f = make();
    let trainHours = 0;
    for (const [i, h] of s.hourMs.entries())
      if (h < testFrom) {
        f.observe(h, s.count[i] ?? 0);
        trainHours++;
      }
    const acc = { 1: { e: 0, n: 0, ne: 0 }, 24: { e: 0, n: 0, ne: 0 } };
    let testHours = 0;
    const t0 = performance.now();
    for (let origin = testFrom; origin < end; origin += HOUR) {
      for (const ahead of [1, 24] as const) {
        const target = origin + (ahead - 1) * HOUR;
        const actual = at.get(target);
        const naive = at.get(target - WEEK);
        if (actual === undefined || naive === undefined) continue;
        const a = acc[ahead];
        a.e += Math.abs(f.forecast(origin, target) - actual);
        a.ne += Math.abs(naive - actual);
        a.n++;
        forecasts++;
      }
      const c = at.get(origin);
      if (c !== undefined) {
        f.observe(origin, c);
        testHours++;
      }
    }
    ms += performance.now() - t0;
    const scores = (a: { e: number; n: number; ne: number }): HorizonScores => ({
      mase: a.e / a.n / scale,
      relativeMae: a.e / a.ne,
      mae: a.e / a.n,
      naiveMae: a.ne / a.n,
      points: a.n,
    });
    return { sensor: s.sensor, trainHours, testHours, h1: scores(acc[1]), h24: scores(acc[24]) };
  });
  const mean = (pick: (s: SensorScores) => number): number =>
    sensors.reduce((sum, s) => sum + pick(s), 0) / sensors.length;
  return {
    testFromMs: testFrom,
    testToMs: end,
    sensors,
    mase1h: mean((s) => s.h1.mase),
    mase24h: mean((s) => s.h24.mase),
    relativeMae1h: mean((s) => s.h1.relativeMae),
    relativeMae24h: mean((s) => s.h24.relativeMae),
    msPerForecast: ms / Math.max(1, forecasts),
  };
}

export interface Selection {
  chosen: ForecasterOptions;
  validationWeeks: number;
  validation: { mase1h: number; mase24h: number };
  tried: number;
}

/** The settings tried when choosing a forecaster on the validation weeks. */
export const GRID = {
  weeks: [3, 4, 6, 8],
  decay: [0.7, 0.8, 0.9, 1],
  dayWeight: [0, 0.25, 0.5],
};

/**
 * Chooses the forecaster's settings on data before the test period only: the file is cut at
 * the test period's start, its last `validationWeeks` weeks are scored the same way, and the
 * settings with the lowest MASE at 1 h plus 24 h win.
 */
export function selectOnValidation(
  series: readonly CountSeries[],
  testWeeks: number,
  validationWeeks: number,
  isHoliday: ((dayMs: number) => boolean) | undefined,
): Selection {
  let best: Selection | undefined;
  let tried = 0;
  for (const weeks of GRID.weeks)
    for (const decay of GRID.decay)
      for (const dayWeight of GRID.dayWeight) {
        const options = { weeks, decay, dayWeight, ...(isHoliday ? { isHoliday } : {}) };
        const r = evaluatePedestrians(
          cutBefore(series, testWeeks),
          validationWeeks,
          seasonalOnly(options),
        );
        tried++;
        if (!best || r.mase1h + r.mase24h < best.validation.mase1h + best.validation.mase24h)
          best = {
            chosen: options,
            validationWeeks,
            validation: { mase1h: r.mase1h, mase24h: r.mase24h },
            tried: 0,
          };
      }
  if (!best) throw new Error('no settings to try');
  return { ...best, tried };
}

/** The series without their last `weeks` weeks (the file's end is the latest hour of any). */
export function cutBefore(series: readonly CountSeries[], weeks: number): CountSeries[] {
  const end = Math.max(...series.map((s) => s.hourMs.at(-1) ?? 0)) + HOUR;
  const cut = end - weeks * WEEK;
  return series.map((s) => {
    const k = s.hourMs.filter((h) => h < cut).length;
    return { sensor: s.sensor, hourMs: s.hourMs.slice(0, k), count: s.count.slice(0, k) };
  });
}
