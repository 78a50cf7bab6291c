/**
 * `npm run eval:crowd -- --dataset pedestrians --data FILE [--holidays victoria|none] [--out DIR]`
 * `npm run eval:crowd -- --dataset thermal [generator flags] [--frames 500] [--zone-area 20]
 *   [--scheme fruin-walkway|fruin-queue] [--bundle DIR] [--out DIR]`
 *
 * thermal: the shipped crowd-counting CNN on frames generated with the given settings (by
 * default 7 m and 30 °C, outside its training range), 0 to `--people` (20) people per frame,
 * through the gateway's model worker: count MAE, level-of-service accuracy for a zone of
 * `--zone-area` m², and ms per frame. Writes docs/benchmarks/crowd-thermal.{md,json}.
 *
 * pedestrians: the crowding forecast on hourly counts (a CSV with `Sensor`, `Date_Time` and
 * `Count`). The last 26 weeks of the file are the test period, every test hour a forecast
 * origin that sees only the counts before it; the forecaster's settings are chosen on the 8
 * weeks before the test period. Reports MASE at 1 h and 24 h ahead against the seasonal-naive
 * forecast (same hour one week earlier), per sensor and overall, ends with one JSON line and
 * writes docs/benchmarks/crowd-pedestrians.{md,json}.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadForecastBundle } from '../../runtime/crowd/forecast-bundle.js';
import { victorianHolidays } from '../../runtime/crowd/holidays.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { loadCountSeries } from './pedestrian-data.js';
import {
  combined,
  evaluatePedestrians,
  GRID,
  seasonalOnly,
  selectOnValidation,
} from './pedestrian-eval.js';
import { writeReport } from './report-file.js';
import { GENERATOR_FLAGS, runThermal } from './thermal-run.js';

const DATASETS = ['pedestrians', 'thermal'];
const TEST_WEEKS = 26;
const VALIDATION_WEEKS = 8;

function fail(message: string): never {
  process.stderr.write(`eval:crowd: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string' },
    data: { type: 'string' },
    holidays: { type: 'string', default: 'victoria' },
    out: { type: 'string', default: join(packageRoot(), 'docs', 'benchmarks') },
    ...Object.fromEntries(GENERATOR_FLAGS.map((f) => [f, { type: 'string' as const }])),
    frames: { type: 'string', default: '500' },
    'zone-area': { type: 'string', default: '20' },
    scheme: { type: 'string', default: 'fruin-walkway' },
    bundle: { type: 'string', default: join(packageRoot(), 'models', 'crowd', 'bundle') },
    'forecast-bundle': {
      type: 'string',
      default: join(packageRoot(), 'models', 'crowd-forecast', 'bundle'),
    },
  },
});
const dataset = args.dataset ?? '';
if (!DATASETS.includes(dataset))
  fail(`--dataset must be one of ${DATASETS.join(', ')} (got "${dataset}")`);
if (dataset === 'thermal') {
  await runThermal(args, fail);
  process.exit(0);
}
if (!['victoria', 'none'].includes(args.holidays))
  fail(`--holidays must be victoria or none (got "${args.holidays}")`);
const file =
  args.data ??
  join(
    packageRoot(),
    '..',
    'shared',
    'data',
    'pedestrians',
    'melbourne-hourly-2015-01_2016-06.csv',
  );
if (!existsSync(file)) fail(`no file at ${file} (pass --data FILE)`);

let series;
try {
  series = loadCountSeries(file);
} catch (e) {
  fail((e as Error).message);
}
const firstYear = new Date(Math.min(...series.map((s) => s.hourMs[0] ?? 0))).getUTCFullYear();
const lastYear = new Date(Math.max(...series.map((s) => s.hourMs.at(-1) ?? 0))).getUTCFullYear();
const holidays = new Set<number>();
if (args.holidays === 'victoria')
  for (let y = firstYear; y <= lastYear; y++) for (const d of victorianHolidays(y)) holidays.add(d);
const isHoliday = holidays.size > 0 ? (day: number): boolean => holidays.has(day) : undefined;

const selection = selectOnValidation(series, TEST_WEEKS, VALIDATION_WEEKS, isHoliday);
let forecastBundle: ReturnType<typeof loadForecastBundle>;
try {
  forecastBundle = loadForecastBundle(args['forecast-bundle']);
} catch (e) {
  fail((e as Error).message);
}
const seasonal = evaluatePedestrians(series, TEST_WEEKS, seasonalOnly(selection.chosen));
const r = evaluatePedestrians(
  series,
  TEST_WEEKS,
  combined(forecastBundle.params, selection.chosen),
);
const round = (x: number, d = 3): number => Number(x.toFixed(d));
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const { weeks, decay, dayWeight } = selection.chosen;
const figures = {
  dataset,
  file: file.split('/').at(-1),
  sensors: r.sensors.length,
  test_from: day(r.testFromMs),
  test_to: day(r.testToMs),
  mase_1h: round(r.mase1h),
  mase_24h: round(r.mase24h),
  relative_mae_1h: round(r.relativeMae1h),
  relative_mae_24h: round(r.relativeMae24h),
  seasonal_only_mase_1h: round(seasonal.mase1h),
  seasonal_only_mase_24h: round(seasonal.mase24h),
  forecast_bundle: `${forecastBundle.card.name} ${forecastBundle.card.version}`,
  memory_hours: forecastBundle.params.memoryHours,
  chosen: { weeks, decay, dayWeight, holidays: args.holidays },
  validation_mase_1h: round(selection.validation.mase1h),
  validation_mase_24h: round(selection.validation.mase24h),
  settings_tried: selection.tried,
  ms_per_forecast: round(r.msPerForecast, 4),
  per_sensor: r.sensors.map((s) => ({
    sensor: s.sensor,
    mase_1h: round(s.h1.mase),
    mase_24h: round(s.h24.mase),
    relative_mae_1h: round(s.h1.relativeMae),
    relative_mae_24h: round(s.h24.relativeMae),
    test_hours: s.testHours,
  })),
};
const command = `npm run eval:crowd -- --dataset pedestrians --holidays ${args.holidays}${args.data ? ` --data ${args.data}` : ''}`;
const body = `The crowding forecast (runtime/crowd/crowd-forecast.ts) on ${String(r.sensors.length)} sensors of
\`${String(figures.file)}\`. Test period: the last ${String(TEST_WEEKS)} weeks (${figures.test_from} to ${figures.test_to});
every test hour is a forecast origin that sees only the counts before it (rolling origins).

The forecast is the plain average of two forecasts:

- **Seasonal rule** (count-forecaster.ts): the median of the same hour of the week over the last \`weeks\` weeks (public
holidays ${args.holidays === 'victoria' ? '(Victoria) ' : ''}treated as Sundays and left out of other days' medians), corrected by the
last day's departure × \`dayWeight\` and by the last hour's departure × \`decay\`^hours ahead (in
log space). Its settings were chosen among ${String(selection.tried)} (weeks ${GRID.weeks.join('/')}, decay ${GRID.decay.join('/')},
dayWeight ${GRID.dayWeight.join('/')}) on the ${String(VALIDATION_WEEKS)} weeks before the test period, with the file cut at the
test period's start: weeks ${String(weeks)}, decay ${String(decay)}, dayWeight ${String(dayWeight)} (validation MASE
${String(figures.validation_mase_1h)} at 1 h, ${String(figures.validation_mase_24h)} at 24 h).
- **Learned correction** (forecast-correction.ts): a linear model of the departure from the
seasonal median (log space) per horizon, on the last hours', last day's, same hour yesterday's
and last week's departures and the day's usual shape. It starts from the prior in the bundle
\`${figures.forecast_bundle}\` (models/crowd-forecast, trained by \`npm run train:forecast\` on the
weeks before the test period) and learns online from every count, forgetting with a memory of
${String(figures.memory_hours)} hours (chosen by train:forecast on its validation weeks), so each sensor
gets its own coefficients.

The seasonal rule alone scores MASE ${String(figures.seasonal_only_mase_1h)} at 1 h and
${String(figures.seasonal_only_mase_24h)} at 24 h on the same test hours.

**MASE** is the forecast's mean absolute error over the in-sample mean absolute error of the
seasonal-naive forecast (same hour one week earlier) on the period before the test (Hyndman
and Koehler's scaling). **Relative MAE** is the forecast's mean absolute error over the
seasonal-naive forecast's on the same test hours.

| | 1 h ahead | 24 h ahead | target |
|---|---|---|---|
| MASE, mean over sensors | ${String(figures.mase_1h)} | ${String(figures.mase_24h)} | ≤ 0.6 / ≤ 0.9 |
| relative MAE, mean over sensors | ${String(figures.relative_mae_1h)} | ${String(figures.relative_mae_24h)} | |

| sensor | MASE 1 h | MASE 24 h | relative MAE 1 h | relative MAE 24 h | test hours |
|---|---|---|---|---|---|
${figures.per_sensor.map((s) => `| ${s.sensor} | ${String(s.mase_1h)} | ${String(s.mase_24h)} | ${String(s.relative_mae_1h)} | ${String(s.relative_mae_24h)} | ${String(s.test_hours)} |`).join('\n')}

${String(figures.ms_per_forecast)} ms per forecast.
`;
writeReport(
  args.out,
  'crowd-pedestrians',
  'Crowding forecast on pedestrian counts',
  command,
  figures,
  body,
);
console.log(
  `pedestrians: ${String(r.sensors.length)} sensors, test ${figures.test_from}..${figures.test_to}: MASE ${String(figures.mase_1h)} at 1 h, ${String(figures.mase_24h)} at 24 h (relative MAE ${String(figures.relative_mae_1h)}, ${String(figures.relative_mae_24h)}); weeks ${String(weeks)}, decay ${String(decay)}, dayWeight ${String(dayWeight)} chosen on validation`,
);
console.log(JSON.stringify(figures));
