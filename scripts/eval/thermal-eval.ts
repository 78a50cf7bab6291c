import { ThermalScene, type ThermalSettings } from '../../models/crowd/thermal-generator.js';
import { levelOfService, type LosScheme } from '../../runtime/crowd/level-of-service.js';
import { ModelHost } from '../../runtime/models/model-host.js';
import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';

export interface ThermalEvalOptions {
  /** The fixed settings under test (those not drawn per frame). */
  settings: Partial<ThermalSettings>;
  /** People per frame are drawn uniformly from this range, inclusive. */
  people: [number, number];
  frames: number;
  /** The crowd zone's area, m², and scheme, for the level of service. */
  zoneAreaM2: number;
  scheme: LosScheme;
  seed: number;
  onFrame?: (done: number) => void;
}

export interface ThermalEvalResult {
  frames: number;
  mae: number;
  /** Share of frames whose level of service from the model's count equals the true one's. */
  losAccuracy: number;
  /** Inference in the model worker, one frame per call: median and 95th percentile, ms. */
  msPerFrame: number;
  msPerFrameP95: number;
  backend: string;
  /** Mean absolute error by true count. */
  byCount: { count: number; frames: number; mae: number }[];
}

/**
 * The thermal crowd model on generated frames, through the gateway's model worker (frames go in
 * raw; the worker prepares them as the card says): count MAE, level-of-service accuracy for a
 * zone, and latency.
 */
export async function evaluateThermal(
  bundleDir: string,
  o: ThermalEvalOptions,
): Promise<ThermalEvalResult> {
  const host = new ModelHost();
  const backend = await host.start(['wasm', 'cpu']);
  try {
    await host.load('crowd', bundleDir);
    const random = seededRandom(o.seed);
    let abs = 0;
    let losHits = 0;
    const by = new Map<number, { n: number; abs: number }>();
    for (let i = 0; i < o.frames; i++) {
      const people = Math.floor(uniform(random, o.people[0], o.people[1] + 1));
      const f = new ThermalScene({ ...o.settings, people, seed: o.seed * 7919 + i }).frame();
      const { scores } = await host.infer('crowd', f.pixels);
      const predicted = Math.max(0, Math.round(scores[0] ?? 0));
      const err = Math.abs(predicted - f.count);
      abs += err;
      const b = by.get(f.count) ?? { n: 0, abs: 0 };
      b.n++;
      b.abs += err;
      by.set(f.count, b);
      if (
        levelOfService(predicted / o.zoneAreaM2, o.scheme) ===
        levelOfService(f.count / o.zoneAreaM2, o.scheme)
      )
        losHits++;
      if (i % 50 === 0) o.onFrame?.(i);
    }
    const stats = host.stats('crowd');
    return {
      frames: o.frames,
      mae: abs / o.frames,
      losAccuracy: losHits / o.frames,
      msPerFrame: stats?.p50Ms ?? NaN,
      msPerFrameP95: stats?.p95Ms ?? NaN,
      backend,
      byCount: [...by]
        .sort((a, b) => a[0] - b[0])
        .map(([count, b]) => ({ count, frames: b.n, mae: b.abs / b.n })),
    };
  } finally {
    await host.stop();
  }
}
