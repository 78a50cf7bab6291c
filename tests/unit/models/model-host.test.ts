import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveBundle } from '../../../runtime/models/model-bundle.js';
import type { ModelCard } from '../../../runtime/models/model-card.js';
import { ModelHost } from '../../../runtime/models/model-host.js';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import { buildAutoencoder, scoreWindows } from '../../../runtime/models/window-autoencoder.js';
import { tempDir } from '../../harness/temp-dir.js';

let tf: Tf;
const host = new ModelHost();
const WINDOW = 4;
const FEATURES = 2;
const INPUTS = WINDOW * FEATURES;

async function bundle(
  version: string,
  seed: number,
  normalisation: ModelCard['normalisation'] = { mean: [0, 0], std: [1, 1] },
) {
  const model = buildAutoencoder(tf, {
    window: WINDOW,
    features: FEATURES,
    hidden: 6,
    bottleneck: 2,
  });
  // Different weights per version: one fit step on different data.
  const x = tf.randomNormal([32, INPUTS], 0, 1, 'float32', seed);
  await model.fit(x, x, { epochs: 1, verbose: 0 });
  x.dispose();
  const card: Omit<ModelCard, 'files'> = {
    name: 'pump',
    version,
    kind: 'window-autoencoder',
    created: '2026-11-21T00:00:00Z',
    input: { features: ['flow', 'pressure'], window: WINDOW },
    normalisation,
    thresholds: { score: 1 },
    metrics: { train_score_p50: 0.5 },
    training: { data: 'unit test', sha256: '0'.repeat(64), rows: 32 },
    command: 'vitest',
  };
  const dir = tempDir();
  await saveBundle(dir, model, tf, card);
  return { dir, model };
}

const windows = Float32Array.from({ length: 3 * INPUTS }, (_, i) => Math.sin(i));

beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
  expect(await host.start(['wasm', 'cpu'])).toBe('wasm');
});
afterAll(async () => {
  await host.stop();
});

/** Element-wise within an absolute tolerance: rounding both sides (toFixed) fails at digit boundaries. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number): void {
  expect(got.length).toBe(want.length);
  const worst = Math.max(...Array.from(got, (g, i) => Math.abs(g - (want[i] ?? Number.NaN))));
  expect(worst).toBeLessThan(tolerance);
}

describe('ModelHost (inference in a worker thread)', () => {
  it('scores windows in the worker exactly as the model does here, and keeps latency figures', async () => {
    const v1 = await bundle('1', 1);
    await host.load('pump', v1.dir);
    const { scores, shadow } = await host.infer('pump', windows);
    expect(shadow).toBeUndefined();
    const here = scoreWindows(tf, v1.model, windows, INPUTS);
    expectClose(scores, here, 1e-6);
    const stats = host.stats('pump');
    expect(stats).toMatchObject({ version: '1', inferences: 1 });
    expect(stats?.p50Ms).toBeGreaterThan(0);
    // Drift: the median recent score over the median score in training (0.5 on this card).
    const median = [...here].sort((a, b) => a - b)[1] ?? 0;
    expect(stats?.drift).toBeCloseTo(median / 0.5, 5);
  });

  it("normalises raw inputs with each version's own card", async () => {
    const v = await bundle('n', 4, { mean: [10, -2], std: [2, 0.5] });
    await host.load('pump', v.dir);
    const raw = windows.map((x, i) => (i % 2 === 0 ? 10 + 2 * x : -2 + 0.5 * x));
    const { scores } = await host.infer('pump', raw);
    const here = scoreWindows(tf, v.model, windows, INPUTS);
    // Normalising in float32 in the worker moves the last digits; a missing or wrong
    // normalisation moves the scores by far more than this.
    expectClose(scores, here, 1e-5);
  });

  it('runs a shadow beside the active version, promotes it, and rolls back', async () => {
    const v1 = await bundle('1', 1);
    const v2 = await bundle('2', 2);
    await host.load('pump', v1.dir);
    await host.load('pump', v2.dir, 'shadow');
    const both = await host.infer('pump', windows);
    expect(both.shadow).toHaveLength(3);
    expect(Array.from(both.shadow ?? [])).not.toEqual(Array.from(both.scores));
    await host.promote('pump');
    expect(host.stats('pump')?.version).toBe('2');
    expect(host.stats('pump', 'shadow')).toBeUndefined();
    const promoted = await host.infer('pump', windows);
    expect(Array.from(promoted.scores)).toEqual(Array.from(both.shadow ?? []));
    await host.rollback('pump');
    expect(host.stats('pump')?.version).toBe('1');
    expect(Array.from((await host.infer('pump', windows)).scores)).toEqual(Array.from(both.scores));
    await expect(host.rollback('pump')).rejects.toThrow('nothing to roll back to');
  });

  it('refuses a tampered bundle and keeps the running version', async () => {
    const v1 = await bundle('1', 1);
    await host.load('pump', v1.dir);
    const bad = await bundle('3', 3);
    const w = readFileSync(join(bad.dir, 'weights.bin'));
    w[5] = (w[5] ?? 0) ^ 0x01;
    writeFileSync(join(bad.dir, 'weights.bin'), w);
    await expect(host.load('pump', bad.dir)).rejects.toThrow(
      /weights\.bin: sha256 .* does not match/,
    );
    expect(host.stats('pump')?.version).toBe('1');
    expect((await host.infer('pump', windows)).scores).toHaveLength(3);
  });

  it('says what is wrong with an input that is not whole windows', async () => {
    const v1 = await bundle('1', 1);
    await host.load('pump', v1.dir);
    await expect(host.infer('pump', new Float32Array(INPUTS + 1))).rejects.toThrow(
      '9 values are not whole windows of 8 (4 × 2)',
    );
  });
});
