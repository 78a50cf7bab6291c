/**
 * The pre-trained bundle shipped in models/: it verifies, and on a simulated week it never saw
 * (another seed) it stays quiet on the normal circuit and scores a failing driver's power
 * factor at twice its threshold or more.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LAMP_FEATURES,
  simulatedMinutes,
} from '../../../models/lamp-circuit-ae/simulated-minutes.js';
import { loadBundle, verifyBundle } from '../../../runtime/models/model-bundle.js';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import {
  normalise,
  scoreWindows,
  slidingWindows,
} from '../../../runtime/models/window-autoencoder.js';
import { packageRoot } from '../../../runtime/shared/package-root.js';

const BUNDLE = join(packageRoot(), 'models', 'lamp-circuit-ae', 'bundle');
let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

describe('the shipped lamp-circuit detector', () => {
  it('verifies, reads the demo lamp meter, and says how it was made', () => {
    const { card } = verifyBundle(BUNDLE);
    expect(card.input).toEqual({ features: [...LAMP_FEATURES], window: 10, stepMs: 60_000 });
    expect(card.command).toMatch(/^npm run train:lamp-ae -- /);
    expect(card.metrics.heldout_false_alarms_per_day).toBe(0);
    expect(card.metrics.heldout_fault_recall).toBe(1);
  });

  it('is quiet on an unseen normal day and scores a power-factor fault above its threshold', async () => {
    const { card, model } = await loadBundle(BUNDLE, tf);
    const threshold = card.thresholds.score ?? 0;
    const inputs = card.input.window * card.input.features.length;
    const start = Date.UTC(2026, 5, 1);
    const score = (rows: number[][]): Float32Array =>
      scoreWindows(tf, model, slidingWindows(normalise(rows, card.normalisation), 10), inputs);
    const clean = score(simulatedMinutes(start, 1, 4242));
    // Switching at dusk and dawn passes through ≤ 9 inputs: the only ones allowed above it.
    expect(clean.filter((s) => s > threshold).length).toBeLessThanOrEqual(18);
    const fault = score(
      simulatedMinutes(start, 1, 4242, [
        { name: 'pf', fromMinute: 60, minutes: 30, apply: ([v, p]) => [v, p, 0.75] },
      ]).slice(60, 90),
    );
    expect(Math.min(...fault)).toBeGreaterThan(2 * threshold);
    model.dispose();
  });
});
