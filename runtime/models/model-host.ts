import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './inference-worker.js';
import type { ModelCard } from './model-card.js';
import type { BackendName } from './tf-backend.js';

/** Starts the worker from its compiled .js, or under tsx from its .ts source (development,
 * tests): a worker thread does not inherit the tsx loader, so it registers it itself. */
function spawnWorker(): Worker {
  const self = import.meta.url;
  const entry = new URL(
    self.endsWith('.ts') ? './inference-worker.ts' : './inference-worker.js',
    self,
  );
  const tsx = self.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : '';
  const boot = `
    const { workerData } = require('node:worker_threads');
    (async () => {
      if (workerData.tsx) (await import(workerData.tsx)).register();
      await import(workerData.entry);
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  return new Worker(boot, { eval: true, workerData: { entry: entry.href, tsx } });
}

export interface SlotStats {
  version: string;
  inferences: number;
  /** Latency of one call (all its windows), ms. */
  p50Ms: number | null;
  p95Ms: number | null;
  /** Median score of recent windows over the median score in training (1 = as trained). */
  drift: number | null;
}

interface Slot {
  /** The model's name in the worker (versions move between roles without reloading). */
  workerSlot: string;
  card: ModelCard;
  latencies: number[];
  scores: number[];
  inferences: number;
}

/** A request without its id (the host numbers them). */
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

const KEEP = 1_000;

function pct(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? null;
}

/**
 * The gateway's side of the model worker. Each model name has an active version and may have
 * a shadow (a candidate run on the same inputs, never acted on) until it is promoted; the
 * version it replaced is kept for a rollback. Latency and drift are kept per version.
 */
export class ModelHost {
  private worker?: Worker;
  private next = 1;
  private loaded = 0;
  private readonly waiting = new Map<number, (r: WorkerReply) => void>();
  /** By `name:role`, role one of active, shadow, previous. */
  private readonly slots = new Map<string, Slot>();
  backend?: BackendName;

  async start(backends: BackendName[] = ['tensorflow', 'wasm', 'cpu']): Promise<BackendName> {
    const worker = spawnWorker();
    this.worker = worker;
    worker.on('message', (r: WorkerReply) => {
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    worker.on('error', (err) => this.failAll(err.message));
    worker.on('exit', (code) => this.failAll(`the model worker exited (${code})`));
    const r = await this.call({ op: 'init', backends });
    this.backend = r.backend ?? 'cpu';
    return this.backend;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  /** Loads a bundle (verified against its card's digests) as `name`'s active version, or as
   * its shadow. Throws with the bundle's problems if it is refused; what ran before keeps
   * running. */
  async load(name: string, dir: string, role: 'active' | 'shadow' = 'active'): Promise<ModelCard> {
    const workerSlot = `m${++this.loaded}`;
    const r = await this.call({ op: 'load', slot: workerSlot, dir });
    const card = r.card as ModelCard;
    await this.put(`${name}:${role}`, {
      workerSlot,
      card,
      latencies: [],
      scores: [],
      inferences: 0,
    });
    return card;
  }

  /** Scores flattened windows of raw feature values (each version normalises them as its card
   * says) on the active version, and on the shadow, if any, alongside. An autoencoder's active
   * version also gives each window's error by feature (`featureErrors`, window after window). */
  async infer(
    name: string,
    windows: Float32Array,
  ): Promise<{ scores: Float32Array; featureErrors?: Float32Array; shadow?: Float32Array }> {
    const active = await this.inferSlot(`${name}:active`, windows);
    if (!this.slots.has(`${name}:shadow`)) return active;
    const shadow = await this.inferSlot(`${name}:shadow`, windows);
    return { ...active, shadow: shadow.scores };
  }

  /** Drops `name`'s shadow version, if it has one. */
  async dropShadow(name: string): Promise<void> {
    const shadow = this.slots.get(`${name}:shadow`);
    if (!shadow) return;
    this.slots.delete(`${name}:shadow`);
    await this.call({ op: 'drop', slot: shadow.workerSlot });
  }

  /** The shadow becomes active; the active one is kept for a rollback. */
  async promote(name: string): Promise<void> {
    const shadow = this.slots.get(`${name}:shadow`);
    if (!shadow) throw new Error(`${name}: no shadow version to promote`);
    const active = this.slots.get(`${name}:active`);
    this.slots.delete(`${name}:shadow`);
    if (active) await this.put(`${name}:previous`, active);
    this.slots.set(`${name}:active`, shadow);
  }

  /** The version before the last promotion becomes active again; the demoted one is dropped. */
  async rollback(name: string): Promise<void> {
    const previous = this.slots.get(`${name}:previous`);
    if (!previous) throw new Error(`${name}: nothing to roll back to`);
    this.slots.delete(`${name}:previous`);
    await this.put(`${name}:active`, previous);
  }

  stats(name: string, role: 'active' | 'shadow' = 'active'): SlotStats | undefined {
    const s = this.slots.get(`${name}:${role}`);
    if (!s) return undefined;
    const trained = s.card.metrics.train_score_p50;
    const recent = pct(s.scores, 0.5);
    return {
      version: s.card.version,
      inferences: s.inferences,
      p50Ms: pct(s.latencies, 0.5),
      p95Ms: pct(s.latencies, 0.95),
      drift: trained && recent !== null ? recent / trained : null,
    };
  }

  /** Puts a version in a role, dropping from the worker whatever held that role before. */
  private async put(key: string, slot: Slot): Promise<void> {
    const old = this.slots.get(key);
    this.slots.set(key, slot);
    if (old && old.workerSlot !== slot.workerSlot)
      await this.call({ op: 'drop', slot: old.workerSlot });
  }

  private async inferSlot(
    key: string,
    windows: Float32Array,
  ): Promise<{ scores: Float32Array; featureErrors?: Float32Array }> {
    const s = this.slots.get(key);
    if (!s) throw new Error(`no model loaded as ${key}`);
    // A copy goes to the worker (transferred, not cloned): the caller keeps its buffer.
    const r = await this.call({ op: 'infer', slot: s.workerSlot, data: windows.slice() });
    const scores = r.scores ?? new Float32Array(0);
    s.inferences++;
    s.latencies.push(r.ms ?? 0);
    for (const x of scores) s.scores.push(x);
    if (s.latencies.length > KEEP) s.latencies.splice(0, s.latencies.length - KEEP);
    if (s.scores.length > KEEP) s.scores.splice(0, s.scores.length - KEEP);
    return r.featureErrors ? { scores, featureErrors: r.featureErrors } : { scores };
  }

  private call(req: Request): Promise<Extract<WorkerReply, { ok: true }>> {
    const w = this.worker;
    if (!w) return Promise.reject(new Error('the model host is not started'));
    const id = this.next++;
    const msg: WorkerRequest = { ...req, id };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r) : reject(new Error(r.error))));
      w.postMessage(msg, msg.op === 'infer' ? [msg.data.buffer as ArrayBuffer] : []);
    });
  }

  private failAll(reason: string): void {
    for (const done of this.waiting.values()) done({ id: 0, ok: false, error: reason });
    this.waiting.clear();
  }
}
