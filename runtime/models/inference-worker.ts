/**
 * The models' own thread: TensorFlow.js, its backend and the loaded bundles live here, so a
 * forward pass never holds up the event loop that polls buses and sends data. Messages in:
 * `init` (backend order), `load` (a bundle into a slot), `drop`, `infer` (windows, flattened, in
 * the features' own units: each version normalises them with its card).
 * Every reply carries the request id; failures come back as `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import type * as tfTypes from '@tensorflow/tfjs';
import { loadBundle } from './model-bundle.js';
import type { ModelCard } from './model-card.js';
import { chooseBackend, type BackendName, type Tf } from './tf-backend.js';
import { thermalExcess } from './thermal-excess.js';
import { scoreWindowsByFeature } from './window-autoencoder.js';

export type WorkerRequest =
  | { id: number; op: 'init'; backends: BackendName[] }
  | { id: number; op: 'load'; slot: string; dir: string }
  | { id: number; op: 'drop'; slot: string }
  | { id: number; op: 'infer'; slot: string; data: Float32Array };

export type WorkerReply =
  | {
      id: number;
      ok: true;
      backend?: BackendName;
      card?: ModelCard;
      scores?: Float32Array;
      /** Autoencoders: each window's reconstruction error by feature, window after window
       * (`scoreWindowsByFeature`). */
      featureErrors?: Float32Array;
      ms?: number;
    }
  | { id: number; ok: false; error: string };

let tf: Tf | undefined;
const slots = new Map<string, { card: ModelCard; model: tfTypes.LayersModel; inputs: number }>();

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  if (req.op === 'init') {
    const choice = await chooseBackend(req.backends);
    tf = choice.tf;
    return { id: req.id, ok: true, backend: choice.backend };
  }
  if (!tf) throw new Error('the model worker was not initialised');
  if (req.op === 'load') {
    const { card, model } = await loadBundle(req.dir, tf);
    slots.get(req.slot)?.model.dispose();
    slots.set(req.slot, {
      card,
      model,
      inputs: card.input.shape
        ? card.input.shape.reduce((a, b) => a * b, 1)
        : card.input.window * card.input.features.length,
    });
    return { id: req.id, ok: true, card };
  }
  if (req.op === 'drop') {
    slots.get(req.slot)?.model.dispose();
    slots.delete(req.slot);
    return { id: req.id, ok: true };
  }
  const slot = slots.get(req.slot);
  if (!slot) throw new Error(`no model loaded as ${req.slot}`);
  if (req.data.length % slot.inputs !== 0)
    throw new Error(
      `${req.slot}: ${req.data.length} values are not whole windows of ${slot.inputs} (${slot.card.input.window} × ${slot.card.input.features.length})`,
    );
  const t0 = performance.now();
  const { card } = slot;
  const x = req.data;
  if (card.input.preprocessing === 'thermal-excess') {
    // Frames: each prepared on its own; the model's outputs (a count per frame) come back.
    const shape = card.input.shape ?? [slot.inputs];
    for (let at = 0; at < x.length; at += slot.inputs) {
      const frame = x.subarray(at, at + slot.inputs);
      thermalExcess(frame, shape[1] ?? slot.inputs, shape[0] ?? 1, frame);
    }
    const n = x.length / slot.inputs;
    const scores = tf.tidy(() => {
      const y = slot.model.predict(tf!.tensor(x, [n, ...shape])) as tfTypes.Tensor;
      return y.dataSync() as Float32Array;
    });
    return { id: req.id, ok: true, scores, ms: performance.now() - t0 };
  }
  // Each version normalises with its own card: a recalibrated shadow may have learnt another
  // mean and spread from the same raw inputs.
  const { mean, std } = card.normalisation;
  const F = card.input.features.length;
  for (let i = 0; i < x.length; i++) x[i] = ((x[i] ?? 0) - (mean[i % F] ?? 0)) / (std[i % F] ?? 1);
  const { scores, byFeature } = scoreWindowsByFeature(tf, slot.model, x, slot.inputs, F);
  return { id: req.id, ok: true, scores, featureErrors: byFeature, ms: performance.now() - t0 };
}

parentPort?.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => {
      const transfer = reply.ok
        ? [reply.scores, reply.featureErrors].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []))
        : [];
      parentPort?.postMessage(reply, transfer);
    },
    (err: unknown) =>
      parentPort?.postMessage({ id: req.id, ok: false, error: (err as Error).message }),
  );
});
