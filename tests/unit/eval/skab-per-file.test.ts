import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import {
  coveringLabels,
  evaluateSkabPerFile,
  PER_FILE_DEFAULTS,
} from '../../../scripts/eval/skab-per-file.js';
import { skabSet, twoChannelFile } from '../../harness/skab-set.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

describe("SKAB's per-file recipe", () => {
  it('labels a broken relation after the training rows, offline (covering) and live (streaming)', async () => {
    const set = skabSet(300, [twoChannelFile('other/1.csv', 400, 260)]);
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
    // As in the notebook, the covering rule leaves the last 2 × window − 2 rows unlabelled,
    // and every window over a row must be high: it finds less of the tail, none of it early.
    expect(covering.binary.fn).toBeGreaterThanOrEqual(14);
    expect(covering.binary.f1).toBeGreaterThan(0.75);
    // Carried to the last row it can reach, it finds more of the tail.
    expect(covering.toEnd.tp).toBeGreaterThan(covering.binary.tp);
    // Scored over the whole file, the 200 training rows are true negatives.
    expect(covering.wholeFile.tn).toBe(covering.binary.tn + 200);
    expect(covering.wholeFile.tp).toBe(covering.binary.tp);
    expect(r.files.map((f) => f.name)).toEqual(['other/1.csv']);
  });
});

describe("SKAB's covering rule", () => {
  // 12 rows, windows of 3: windows 0…9, window w over rows w, w + 1, w + 2.
  const high = [false, false, false, true, true, true, true, true, false, false];

  it('labels a row when every window over it but the one starting at it is high', () => {
    const to = coveringLabels(high, 12, 3, 'to-end');
    expect(to).toHaveLength(12);
    // Row 5: windows 3 and 4 are high; row 4: windows 2 and 3, 2 is low; row 8: windows 6 and
    // 7; row 9: windows 7 and 8, 8 is low.
    expect(to).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
  });

  it("stops where the notebook's loop stops: 2 × window − 2 rows before the end", () => {
    const all = high.map(() => true);
    // Rows 2 … 12 − 6 + 1 = 7 in the notebook; rows 2 … 9 to the end.
    expect(coveringLabels(all, 12, 3, 'notebook')).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(coveringLabels(all, 12, 3, 'to-end')).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  });

  it('labels nothing, row by row, in a file shorter than a window', () => {
    expect(coveringLabels([], 1, 3, 'to-end')).toEqual([0]);
  });
});
