import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BundleError,
  loadBundle,
  saveBundle,
  verifyBundle,
} from '../../../runtime/models/model-bundle.js';
import type { ModelCard } from '../../../runtime/models/model-card.js';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import { tempDir } from '../../harness/temp-dir.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

const card: Omit<ModelCard, 'files'> = {
  name: 'test-ae',
  version: '1',
  kind: 'window-autoencoder',
  created: '2026-11-21T00:00:00Z',
  input: { features: ['a', 'b'], window: 4 },
  normalisation: { mean: [0, 0], std: [1, 1] },
  thresholds: { score: 0.5 },
  metrics: {},
  training: { data: 'unit test', sha256: '0'.repeat(64), rows: 0 },
  command: 'vitest',
};

function tinyModel() {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 3, inputShape: [8], activation: 'relu' }),
      tf.layers.dense({ units: 8 }),
    ],
  });
}

describe('model bundles', () => {
  it('chooses the wasm backend when asked for it, and says which', async () => {
    const choice = await chooseBackend(['wasm', 'cpu']);
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('saves and loads a model without tfjs-node, giving the same outputs', async () => {
    const dir = tempDir();
    const model = tinyModel();
    const saved = await saveBundle(dir, model, tf, card);
    expect(Object.keys(saved.files).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadBundle(dir, tf);
    expect(loaded.card.name).toBe('test-ae');
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]]);
    const a = (model.predict(x) as ReturnType<typeof tf.tensor2d>).dataSync();
    const b = (loaded.model.predict(x) as ReturnType<typeof tf.tensor2d>).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('refuses a bundle whose weights were changed, naming the file and both digests', async () => {
    const dir = tempDir();
    await saveBundle(dir, tinyModel(), tf, card);
    const w = readFileSync(join(dir, 'weights.bin'));
    w[0] = (w[0] ?? 0) ^ 0xff;
    writeFileSync(join(dir, 'weights.bin'), w);
    expect(() => verifyBundle(dir)).toThrow(BundleError);
    expect(() => verifyBundle(dir)).toThrow(
      /weights\.bin: sha256 [0-9a-f]{64} does not match the card's [0-9a-f]{64}/,
    );
    await expect(loadBundle(dir, tf)).rejects.toThrow('refused');
  });

  it('refuses a bundle with a missing file, a bad card, or weights the card does not vouch for', async () => {
    const dir = tempDir();
    await saveBundle(dir, tinyModel(), tf, card);
    rmSync(join(dir, 'weights.bin'));
    expect(() => verifyBundle(dir)).toThrow('weights.bin is missing');

    const dir2 = tempDir();
    await saveBundle(dir2, tinyModel(), tf, card);
    const c = JSON.parse(readFileSync(join(dir2, 'card.json'), 'utf8')) as ModelCard;
    writeFileSync(
      join(dir2, 'card.json'),
      JSON.stringify({ ...c, files: { 'model.json': c.files['model.json'] } }),
    );
    expect(() => verifyBundle(dir2)).toThrow(
      'model.json reads weights.bin, which the card does not list',
    );

    writeFileSync(
      join(dir2, 'card.json'),
      JSON.stringify({ ...c, input: { features: [], window: 0 } }),
    );
    expect(() => verifyBundle(dir2)).toThrow(/card\.json\/input\/features/);
    expect(() => verifyBundle(tempDir())).toThrow('no card.json');
  });
});
