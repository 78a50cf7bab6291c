/**
 * `edge-gw calibrate`: a learned detector trained on the gateway's own stored windows, written
 * as a verified bundle. A real store filled through ingest on a manual clock.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrateCommand } from '../../runtime/cli/calibrate-command.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { calibrateModel, CalibrateError } from '../../runtime/models/calibrate.js';
import { verifyBundle } from '../../runtime/models/model-bundle.js';
import { chooseBackend, type Tf } from '../../runtime/models/tf-backend.js';
import { storeAndIngest } from '../harness/gateway-fixtures.js';
import { lampModelSite } from '../harness/lamp-model-site.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

describe('calibrating a learned detector on the gateway itself', () => {
  it("trains on the store's windows and writes a bundle that verifies", async () => {
    const s = await lampModelSite(120);
    const config = loadConfig(s.file, { catalogue: DeviceCatalogue.load() });
    const { store } = storeAndIngest(join(s.dir, 'data'), s.clock);
    await store.start();
    try {
      const epochs: number[] = [];
      const r = await calibrateModel({
        config,
        modelName: 'lamp-ae',
        store,
        tf,
        backend: 'wasm',
        nowMs: s.clock.wallMs(),
        days: 1,
        epochs: 3,
        seed: 5,
        command: 'vitest',
        onEpoch: (e) => epochs.push(e),
      });
      expect(epochs).toEqual([1, 2, 3]);
      expect(r.windows).toBe(r.card.training.rows - 5 + 1);
      expect(r.card.training.rows).toBeGreaterThanOrEqual(118);
      const { card } = verifyBundle(join(s.dir, 'bundles', 'lamp-ae'));
      expect(card).toMatchObject({
        name: 'lamp-ae',
        input: { features: ['lamp1/voltage', 'lamp1/activePower'], window: 5, stepMs: 60_000 },
      });
      expect(card.thresholds.score).toBeGreaterThan(0);
      expect(card.metrics.train_score_p50).toBeGreaterThan(0);
      expect(card.normalisation.mean[0]).toBeCloseTo(230, 0);
      // The same data and seed train the same weights: a bundle can be reproduced.
      await calibrateModel({
        config,
        modelName: 'lamp-ae',
        store,
        tf,
        backend: 'wasm',
        nowMs: s.clock.wallMs(),
        days: 1,
        epochs: 3,
        seed: 5,
        command: 'vitest',
      });
      // (model.json differs: tfjs numbers its layer names per process.)
      expect(verifyBundle(join(s.dir, 'bundles', 'lamp-ae')).card.files['weights.bin']).toBe(
        card.files['weights.bin'],
      );

      await expect(
        calibrateModel({
          config,
          modelName: 'nope',
          store,
          tf,
          backend: 'wasm',
          nowMs: s.clock.wallMs(),
          days: 1,
          epochs: 1,
          seed: 1,
          command: '',
        }),
      ).rejects.toThrow('no model "nope" in the config (models: lamp-ae, no-features)');
      await expect(
        calibrateModel({
          config,
          modelName: 'no-features',
          store,
          tf,
          backend: 'wasm',
          nowMs: s.clock.wallMs(),
          days: 1,
          epochs: 1,
          seed: 1,
          command: '',
        }),
      ).rejects.toThrow(CalibrateError);
    } finally {
      await store.stop();
    }
  });

  it('refuses with a reason when the store holds too little, and on bad options', async () => {
    const s = await lampModelSite(30);
    const out: string[] = [];
    const err: string[] = [];
    const base = { config: s.file, model: 'lamp-ae', days: '1', epochs: '2', seed: '1' };
    expect(
      await calibrateCommand(
        base,
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    ).toBe(1);
    expect(err.join('\n')).toMatch(
      /only \d+ inputs of 5 consecutive PT1M windows .* at least 50 are needed/,
    );
    expect(
      await calibrateCommand(
        { ...base, days: '0' },
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    ).toBe(2);
    expect(err.at(-1)).toBe('--days 0: allowed a number of days from 1 to 365');
    expect(
      await calibrateCommand(
        { ...base, seed: '-1' },
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    ).toBe(2);
    expect(err.at(-1)).toBe('--seed -1: allowed a whole number from 0 to 4294967295');
  });
});
