/**
 * `npm run train:lamp-ae [-- --days 7 --epochs 60 --seed 1 --out DIR]`
 *
 * Trains the pre-trained lamp-circuit detector shipped in `models/lamp-circuit-ae/bundle`: a
 * window autoencoder over 10 one-minute windows of a lamp circuit's voltage, active power and
 * power factor, on a simulated week of the SDM120 lamp circuit the demo polls (dusk-to-dawn
 * switching included). It then scores a second, differently seeded week, clean and with
 * injected driver faults, through the same hysteresis the gateway uses, and writes the figures
 * into the card. A site replaces it with its own normal period: `edge-gw calibrate`.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Hysteresis } from '../../runtime/anomaly/alarm.js';
import { ProgressBar } from '../../runtime/cli/progress-bar.js';
import { CLEAR_AFTER, raiseAfter } from '../../runtime/models/learned-detectors.js';
import { saveBundle } from '../../runtime/models/model-bundle.js';
import { chooseBackend } from '../../runtime/models/tf-backend.js';
import {
  buildAutoencoder,
  fitNormalisation,
  normalise,
  scoreQuantile,
  scoreWindows,
  slidingWindows,
  trainAutoencoder,
} from '../../runtime/models/window-autoencoder.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import {
  LAMP_FEATURES,
  MINUTE,
  simulatedMinutes,
  type InjectedFault,
} from './simulated-minutes.js';

const STEPS = 10;
/** Monday 5 January 2026, 00:00 UTC: training starts here, the held-out week a week later. */
const START_MS = Date.UTC(2026, 0, 5);
const DAY_MIN = 1440;

function fail(message: string): never {
  process.stderr.write(`train:lamp-ae: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '7' },
    epochs: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(packageRoot(), 'models', 'lamp-circuit-ae', 'bundle') },
  },
});
const days = Number(args.days);
const epochs = Number(args.epochs);
const seed = Number(args.seed);
if (!(Number.isInteger(days) && days >= 1 && days <= 60)) fail(`--days ${args.days}: 1 to 60`);
if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 500))
  fail(`--epochs ${args.epochs}: 1 to 500`);
if (!(Number.isInteger(seed) && seed >= 0)) fail(`--seed ${args.seed}: a whole number ≥ 0`);

const { tf, backend } = await chooseBackend();
const rows = simulatedMinutes(START_MS, days, seed);
const norm = fitNormalisation(rows);
const windows = slidingWindows(normalise(rows, norm), STEPS);
const inputs = STEPS * LAMP_FEATURES.length;
const model = buildAutoencoder(
  tf,
  { window: STEPS, features: LAMP_FEATURES.length, hidden: 32, bottleneck: 8 },
  seed,
);
const bar = new ProgressBar('training', epochs);
const t0 = performance.now();
const loss = await trainAutoencoder(tf, model, windows, inputs, {
  epochs,
  batchSize: 64,
  seed,
  onEpoch: (e, l) => bar.update(e, `loss ${l.toFixed(4)}`),
});
bar.done();
const seconds = (performance.now() - t0) / 1000;
const trainScores = scoreWindows(tf, model, windows, inputs);
const threshold = scoreQuantile(trainScores, 0.99) * 1.5;

/** Alarms raised over a run of rows, and the first input (by its last row) that raised each. */
function raisedAt(testRows: number[][]): number[] {
  const scores = scoreWindows(tf, model, slidingWindows(normalise(testRows, norm), STEPS), inputs);
  const h = new Hysteresis(raiseAfter(STEPS), CLEAR_AFTER);
  const at: number[] = [];
  scores.forEach((s, i) => {
    if (h.update(s > threshold) === 'raised') at.push(i + STEPS - 1);
  });
  return at;
}

// The held-out week: another seed, starting where training ended.
const testStart = START_MS + days * DAY_MIN * MINUTE;
const cleanAlarms = raisedAt(simulatedMinutes(testStart, 7, seed + 1000)).length;
// One fault a night at 23:00 UTC for an hour: a failing driver's power factor, and an overdriven
// luminaire. The named lamp detector knows neither; the learned one has never seen them.
const faults: InjectedFault[] = [];
for (let d = 0; d < 7; d++)
  faults.push(
    d % 2 === 0
      ? {
          name: 'power_factor_0.75',
          fromMinute: d * DAY_MIN + 23 * 60,
          minutes: 60,
          apply: ([v, p]) => [v, p, 0.75],
        }
      : {
          name: 'power_130pc',
          fromMinute: d * DAY_MIN + 23 * 60,
          minutes: 60,
          apply: ([v, p, pf]) => [v, p * 1.3, pf],
        },
  );
const faultAlarms = raisedAt(simulatedMinutes(testStart, 7, seed + 1000, faults));
const delays = faults.map((f) => {
  const hit = faultAlarms.find((m) => m >= f.fromMinute && m < f.fromMinute + f.minutes);
  return hit === undefined ? null : hit - f.fromMinute + 1;
});
const found = delays.filter((d): d is number => d !== null);
const metrics = {
  train_score_p50: scoreQuantile(trainScores, 0.5),
  train_loss: loss,
  heldout_false_alarms_per_day: cleanAlarms / 7,
  heldout_fault_recall: found.length / faults.length,
  heldout_fault_delay_max_windows: found.length > 0 ? Math.max(...found) : -1,
};
const card = await saveBundle(args.out, model, tf, {
  name: 'lamp-circuit-ae',
  version: `sim-${String(days)}d-seed${String(seed)}`,
  kind: 'window-autoencoder',
  created: new Date().toISOString(),
  input: { features: [...LAMP_FEATURES], window: STEPS, stepMs: MINUTE },
  normalisation: norm,
  thresholds: { score: threshold },
  metrics,
  training: {
    data: `SDM120 lamp-circuit simulator (devices/eastron-sdm120/lamp-circuit-model.ts), seed ${String(seed)}, ${String(days)} days of 1-minute means of 1 s reads from ${new Date(START_MS).toISOString()}`,
    sha256: createHash('sha256').update(Buffer.from(windows.buffer)).digest('hex'),
    rows: rows.length,
    seconds,
    backend,
  },
  command: `npm run train:lamp-ae -- --days ${String(days)} --epochs ${String(epochs)} --seed ${String(seed)}`,
});
model.dispose();
console.log(
  `lamp-circuit-ae: ${String(rows.length)} windows, ${seconds.toFixed(1)} s on ${backend}; held-out week: ` +
    `${String(cleanAlarms)} false alarms, ${String(found.length)}/${String(faults.length)} faults found ` +
    `(delays ${delays.map((d) => (d === null ? '-' : String(d))).join(', ')} windows); bundle in ${args.out}`,
);
console.log(JSON.stringify({ version: card.version, threshold, ...metrics, seconds, backend }));
