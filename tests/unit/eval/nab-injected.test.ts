import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../runtime/shared/seeded-random.js';
import {
  injectAnomaly,
  injectedSet,
  INJECTED_KINDS,
  stepNoise,
} from '../../../scripts/eval/nab-injected.js';

const N = 1000;
/** A smooth wave with unit step noise. */
function base(): number[] {
  const random = seededRandom(9);
  return Array.from({ length: N }, (_, i) => 100 + 20 * Math.sin(i / 50) + (random() - 0.5));
}

describe('NAB-shaped injected set', () => {
  it('measures step noise robustly: one huge step does not change it', () => {
    const v = base();
    const s = stepNoise(v);
    const spiked = [...v];
    spiked[500] = 1e6;
    expect(stepNoise(spiked)).toBeCloseTo(s, 1);
    expect(stepNoise([5, 5, 5, 5, 15, 15])).toBeGreaterThan(0);
  });

  it('injects each kind where it says, and leaves the rows before untouched', () => {
    const v = base();
    const s = stepNoise(v);
    const at = 600;
    for (const kind of INJECTED_KINDS) {
      const out = injectAnomaly(v, kind, at, seededRandom(1));
      expect(out.slice(0, at)).toEqual(v.slice(0, at));
      const diff = out.map((x, i) => x - (v[i] ?? 0));
      if (kind === 'spike') {
        expect(diff[at]).toBeGreaterThanOrEqual(5 * s);
        expect(diff.filter((d) => d !== 0)).toHaveLength(1);
      } else if (kind === 'shift') {
        expect(Math.abs(diff[N - 1] ?? 0)).toBeGreaterThanOrEqual(3 * s);
        expect(diff[at]).toBeCloseTo(diff[N - 1] ?? 0, 9);
      } else if (kind === 'drift') {
        expect(Math.abs(diff[at] ?? 0)).toBeLessThan(Math.abs(diff[N - 1] ?? 0) / 10);
        expect(Math.abs(diff[N - 1] ?? 0)).toBeGreaterThanOrEqual(5 * s);
      } else if (kind === 'stuck') {
        expect(new Set(out.slice(at, at + 50))).toEqual(new Set([v[at]]));
        expect(out.slice(at + 50)).toEqual(v.slice(at + 50));
      } else {
        expect(diff.slice(at, at + 30).some((d) => Math.abs(d) > s)).toBe(true);
        expect(out.slice(at + 30)).toEqual(v.slice(at + 30));
      }
    }
  });

  it('gives every base series a clean copy and one file per kind, with a centred window', () => {
    const timeMs = Array.from({ length: N }, (_, i) => i * 300_000);
    const set = injectedSet([{ name: 'x', timeMs, values: base() }], 3);
    expect(set.map((s) => s.name)).toEqual(['x/clean', ...INJECTED_KINDS.map((k) => `x/${k}`)]);
    expect(set[0]?.values).toEqual(base());
    expect(set[0]?.windows).toEqual([]);
    for (const s of set.slice(1)) {
      const [from = 0, to = 0] = s.windows[0] ?? [];
      expect(to - from).toBe(100);
      const at = s.values.findIndex((x, i) => x !== base()[i]);
      // A stuck value holds the anomaly's first row, so it first differs one row later.
      expect(at - from).toBe(s.name.endsWith('stuck') ? 51 : 50);
      expect(at).toBeGreaterThanOrEqual(0.3 * N);
    }
  });
});
