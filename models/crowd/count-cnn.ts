import type * as tfTypes from '@tensorflow/tfjs';
import type { Tf } from '../../runtime/models/tf-backend.js';
import { thermalExcess } from '../../runtime/models/thermal-excess.js';
import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';
import { HEIGHT, ThermalScene, WIDTH, type ThermalSettings } from './thermal-generator.js';

export const FRAME_SHAPE = [HEIGHT, WIDTH, 1];
export const FRAME_PIXELS = HEIGHT * WIDTH;

/** The density map's cells: one per STRIDE × STRIDE pixels. */
export const STRIDE = 4;
export const MAP_CELLS = (HEIGHT / STRIDE) * (WIDTH / STRIDE);

/** The density network's convolutions, in order: filters and kernel size. */
const TRUNK: { filters: number; kernel: number; poolAfter?: boolean }[] = [
  { filters: 16, kernel: 3 },
  { filters: 16, kernel: 3, poolAfter: true },
  { filters: 32, kernel: 3 },
  { filters: 32, kernel: 3, poolAfter: true },
  { filters: 32, kernel: 3 },
];

/**
 * A small fully convolutional network that maps a prepared thermal frame to a density map of
 * heads, one cell per 4 × 4 pixels: convolutions at full resolution, pooling, more, pooling,
 * and a 1 × 1 convolution to a density per cell. It learns from where each head
 * is (`densityTarget`), not only how many there are, which teaches it what one person looks
 * like far faster than a count alone. With `sum`, a last dense layer fixed at all ones adds
 * the map up: the count, which is what the gateway runs. About 25,000 parameters.
 */
export function buildCountCnn(tf: Tf, seed: number, sum = true): tfTypes.LayersModel {
  const layers: tfTypes.layers.Layer[] = [];
  TRUNK.forEach((c, k) => {
    layers.push(
      tf.layers.conv2d({
        ...(k === 0 ? { inputShape: FRAME_SHAPE } : {}),
        filters: c.filters,
        kernelSize: c.kernel,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + k }),
      }),
    );
    if (c.poolAfter) layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  layers.push(
    tf.layers.conv2d({
      filters: 1,
      kernelSize: 1,
      // Linear: a ReLU here can start (and stay) at zero on every cell, with no gradient.
      activation: 'linear',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + TRUNK.length }),
    }),
    tf.layers.flatten({}),
  );
  if (sum)
    layers.push(
      tf.layers.dense({
        units: 1,
        kernelInitializer: 'ones',
        biasInitializer: 'zeros',
        trainable: false,
      }),
    );
  const model = tf.sequential({ layers });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
  return model;
}

/** The counting model (map summed) carrying the weights of a trained density network. */
export function countModelFrom(
  tf: Tf,
  density: tfTypes.LayersModel,
  seed: number,
): tfTypes.LayersModel {
  const model = buildCountCnn(tf, seed, true);
  const sumLayer = model.layers[model.layers.length - 1];
  const trained = density.getWeights();
  model.setWeights([...trained, ...(sumLayer?.getWeights() ?? [])]);
  return model;
}

/** Spread of a head's mark on the density map, pixels. */
const HEAD_SIGMA = 1;

/**
 * The density map a frame should give: each head a Gaussian of one pixel's spread around where
 * it is seen, cut to the frame and scaled to sum to one, added up over each map cell. The map
 * sums to the frame's count.
 */
export function densityTarget(
  heads: readonly { col: number; row: number }[],
  out: Float32Array<ArrayBufferLike> = new Float32Array(MAP_CELLS),
): Float32Array<ArrayBufferLike> {
  out.fill(0);
  const cols = WIDTH / STRIDE;
  const reach = Math.ceil(3 * HEAD_SIGMA);
  const w: { cell: number; v: number }[] = [];
  for (const h of heads) {
    w.length = 0;
    let total = 0;
    const c0 = Math.floor(h.col);
    const r0 = Math.floor(h.row);
    for (let r = Math.max(0, r0 - reach); r <= Math.min(HEIGHT - 1, r0 + reach); r++)
      for (let c = Math.max(0, c0 - reach); c <= Math.min(WIDTH - 1, c0 + reach); c++) {
        const d2 = (c + 0.5 - h.col) ** 2 + (r + 0.5 - h.row) ** 2;
        const v = Math.exp(-d2 / (2 * HEAD_SIGMA * HEAD_SIGMA));
        total += v;
        w.push({ cell: Math.floor(r / STRIDE) * cols + Math.floor(c / STRIDE), v });
      }
    for (const { cell, v } of w) out[cell] = (out[cell] ?? 0) + v / total;
  }
  return out;
}

/** The generator settings the shipped model trains on: a range of mounts, weather and scenes. */
export interface TrainingRange {
  heightM: [number, number];
  ambientC: [number, number];
  noiseC: [number, number];
  people: [number, number];
}

export const TRAINING_RANGE: TrainingRange = {
  heightM: [3, 6],
  ambientC: [0, 26],
  noiseC: [0.1, 0.6],
  people: [0, 22],
};

/** Settings for one training frame, drawn from the range with `random`. */
export function drawSettings(
  random: () => number,
  range: TrainingRange,
  seed: number,
): Partial<ThermalSettings> {
  return {
    heightM: uniform(random, ...range.heightM),
    ambientC: uniform(random, ...range.ambientC),
    groundOffsetC: uniform(random, -3, 5),
    gradientC: uniform(random, -2, 3),
    noiseC: uniform(random, ...range.noiseC),
    people: Math.floor(uniform(random, range.people[0], range.people[1] + 1)),
    groups: uniform(random, 0, 0.5),
    lamps: random() < 0.3 ? 1 : 0,
    cars: Math.floor(uniform(random, 0, 2.5)),
    dogs: random() < 0.3 ? 1 : 0,
    deadPixels: Math.floor(uniform(random, 0, 4)),
    seed,
  };
}

/** `n` frames, prepared as the model sees them, their density maps and their true counts. */
export function frameSet(
  n: number,
  settings: (i: number) => Partial<ThermalSettings>,
  onFrame?: (done: number) => void,
): { x: Float32Array; maps: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * FRAME_PIXELS);
  const maps = new Float32Array(n * MAP_CELLS);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const scene = new ThermalScene(settings(i));
    const f = scene.frame();
    thermalExcess(f.pixels, WIDTH, HEIGHT, x.subarray(i * FRAME_PIXELS, (i + 1) * FRAME_PIXELS));
    densityTarget(scene.heads(), maps.subarray(i * MAP_CELLS, (i + 1) * MAP_CELLS));
    y[i] = f.count;
    if (i % 500 === 0) onFrame?.(i);
  }
  return { x, maps, y };
}

/** Training frames drawn over the training range, deterministic for a seed. */
export function trainingSet(
  n: number,
  seed: number,
  range: TrainingRange = TRAINING_RANGE,
  onFrame?: (done: number) => void,
): { x: Float32Array; maps: Float32Array; y: Float32Array } {
  const random = seededRandom(seed);
  return frameSet(n, (i) => drawSettings(random, range, seed * 1_000_003 + i), onFrame);
}
