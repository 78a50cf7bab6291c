/**
 * `npm run train:crowd [-- --frames 12000 --epochs 10 --seed 1 --out DIR]`
 *
 * Trains the thermal people-counting CNN shipped in `models/crowd/bundle` on where each head is
 * seen (a density map per frame) in generated frames over the training range (mounts 3–6 m,
 * 0–26 °C, noise 0.1–0.6 °C, 0–22 people, with groups, lamps, cars, dogs and dead pixels), on
 * wasm with our filter-gradient kernel, and writes the bundle with its card. `npm run eval:crowd -- --dataset thermal` scores it on settings it did
 * not train on.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { ProgressBar } from '../../runtime/cli/progress-bar.js';
import { registerConvFilterGradient } from '../../runtime/models/conv-filter-gradient.js';
import { saveBundle } from '../../runtime/models/model-bundle.js';
import { chooseBackend } from '../../runtime/models/tf-backend.js';
import { fitSeeded } from '../../runtime/models/window-autoencoder.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import {
  buildCountCnn,
  countModelFrom,
  FRAME_PIXELS,
  FRAME_SHAPE,
  MAP_CELLS,
  TRAINING_RANGE,
  trainingSet,
} from './count-cnn.js';

function fail(message: string): never {
  process.stderr.write(`train:crowd: ${message}\n`);
  process.exit(2);
}

const { values: args } = parseArgs({
  options: {
    frames: { type: 'string', default: '12000' },
    epochs: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(packageRoot(), 'models', 'crowd', 'bundle') },
  },
});
const frames = Number(args.frames);
const epochs = Number(args.epochs);
const seed = Number(args.seed);
if (!(Number.isInteger(frames) && frames >= 100)) fail(`--frames ${args.frames}: at least 100`);
if (!(Number.isInteger(epochs) && epochs >= 1)) fail(`--epochs ${args.epochs}: at least 1`);
if (!(Number.isInteger(seed) && seed >= 0)) fail(`--seed ${args.seed}: a whole number ≥ 0`);

const { backend } = await chooseBackend(['wasm', 'cpu']);
if (backend === 'wasm' || backend === 'cpu') registerConvFilterGradient(tf, backend);
const gen = new ProgressBar('generating', frames);
const t0 = performance.now();
const data = trainingSet(frames, seed, TRAINING_RANGE, (i) => gen.update(i));
gen.done();
// The network learns where heads are (a density map per frame); what ships adds the map up.
const density = buildCountCnn(tf, seed, false);
const bar = new ProgressBar('training', epochs);
const loss = await fitSeeded(
  tf,
  density,
  { x: data.x, inputs: FRAME_PIXELS, shape: FRAME_SHAPE },
  { y: data.maps, outputs: MAP_CELLS },
  { epochs, batchSize: 16, seed, onEpoch: (e, l) => bar.update(e, `map loss ${l.toFixed(4)}`) },
);
bar.done();
const model = countModelFrom(tf, density, seed);
density.dispose();
const trainMae = countMae(model, data, 1000);
const seconds = (performance.now() - t0) / 1000;
const card = await saveBundle(args.out, model, tf, {
  name: 'crowd-count',
  version: `density-${String(frames)}f-${String(epochs)}e-seed${String(seed)}`,
  kind: 'count-cnn',
  created: new Date().toISOString(),
  input: {
    features: ['thermal-frame'],
    window: 1,
    shape: FRAME_SHAPE,
    preprocessing: 'thermal-excess',
  },
  normalisation: { mean: [0], std: [1] },
  thresholds: {},
  metrics: { train_map_loss: loss, train_count_mae: trainMae },
  training: {
    data: `models/crowd/thermal-generator.ts, ${String(frames)} frames, seed ${String(seed)}: heights ${TRAINING_RANGE.heightM.join('–')} m, ambient ${TRAINING_RANGE.ambientC.join('–')} °C, noise ${TRAINING_RANGE.noiseC.join('–')} °C, ${TRAINING_RANGE.people.join('–')} people`,
    sha256: createHash('sha256').update(Buffer.from(data.x.buffer)).digest('hex'),
    rows: frames,
    seconds,
    backend,
  },
  command: `npm run train:crowd -- --frames ${String(frames)} --epochs ${String(epochs)} --seed ${String(seed)}`,
});
model.dispose();
console.log(
  `crowd-count: ${String(frames)} frames, map loss ${loss.toFixed(4)}, count MAE ${trainMae.toFixed(2)} on its first 1,000 training frames, ${seconds.toFixed(0)} s on ${backend}; bundle in ${args.out}`,
);
console.log(
  JSON.stringify({
    version: card.version,
    train_map_loss: loss,
    train_count_mae: trainMae,
    seconds,
    backend,
  }),
);

/** Mean absolute error of the rounded count on the first `n` frames of `set`. */
function countMae(m: tf.LayersModel, set: { x: Float32Array; y: Float32Array }, n: number): number {
  const k = Math.min(n, set.y.length);
  const predicted = tf.tidy(
    () =>
      (
        m.predict(tf.tensor(set.x.subarray(0, k * FRAME_PIXELS), [k, ...FRAME_SHAPE])) as tf.Tensor
      ).dataSync() as Float32Array,
  );
  let abs = 0;
  for (let i = 0; i < k; i++)
    abs += Math.abs(Math.max(0, Math.round(predicted[i] ?? 0)) - (set.y[i] ?? 0));
  return abs / k;
}
