import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import type { SkabFile, SkabSet } from '../../../scripts/eval/skab-data.js';
import { evaluateSkabPerFile, PER_FILE_DEFAULTS } from '../../../scripts/eval/skab-per-file.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

/** Two channels that move together; from `breakAt` on, the second one stops following. */
function file(name: string, rows: number, breakAt = Infinity): SkabFile {
  const r = Array.from({ length: rows }, (_, i) => {
    const v = Math.sin(i / 6);
    return [v, i >= breakAt ? 1.5 : -v];
  });
  return {
    name,
    timeMs: r.map((_, i) => i * 1000),
    rows: r,
    anomaly: r.map((_, i) => (i >= breakAt ? 1 : 0)),
    changepoint: r.map((_, i) => (i === breakAt ? 1 : 0)),
  };
}

describe("SKAB's per-file recipe", () => {
  it('labels a broken relation after the training rows, offline (covering) and live (streaming)', async () => {
    const free = file('anomaly-free', 300);
    const set: SkabSet = {
      anomalyFree: { name: free.name, timeMs: free.timeMs, rows: free.rows },
      experiments: [file('other/1.csv', 400, 260)],
      trainOnly: [],
    };
    const r = await evaluateSkabPerFile(tf, set, {
      ...PER_FILE_DEFAULTS,
      trainRows: 200,
      shape: { window: 8, hidden: 16, bottleneck: 4 },
      pretrainEpochs: 5,
      fileEpochs: 40,
    });
    // Test rows 200..399: 60 normal, 140 anomalous.
    const { covering, streaming } = r;
    expect(covering.binary.tp + covering.binary.fn).toBe(140);
    expect(covering.binary.fp + covering.binary.tn).toBe(60);
    expect(covering.binary.fp).toBe(0);
    expect(streaming.binary.fp).toBe(0);
    expect(streaming.binary.f1).toBeGreaterThan(0.9);
    // The covering rule cannot label the last window − 1 rows (it needs the windows after them),
    // and every window over a row must be high: it finds less of the tail, none of it early.
    expect(covering.binary.fn).toBeGreaterThanOrEqual(7);
    expect(covering.binary.f1).toBeGreaterThan(0.75);
    expect(r.files.map((f) => f.name)).toEqual(['other/1.csv']);
  });
});
