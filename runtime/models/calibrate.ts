import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import { parseIsoDuration } from '../shared/iso-duration.js';
import type { Store } from '../store/store.js';
import { saveBundle } from './model-bundle.js';
import type { ModelCard } from './model-card.js';
import type { Tf } from './tf-backend.js';
import {
  buildAutoencoder,
  concatWindows,
  fitNormalisation,
  normalise,
  scoreQuantile,
  scoreWindows,
  slidingWindows,
  trainAutoencoder,
} from './window-autoencoder.js';

const DAY = 86_400_000;
/** Fewer inputs than this do not say what normal is. */
export const MIN_WINDOWS = 50;

export class CalibrateError extends Error {}

export interface CalibrateOptions {
  config: SiteConfig;
  modelName: string;
  store: Store;
  tf: Tf;
  backend: string;
  nowMs: number;
  days: number;
  epochs: number;
  /** Seeds the initial weights and the shuffle. */
  seed: number;
  command: string;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface CalibrateResult {
  card: ModelCard;
  dir: string;
  windows: number;
  seconds: number;
}

/**
 * `edge-gw calibrate`: trains a model's learned detector on this gateway's own recent past,
 * read from the windows in its store, and writes the bundle where the config says. Rows are the
 * window means of the model's features; inputs are `steps` consecutive rows, never across a
 * gap. The threshold is the 99th percentile of the training scores × 1.5.
 */
export async function calibrateModel(o: CalibrateOptions): Promise<CalibrateResult> {
  const model = o.config.models.find((m) => m.name === o.modelName);
  if (!model)
    throw new CalibrateError(
      `no model "${o.modelName}" in the config (models: ${o.config.models.map((m) => m.name).join(', ') || 'none'})`,
    );
  const { features, window } = model;
  if (!features || !window)
    throw new CalibrateError(
      `models.${model.name}: calibrate needs its features (device/point list) and window`,
    );
  const lengthMs = parseIsoDuration(window);
  if (lengthMs === undefined || !o.config.windows.lengths.includes(window))
    throw new CalibrateError(
      `models.${model.name}.window: "${window}" is not one of windows.lengths`,
    );
  const fromMs = o.nowMs - o.days * DAY;
  const ids = features.map((f) => {
    const [device = '', point = ''] = f.split('/');
    return o.store.readings.streamId(device, point);
  });
  const byT0 = new Map<number, (number | undefined)[]>();
  for (const s of o.store.summaries.range(lengthMs, fromMs, o.nowMs)) {
    const k = ids.indexOf(s.stream);
    if (k < 0 || s.stats.n === 0) continue;
    let row = byT0.get(s.t0);
    if (!row) byT0.set(s.t0, (row = new Array<number | undefined>(features.length)));
    row[k] = s.stats.sum / s.stats.n;
  }
  // Runs of consecutive complete rows: an input never spans a gap.
  const runs: number[][][] = [];
  let run: number[][] = [];
  let prev = -Infinity;
  for (const t0 of [...byT0.keys()].sort((a, b) => a - b)) {
    const row = byT0.get(t0) ?? [];
    const complete = row.length === features.length && row.every((v) => v !== undefined);
    if (!complete || t0 !== prev + lengthMs) {
      if (run.length > 0) runs.push(run);
      run = [];
    }
    if (complete) run.push(row.map((v) => v ?? 0));
    prev = t0;
  }
  if (run.length > 0) runs.push(run);
  const rows = runs.flat();
  const usable = runs.reduce((n, r) => n + Math.max(0, r.length - model.steps + 1), 0);
  if (usable < MIN_WINDOWS)
    throw new CalibrateError(
      `only ${usable} inputs of ${model.steps} consecutive ${window} windows with every feature (${features.join(', ')}) in the last ${o.days} days; at least ${MIN_WINDOWS} are needed: let the gateway run longer, or pass --days`,
    );
  const F = features.length;
  const { mean, std } = fitNormalisation(rows);
  const parts = runs.map((r) => slidingWindows(normalise(r, { mean, std }), model.steps));
  const inputs = model.steps * F;
  const all = concatWindows(parts);
  const ae = buildAutoencoder(
    o.tf,
    {
      window: model.steps,
      features: F,
      hidden: 32,
      bottleneck: 8,
    },
    o.seed,
  );
  const t0 = performance.now();
  const loss = await trainAutoencoder(o.tf, ae, all, inputs, {
    epochs: o.epochs,
    batchSize: 64,
    seed: o.seed,
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  const scores = scoreWindows(o.tf, ae, all, inputs);
  const card = await saveBundle(model.bundle, ae, o.tf, {
    name: model.name,
    version: new Date(o.nowMs).toISOString(),
    kind: 'window-autoencoder',
    created: new Date(o.nowMs).toISOString(),
    input: { features, window: model.steps, stepMs: lengthMs },
    normalisation: { mean, std },
    thresholds: { score: scoreQuantile(scores, 0.99) * 1.5 },
    metrics: { train_score_p50: scoreQuantile(scores, 0.5), train_loss: loss },
    training: {
      data: `${o.store.file}: ${window} windows from ${new Date(fromMs).toISOString()} to ${new Date(o.nowMs).toISOString()}`,
      sha256: createHash('sha256').update(Buffer.from(all.buffer)).digest('hex'),
      rows: rows.length,
      seconds,
      backend: o.backend,
    },
    command: o.command,
  });
  ae.dispose();
  return { card, dir: model.bundle, windows: all.length / inputs, seconds };
}
