import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** The names of CountForecaster.features, in order. */
export const FORECAST_FEATURES = [
  'bias',
  'lastHour',
  'hourBefore',
  'twoHoursBefore',
  'lastDay',
  'sameHourYesterday',
  'sameHourLastWeek',
  'dayShape',
] as const;

/** Hours ahead the learned correction forecasts: the next hour and the same hour tomorrow. */
export const FORECAST_HORIZONS = [1, 24] as const;
export type ForecastHorizon = (typeof FORECAST_HORIZONS)[number];

const Statistics = Type.Object({
  /** Σ x xᵀ over the training rows (features × features). */
  gram: Type.Array(Type.Array(Type.Number())),
  /** Σ x y over the training rows. */
  moment: Type.Array(Type.Number()),
  rows: Type.Integer({ minimum: 1 }),
});

/** `forecast.json` in a forecast bundle: the prior of the learned correction per horizon. */
export const ForecastParamsSchema = Type.Object({
  features: Type.Array(Type.String()),
  horizons: Type.Object({ '1': Statistics, '24': Statistics }),
  /** The forgetting factor's memory, in rows (hours): each row fades by 1 − 1/memoryHours. */
  memoryHours: Type.Number({ exclusiveMinimum: 0 }),
  /** Ridge penalty per row, on every coefficient but the bias. */
  ridge: Type.Number({ minimum: 0 }),
});
export type ForecastParams = Static<typeof ForecastParamsSchema>;
export const forecastParamsCheck = TypeCompiler.Compile(ForecastParamsSchema);

/**
 * A linear model learnt online by exponentially weighted least squares: the sufficient
 * statistics (Σ x xᵀ, Σ x y) fade by `1 − 1/memory` per row, so the model follows the site as
 * it changes (a new café, roadworks) while the prior it starts from fades away. Solving an 8 × 8
 * system costs microseconds, so the coefficients are solved again whenever asked after a row.
 */
export class OnlineLinear {
  private readonly gram: number[][];
  private readonly moment: number[];
  private weight: number;
  private coefficients: number[] | null = null;

  constructor(
    prior: Static<typeof Statistics>,
    private readonly memory: number,
    private readonly ridge: number,
  ) {
    // The prior counts as at most one memory's worth of rows: a site's own data outweighs it
    // within weeks.
    const scale = Math.min(1, memory / prior.rows);
    this.gram = prior.gram.map((row) => row.map((v) => v * scale));
    this.moment = prior.moment.map((v) => v * scale);
    this.weight = prior.rows * scale;
  }

  learn(x: readonly number[], y: number): void {
    const keep = 1 - 1 / this.memory;
    for (let i = 0; i < this.moment.length; i++) {
      this.moment[i] = (this.moment[i] ?? 0) * keep + (x[i] ?? 0) * y;
      const row = this.gram[i] ?? [];
      for (let j = 0; j < row.length; j++)
        row[j] = (row[j] ?? 0) * keep + (x[i] ?? 0) * (x[j] ?? 0);
    }
    this.weight = this.weight * keep + 1;
    this.coefficients = null;
  }

  predict(x: readonly number[]): number {
    this.coefficients ??= this.solve();
    return this.coefficients.reduce((sum, b, i) => sum + b * (x[i] ?? 0), 0);
  }

  /** The ridge-regularised normal equations, by Gaussian elimination with partial pivoting. */
  private solve(): number[] {
    const n = this.moment.length;
    const m = this.gram.map((row, i) => [
      ...row.map((v, j) => v + (i === j && i > 0 ? this.ridge * this.weight : 0)),
      this.moment[i] ?? 0,
    ]);
    for (let c = 0; c < n; c++) {
      let pivot = c;
      for (let r = c + 1; r < n; r++)
        if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[pivot]?.[c] ?? 0)) pivot = r;
      [m[c], m[pivot]] = [m[pivot] ?? [], m[c] ?? []];
      const p = m[c] ?? [];
      const d = p[c] ?? 0;
      if (Math.abs(d) < 1e-12) continue; // a feature never seen: its coefficient stays 0
      for (let r = 0; r < n; r++) {
        const row = m[r] ?? [];
        if (r === c) continue;
        const f = (row[c] ?? 0) / d;
        if (f !== 0) for (let k = c; k <= n; k++) row[k] = (row[k] ?? 0) - f * (p[k] ?? 0);
      }
    }
    return m.map((row, i) => {
      const d = row[i] ?? 0;
      return Math.abs(d) < 1e-12 ? 0 : (row[n] ?? 0) / d;
    });
  }
}
