import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CountForecaster } from '../../../runtime/crowd/count-forecaster.js';
import { CrowdForecast } from '../../../runtime/crowd/crowd-forecast.js';
import { loadForecastBundle } from '../../../runtime/crowd/forecast-bundle.js';
import {
  FORECAST_FEATURES,
  OnlineLinear,
  type ForecastParams,
} from '../../../runtime/crowd/forecast-correction.js';
import { packageRoot } from '../../../runtime/shared/package-root.js';
import { tempDir } from '../../harness/temp-dir.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5); // a Monday
const N = FORECAST_FEATURES.length;
const options = { weeks: 4, decay: 0.9, dayWeight: 0.25 };
const weekly = (h: number): number => {
  const day = Math.floor(h / 24) % 7;
  return (day === 6 ? 50 : 100) * (1 + Math.sin((Math.PI * (h % 24)) / 24)) + 5;
};
/** A prior that knows nothing: one row of zeros. */
const blank = (): ForecastParams['horizons']['1'] => ({
  gram: Array.from({ length: N }, () => new Array<number>(N).fill(0)),
  moment: new Array<number>(N).fill(0),
  rows: 1,
});
const random = (seed: number) => () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};

describe('the learned correction (online least squares)', () => {
  it('recovers the coefficients of a linear rule, then follows the rule when it changes', () => {
    const m = new OnlineLinear(blank(), 500, 0);
    const rnd = random(3);
    const row = () => [1, ...Array.from({ length: N - 1 }, () => rnd() * 2 - 1)];
    const first = [0.1, 0.8, -0.2, 0, 0.3, 0, 0, 0.5];
    const second = [-0.1, 0.2, 0.4, 0, 0, 0.6, 0, 0];
    const dot = (b: number[], x: number[]) => b.reduce((s, v, i) => s + v * (x[i] ?? 0), 0);
    for (let i = 0; i < 400; i++) {
      const x = row();
      m.learn(x, dot(first, x));
    }
    const probe = row();
    expect(m.predict(probe)).toBeCloseTo(dot(first, probe), 6);
    for (let i = 0; i < 5000; i++) {
      const x = row();
      m.learn(x, dot(second, x));
    }
    // After ten memories the first rule weighs e^-10 of the rows: the second one rules.
    expect(m.predict(probe)).toBeCloseTo(dot(second, probe), 3);
  });

  it('weighs its prior as at most one memory of rows, so a site soon outweighs it', () => {
    const prior = blank();
    // A prior of 100,000 rows that all said "+1": the bias coefficient 1.
    prior.rows = 100_000;
    prior.gram = prior.gram.map((r, i) => r.map((_, j) => (i === 0 && j === 0 ? 100_000 : 0)));
    prior.moment = prior.moment.map((_, i) => (i === 0 ? 100_000 : 0));
    const m = new OnlineLinear(prior, 100, 0);
    const x = [1, 0, 0, 0, 0, 0, 0, 0];
    expect(m.predict(x)).toBeCloseTo(1, 6);
    for (let i = 0; i < 300; i++) m.learn(x, -1);
    expect(m.predict(x)).toBeLessThan(-0.8);
  });
});

describe('the crowding forecast', () => {
  it('reads no count from its origin on when building a row', () => {
    const f = new CountForecaster(options);
    for (let h = 0; h < 5 * 168; h++) f.observe(START + h * HOUR, weekly(h));
    const origin = START + 5 * 168 * HOUR;
    const before = [1, 24].map((a) => f.features(origin, origin + (a - 1) * HOUR));
    for (let h = 0; h < 24; h++) f.observe(origin + h * HOUR, 99_999);
    expect([1, 24].map((a) => f.features(origin, origin + (a - 1) * HOUR))).toEqual(before);
  });

  it('learns how departures persist at this site and beats the seasonal rule alone', () => {
    // Departures that drift slowly (0.98 per hour), where the rule lets a departure fade by
    // 0.9 per hour and trusts the 4-week median: a correction that learns the persistence is
    // better; one that learnt nothing (the plain median) is twice as bad as the rule.
    const rnd = random(11);
    const counts: number[] = [];
    let d = 0;
    for (let h = 0; h < 20 * 168; h++) {
      d = 0.98 * d + (rnd() - 0.5) * 0.4;
      counts.push(Math.round(weekly(h) * Math.exp(d)));
    }
    const blankParams: ForecastParams = {
      features: [...FORECAST_FEATURES],
      horizons: { '1': blank(), '24': blank() },
      memoryHours: 2000,
      ridge: 1e-3,
    };
    const rule = new CountForecaster(options);
    const both = new CrowdForecast(blankParams, options);
    let ruleErr = 0;
    let bothErr = 0;
    for (const [h, c] of counts.entries()) {
      const t = START + h * HOUR;
      if (h >= 12 * 168) {
        ruleErr += Math.abs(rule.forecast(t, t) - c);
        bothErr += Math.abs(both.forecast(t, t) - c);
      }
      rule.observe(t, c);
      both.observe(t, c);
    }
    expect(bothErr / ruleErr).toBeLessThan(0.98);
  });

  it('ships a bundle that loads, and refuses one whose statistics were altered', () => {
    const shipped = join(packageRoot(), 'models', 'crowd-forecast', 'bundle');
    const { card, params } = loadForecastBundle(shipped);
    expect(card.kind).toBe('count-forecast');
    expect(params.features).toEqual([...FORECAST_FEATURES]);
    expect(params.horizons['1'].rows).toBeGreaterThan(10_000);

    const dir = join(tempDir(), 'bundle');
    cpSync(shipped, dir, { recursive: true });
    const file = join(dir, 'forecast.json');
    const p = JSON.parse(readFileSync(file, 'utf8')) as ForecastParams;
    p.memoryHours = 1;
    writeFileSync(file, JSON.stringify(p));
    expect(() => loadForecastBundle(dir)).toThrow(
      /forecast\.json: sha256 [0-9a-f]+ does not match/,
    );

    const other = join(packageRoot(), 'models', 'lamp-circuit-ae', 'bundle');
    expect(() => loadForecastBundle(other)).toThrow(
      /kind is "window-autoencoder"; a crowding forecast needs "count-forecast"/,
    );
  });
});
