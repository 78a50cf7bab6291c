import { CountForecaster, type ForecasterOptions } from './count-forecaster.js';
import {
  FORECAST_HORIZONS,
  OnlineLinear,
  type ForecastHorizon,
  type ForecastParams,
} from './forecast-correction.js';

const HOUR = 3_600_000;

/**
 * The crowding forecast: the seasonal forecaster (count-forecaster.ts) and a learned linear
 * correction of its expected count (forecast-correction.ts), averaged with equal weights. Each
 * makes errors the other does not (the rule is robust on odd days, the learned model follows
 * how the site's own departures persist), and the plain average of two forecasts is the
 * combination that needs no tuning. The correction starts from the bundle's prior and learns
 * from every hour whose count arrives, so it becomes the site's own.
 *
 * Times are local-naive hour starts, as for CountForecaster.
 */
export class CrowdForecast {
  readonly seasonal: CountForecaster;
  private readonly corrections = new Map<ForecastHorizon, OnlineLinear>();

  constructor(params: ForecastParams, options: ForecasterOptions) {
    this.seasonal = new CountForecaster(options);
    for (const h of FORECAST_HORIZONS)
      this.corrections.set(
        h,
        new OnlineLinear(params.horizons[h], params.memoryHours, params.ridge),
      );
  }

  /** Adds the count of the hour starting at `hourMs`: first as the answer to the forecasts that
   * targeted it (the correction learns), then as history. */
  observe(hourMs: number, count: number): void {
    for (const row of rowsAnswered(this.seasonal, hourMs, count))
      this.corrections.get(row.horizon)?.learn(row.x, row.y);
    this.seasonal.observe(hourMs, count);
  }

  /** The forecast count of the hour starting at `targetMs`, from counts before `originMs`.
   * Horizons the correction was not trained for get the seasonal forecast alone. */
  forecast(originMs: number, targetMs: number): number {
    const rule = this.seasonal.forecast(originMs, targetMs);
    const ahead = Math.round((targetMs - originMs) / HOUR) + 1;
    const model = this.corrections.get(ahead as ForecastHorizon);
    if (!model || !this.seasonal.hasWeekBefore(originMs)) return rule;
    const expected = this.seasonal.expected(originMs, targetMs);
    const learned = Math.expm1(
      Math.log1p(expected) + model.predict(this.seasonal.features(originMs, targetMs)),
    );
    return (rule + Math.max(0, learned)) / 2;
  }
}

/**
 * The rows a count answers before the seasonal forecaster has seen it: for each horizon, the
 * features at the origin that forecast this hour and the departure that came (log space). Rows
 * whose origin has less than a week of history behind it are left out.
 */
export function rowsAnswered(
  seasonal: CountForecaster,
  hourMs: number,
  count: number,
): { horizon: ForecastHorizon; x: number[]; y: number }[] {
  return FORECAST_HORIZONS.flatMap((horizon) => {
    const origin = hourMs - (horizon - 1) * HOUR;
    if (!seasonal.hasWeekBefore(origin)) return [];
    const y = Math.log1p(count) - Math.log1p(seasonal.expected(origin, hourMs));
    return [{ horizon, x: seasonal.features(origin, hourMs), y }];
  });
}
