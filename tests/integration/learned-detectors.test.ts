/**
 * The learned detector running in the data path: a bundle calibrated on the site's own stored
 * windows is loaded into the model worker, every closed window adds a row, full inputs are
 * scored off the event loop, and `learned_anomaly` is raised and cleared with hysteresis. A
 * tampered bundle is refused with a `model_refused` alarm while ingest goes on. A real store on
 * disk, a real worker thread, a manual clock.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../runtime/clock/manual-clock.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import type { SiteConfig } from '../../runtime/config/schema.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { silentLog } from '../../runtime/log/logger.js';
import { calibrateModel } from '../../runtime/models/calibrate.js';
import {
  CLEAR_AFTER,
  LearnedDetectors,
  raiseAfter,
} from '../../runtime/models/learned-detectors.js';
import { chooseBackend, type Tf } from '../../runtime/models/tf-backend.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { storeAndIngest } from '../harness/gateway-fixtures.js';
import {
  feedLamp,
  lampModelSite,
  normalLamp,
  normalLampWithCurrent,
  type LampMinute,
} from '../harness/lamp-model-site.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

/** A site with a calibrated `lamp-ae` bundle (enabled), its store holding 180 normal minutes of
 * `lamp`. */
async function calibratedSite(
  lamp: LampMinute = normalLamp,
): Promise<{ config: SiteConfig; dir: string; clock: ManualClock }> {
  const s = await lampModelSite(180, lamp);
  const config = loadConfig(s.file, { catalogue: DeviceCatalogue.load() });
  await calibrate(config, s.dir, s.clock, 3);
  const model = config.models.find((m) => m.name === 'lamp-ae');
  if (model) model.enabled = true;
  return { config, dir: s.dir, clock: s.clock };
}

/** Trains `lamp-ae` on the site's store with `seed`, into the config's bundle folder (or `to`). */
async function calibrate(
  config: SiteConfig,
  dir: string,
  clock: ManualClock,
  seed: number,
  to?: string,
): Promise<void> {
  const { store } = storeAndIngest(join(dir, 'data'), clock);
  await store.start();
  const models = to
    ? config.models.map((m) => (m.name === 'lamp-ae' ? { ...m, bundle: to } : m))
    : config.models;
  try {
    await calibrateModel({
      config: { ...config, models },
      modelName: 'lamp-ae',
      store,
      tf,
      backend: 'wasm',
      nowMs: clock.wallMs(),
      days: 1,
      epochs: 60,
      seed,
      command: 'vitest',
    });
  } finally {
    await store.stop();
  }
}

async function running(s: { config: SiteConfig; dir: string; clock: ManualClock }) {
  const { store, ingest } = storeAndIngest(join(s.dir, 'data'), s.clock);
  let woken = 0;
  const models = new LearnedDetectors({
    models: s.config.models,
    windowLengths: s.config.windows.lengths,
    store,
    clock: s.clock,
    log: silentLog(),
    backends: ['wasm'],
    onAlarms: () => woken++,
  });
  await store.start();
  await models.start();
  ingest.onWindows((closed) => models.onWindows(closed));
  await ingest.start();
  return {
    store,
    ingest,
    models,
    woken: () => woken,
    stop: async () => {
      await ingest.stop();
      await models.stop();
      await store.stop();
    },
  };
}

describe('the learned detector in the gateway', () => {
  it('scores every closed window, raises learned_anomaly when power parts from voltage, and clears it', async () => {
    const s = await calibratedSite();
    const g = await running(s);
    try {
      // Warmed from the store: the very first closed window completes an input.
      await feedLamp(s.clock, g.ingest, 180, 1);
      await g.models.idle();
      const [status] = g.models.status().models;
      expect(status).toMatchObject({ name: 'lamp-ae', state: 'running', anomaly: false });
      expect(status?.stats?.inferences).toBe(1);

      await feedLamp(s.clock, g.ingest, 181, 20);
      await g.models.idle();
      expect(g.store.events.ofKind('learned_anomaly')).toEqual([]);
      const normal = g.models.status().models[0];
      expect(normal?.lastScore).toBeLessThan(normal?.threshold ?? 0);
      expect(normal?.stats?.inferences).toBe(21);

      // The lamp draws 5 W at full voltage (a failed driver): each input holds more of it.
      // An input is 5 windows (the config's steps): the deviation must outlast one input.
      const raise = raiseAfter(5);
      const failed = (m: number) => ({ voltage: normalLamp(m).voltage, power: 5 });
      await feedLamp(s.clock, g.ingest, 201, raise - 1, failed);
      await g.models.idle();
      expect(g.store.events.ofKind('learned_anomaly')).toEqual([]);
      await feedLamp(s.clock, g.ingest, 201 + raise - 1, 3, failed);
      await g.models.idle();
      const [raised, ...more] = g.store.events.ofKind('learned_anomaly');
      expect(more).toEqual([]);
      expect(raised).toMatchObject({
        severity: 'warning',
        data: {
          subject: 'lamp-ae',
          state: 'raised',
          evidence: { model: 'lamp-ae', furthestFeature: 'lamp1/activePower', furthestValue: 5 },
        },
      });
      const evidence = (raised?.data as { evidence: { score: number; threshold: number } })
        .evidence;
      expect(evidence.score).toBeGreaterThan(evidence.threshold);
      expect(g.woken()).toBe(1);
      expect(g.models.status().models[0]?.anomaly).toBe(true);

      // Back to normal: once the failed minutes have left the input, CLEAR_AFTER quiet inputs.
      await feedLamp(s.clock, g.ingest, 300, 5 + CLEAR_AFTER, normalLamp);
      await g.models.idle();
      const states = g.store.events.ofKind('learned_anomaly').map((e) => e.data.state);
      expect(states).toEqual(['raised', 'cleared']);
      expect(g.models.status().models[0]?.anomaly).toBe(false);
    } finally {
      await g.stop();
    }
  });

  it('names the reading that broke the learnt pattern: a power register stuck at its usual value', async () => {
    const s = await calibratedSite(normalLampWithCurrent);
    const g = await running(s);
    try {
      await feedLamp(s.clock, g.ingest, 180, 21, normalLampWithCurrent);
      await g.models.idle();
      expect(g.store.events.ofKind('learned_anomaly')).toEqual([]);
      // The power register freezes at 60 W, the lamp's mean, while voltage and current swing on.
      const stuck: LampMinute = (m) => ({ ...normalLampWithCurrent(m), power: 60 });
      await feedLamp(s.clock, g.ingest, 201, 15, stuck);
      await g.models.idle();
      const [raised] = g.store.events.ofKind('learned_anomaly');
      const evidence = (raised?.data as { evidence?: Record<string, unknown> } | undefined)
        ?.evidence;
      expect(evidence).toMatchObject({ worstFitFeature: 'lamp1/activePower' });
      // Well over an equal part of the error (a third each): it is the stuck reading's.
      expect(evidence?.worstFitShare).toBeGreaterThan(0.4);
      // Nothing is far from its mean: the reading furthest off is one still moving as it should.
      expect(evidence?.furthestFeature).not.toBe('lamp1/activePower');
    } finally {
      await g.stop();
    }
  });

  it('refuses a tampered bundle with a model_refused alarm, and ingest goes on', async () => {
    const s = await calibratedSite();
    const weights = join(s.config.models[0]?.bundle ?? '', 'weights.bin');
    const w = readFileSync(weights);
    w[9] = (w[9] ?? 0) ^ 0x40;
    writeFileSync(weights, w);
    const g = await running(s);
    try {
      const [refused] = g.store.events.ofKind('model_refused');
      expect(refused).toMatchObject({
        severity: 'alarm',
        data: { subject: 'lamp-ae', state: 'raised' },
      });
      expect(JSON.stringify(refused?.data)).toMatch(/weights\.bin: sha256 .* does not match/);
      expect(g.models.status().models).toMatchObject([{ name: 'lamp-ae', state: 'refused' }]);
      const before = g.store.summaries.count();
      await feedLamp(s.clock, g.ingest, 180, 3);
      await g.models.idle();
      expect(g.store.summaries.count()).toBeGreaterThan(before);
      expect(g.store.events.ofKind('learned_anomaly')).toEqual([]);
    } finally {
      await g.stop();
    }
  });

  it('refuses a bundle that reads other features than the config names', async () => {
    const s = await calibratedSite();
    const model = s.config.models[0];
    if (model) model.features = ['lamp1/activePower', 'lamp1/voltage'];
    const g = await running(s);
    try {
      expect(g.models.status().models[0]).toMatchObject({
        state: 'refused',
        reason: expect.stringContaining(
          'the bundle reads lamp1/voltage, lamp1/activePower but models.lamp-ae.features says lamp1/activePower, lamp1/voltage',
        ) as string,
      });
      expect(g.store.events.ofKind('model_refused')).toHaveLength(1);
    } finally {
      await g.stop();
    }
  });

  it('refuses a people-counting model configured as a learned detector, saying where it belongs', async () => {
    const s = await lampModelSite(10);
    const config = loadConfig(s.file, { catalogue: DeviceCatalogue.load() });
    const crowd = join(packageRoot(), 'models', 'crowd', 'bundle');
    config.models = [{ ...config.models[0]!, enabled: true, bundle: crowd, features: undefined }];
    const g = await running({ config, dir: s.dir, clock: s.clock });
    try {
      expect(g.models.status().models[0]).toMatchObject({
        state: 'refused',
        reason: `${crowd} is a count-cnn, not a learned detector (people-counting models belong to crowd.zones)`,
      });
    } finally {
      await g.stop();
    }
  });

  it("scores a flow's input in the worker: usual values low, far-off values above the threshold", async () => {
    const s = await calibratedSite();
    const g = await running(s);
    try {
      const card = JSON.parse(
        readFileSync(join(s.config.models[0]?.bundle ?? '', 'card.json'), 'utf8'),
      ) as { input: { window: number }; normalisation: { mean: number[]; std: number[] } };
      const { mean, std } = card.normalisation;
      const rows = (shift: number): number[] =>
        Array.from({ length: card.input.window }, () =>
          mean.map((m, i) => m + shift * (std[i] ?? 1) * (i === 1 ? 1 : 0)),
        ).flat();
      const usual = await g.models.infer('lamp-ae', rows(0));
      const farOff = await g.models.infer('lamp-ae', rows(12));
      expect(usual.threshold).toBe(g.models.status().models[0]?.threshold);
      expect(usual.score).toBeLessThan(usual.threshold);
      expect(farOff.score).toBeGreaterThan(farOff.threshold);
      await expect(g.models.infer('lamp-ae', [1, 2, 3])).rejects.toThrow(
        /model "lamp-ae" reads \d+ rows of lamp1\/voltage, lamp1\/activePower: \d+ finite numbers, row by row \(got 3\)/,
      );
      await expect(g.models.infer('pump-ae', rows(0))).rejects.toThrow(
        'no running model "pump-ae" on this gateway (running: lamp-ae)',
      );
    } finally {
      await g.stop();
    }
  });

  it('runs a shadow version beside the active one, promotes it, and rolls back', async () => {
    const s = await calibratedSite();
    const v2 = join(s.dir, 'bundles', 'lamp-ae-v2');
    await calibrate(s.config, s.dir, s.clock, 4, v2);
    const g = await running(s);
    try {
      const v1 = g.models.status().models[0]?.version;
      expect(await g.models.model('lamp-ae', 'promote', undefined)).toEqual({
        ok: false,
        reason: 'lamp-ae has no shadow version to promote',
      });
      const loaded = await g.models.model('lamp-ae', 'shadow', v2);
      expect(loaded).toMatchObject({ ok: true, result: { active: v1 } });
      await feedLamp(s.clock, g.ingest, 180, 2);
      await g.models.idle();
      const both = g.models.status().models[0];
      expect(both?.stats?.inferences).toBe(2);
      expect(both?.shadow?.stats?.inferences).toBe(2);
      // Another seed, other weights: the shadow scores the same input differently.
      expect(both?.shadow?.lastScore).not.toBe(both?.lastScore);

      expect(await g.models.model('lamp-ae', 'promote', undefined)).toMatchObject({
        ok: true,
        result: { previous: v1 },
      });
      const promoted = g.models.status().models[0];
      expect(promoted?.version).toBe(both?.shadow?.version);
      expect(promoted?.threshold).toBe(both?.shadow?.threshold);
      expect(promoted?.shadow).toBeUndefined();

      expect(await g.models.model('lamp-ae', 'rollback', undefined)).toMatchObject({ ok: true });
      expect(g.models.status().models[0]?.threshold).toBe(both?.threshold);
      expect(await g.models.model('lamp-ae', 'rollback', undefined)).toEqual({
        ok: false,
        reason: 'lamp-ae: nothing to roll back to',
      });
      expect(await g.models.model('nope', 'promote', undefined)).toEqual({
        ok: false,
        reason: 'no running model "nope" on this gateway',
      });
    } finally {
      await g.stop();
    }
  });
});
