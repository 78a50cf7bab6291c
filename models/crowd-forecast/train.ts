/**
 * `npm run train:forecast -- [--data FILE] [--test-weeks 26] [--validation-weeks 8]
 *   [--holidays victoria|none] [--out models/crowd-forecast/bundle]`
 *
 * Trains the crowding forecast's prior: the least-squares statistics of the learned correction
 * (runtime/crowd/forecast-correction.ts) over every sensor of an hourly pedestrian-count file,
 * leaving out its last `--test-weeks` weeks (the period eval:crowd tests on). The correction's
 * memory is chosen on the `--validation-weeks` weeks before the test period, with a prior
 * trained on the weeks before those. Writes a bundle: card.json + forecast.json.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CountForecaster,
  FORECASTER_DEFAULTS,
  type ForecasterOptions,
} from '../../runtime/crowd/count-forecaster.js';
import { rowsAnswered } from '../../runtime/crowd/crowd-forecast.js';
import { saveForecastBundle } from '../../runtime/crowd/forecast-bundle.js';
import {
  FORECAST_FEATURES,
  FORECAST_HORIZONS,
  type ForecastParams,
} from '../../runtime/crowd/forecast-correction.js';
import { victorianHolidays } from '../../runtime/crowd/holidays.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { type CountSeries, loadCountSeries } from '../../scripts/eval/pedestrian-data.js';
import { combined, cutBefore, evaluatePedestrians } from '../../scripts/eval/pedestrian-eval.js';

const MEMORIES = [672, 1344, 2688, 5376]; // 4, 8, 16 and 32 weeks of hours
const RIDGE = 1e-3;

function fail(message: string): never {
  process.stderr.write(`train:forecast: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    data: {
      type: 'string',
      default: join(
        packageRoot(),
        '..',
        'shared',
        'data',
        'pedestrians',
        'melbourne-hourly-2015-01_2016-06.csv',
      ),
    },
    'test-weeks': { type: 'string', default: '26' },
    'validation-weeks': { type: 'string', default: '8' },
    holidays: { type: 'string', default: 'victoria' },
    out: { type: 'string', default: join(packageRoot(), 'models', 'crowd-forecast', 'bundle') },
  },
});
const weeks = (flag: 'test-weeks' | 'validation-weeks'): number => {
  const n = Number(args[flag]);
  if (!Number.isInteger(n) || n < 1)
    fail(`--${flag} must be a whole number of weeks ≥ 1 (got "${args[flag]}")`);
  return n;
};
const testWeeks = weeks('test-weeks');
const validationWeeks = weeks('validation-weeks');
if (!['victoria', 'none'].includes(args.holidays))
  fail(`--holidays must be victoria or none (got "${args.holidays}")`);
if (!existsSync(args.data)) fail(`no file at ${args.data} (pass --data FILE)`);

const t0 = performance.now();
let series: CountSeries[];
try {
  series = loadCountSeries(args.data);
} catch (e) {
  fail((e as Error).message);
}
const holidays = new Set<number>();
const year = (ms: number): number => new Date(ms).getUTCFullYear();
if (args.holidays === 'victoria')
  for (
    let y = year(Math.min(...series.map((s) => s.hourMs[0] ?? Infinity)));
    y <= year(Math.max(...series.map((s) => s.hourMs.at(-1) ?? 0)));
    y++
  )
    for (const d of victorianHolidays(y)) holidays.add(d);
const options: ForecasterOptions = {
  ...FORECASTER_DEFAULTS,
  ...(holidays.size > 0 ? { isHoliday: (day: number) => holidays.has(day) } : {}),
};

/** Σ x xᵀ and Σ x y per horizon over every row the series answer, in time order. */
function statistics(
  data: readonly CountSeries[],
  memoryHours: number,
): ForecastParams & { rows: number } {
  const n = FORECAST_FEATURES.length;
  const zero = (): { gram: number[][]; moment: number[]; rows: number } => ({
    gram: Array.from({ length: n }, () => new Array<number>(n).fill(0)),
    moment: new Array<number>(n).fill(0),
    rows: 0,
  });
  const horizons = { '1': zero(), '24': zero() };
  for (const s of data) {
    const seasonal = new CountForecaster(options);
    for (const [i, hour] of s.hourMs.entries()) {
      const count = s.count[i] ?? 0;
      for (const row of rowsAnswered(seasonal, hour, count)) {
        const st = horizons[String(row.horizon) as '1' | '24'];
        for (let a = 0; a < n; a++) {
          st.moment[a] = (st.moment[a] ?? 0) + (row.x[a] ?? 0) * row.y;
          const g = st.gram[a] ?? [];
          for (let b = 0; b < n; b++) g[b] = (g[b] ?? 0) + (row.x[a] ?? 0) * (row.x[b] ?? 0);
        }
        st.rows++;
      }
      seasonal.observe(hour, count);
    }
  }
  if (FORECAST_HORIZONS.some((h) => horizons[h].rows === 0))
    fail('the training period holds no hour with a week of history before it');
  return {
    features: [...FORECAST_FEATURES],
    horizons,
    memoryHours,
    ridge: RIDGE,
    rows: horizons['1'].rows,
  };
}

const training = cutBefore(series, testWeeks);
const beforeValidation = cutBefore(training, validationWeeks);
let best: { memory: number; mase1h: number; mase24h: number } | undefined;
for (const [i, memory] of MEMORIES.entries()) {
  process.stderr.write(
    `\rchoosing the memory on the validation weeks: ${String(i + 1)}/${String(MEMORIES.length)}`,
  );
  const prior = statistics(beforeValidation, memory);
  const r = evaluatePedestrians(training, validationWeeks, combined(prior, options));
  if (!best || r.mase1h + r.mase24h < best.mase1h + best.mase24h)
    best = { memory, mase1h: r.mase1h, mase24h: r.mase24h };
}
process.stderr.write('\n');
if (!best) fail('no memory to try');
const { rows, ...params } = statistics(training, best.memory);
const file = readFileSync(args.data);
const from = new Date(Math.min(...training.map((s) => s.hourMs[0] ?? Infinity)))
  .toISOString()
  .slice(0, 10);
const to = new Date(Math.max(...training.map((s) => s.hourMs.at(-1) ?? 0)))
  .toISOString()
  .slice(0, 10);
const card = saveForecastBundle(args.out, params, {
  name: 'crowd-forecast',
  version: `${file.length.toString(36)}-${String(testWeeks)}w`,
  created: new Date().toISOString(),
  input: { features: [...FORECAST_FEATURES], window: 1, stepMs: 3_600_000 },
  normalisation: { mean: [], std: [] },
  thresholds: {},
  metrics: {
    validation_mase_1h: Number(best.mase1h.toFixed(4)),
    validation_mase_24h: Number(best.mase24h.toFixed(4)),
    memory_hours: best.memory,
  },
  training: {
    data: `${String(args.data.split('/').at(-1))}: ${String(training.length)} sensors, ${from} to ${to} (the last ${String(testWeeks)} weeks left out); holidays ${args.holidays}`,
    sha256: createHash('sha256').update(file).digest('hex'),
    rows,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  },
  command: `npm run train:forecast -- --test-weeks ${String(testWeeks)} --validation-weeks ${String(validationWeeks)} --holidays ${args.holidays}`,
});
console.log(
  `crowd-forecast: ${String(rows)} rows per horizon, memory ${String(best.memory)} h chosen on validation (MASE ${best.mase1h.toFixed(3)} at 1 h, ${best.mase24h.toFixed(3)} at 24 h); bundle in ${args.out}`,
);
console.log(
  JSON.stringify({ rows, memory_hours: best.memory, ...card.metrics, files: card.files }),
);
