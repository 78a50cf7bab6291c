import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, type Tf } from '../../../runtime/models/tf-backend.js';
import { loadSkab, SKAB_CHANNELS } from '../../../scripts/eval/skab-data.js';
import { evaluateSkab, SKAB_DEFAULTS } from '../../../scripts/eval/skab-eval.js';
import { tempDir } from '../../harness/temp-dir.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await chooseBackend(['wasm', 'cpu']));
});

/** A SKAB-layout CSV: 8 noisy channels; from `anomalyFrom` on, the flow channel drops hard. */
function csv(rows: number, anomalyFrom: number | null, seed: number): string {
  let s = seed;
  const noise = (): number => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648 - 0.5;
  };
  const header = [
    'datetime',
    ...SKAB_CHANNELS,
    ...(anomalyFrom === null ? [] : ['anomaly', 'changepoint']),
  ];
  const lines = [header.join(';')];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2020, 2, 1, 10, 0, i)).toISOString().slice(0, 19).replace('T', ' ');
    const bad = anomalyFrom !== null && i >= anomalyFrom;
    const values = SKAB_CHANNELS.map(
      (_, j) => (j === 7 ? (bad ? 20 : 32) : 10 * (j + 1)) + noise(),
    );
    const labels = anomalyFrom === null ? [] : [bad ? 1 : 0, i === anomalyFrom ? 1 : 0];
    lines.push([t, ...values.map((v) => v.toFixed(4)), ...labels].join(';'));
  }
  return `${lines.join('\n')}\n`;
}

function skabFolder(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'anomaly-free'));
  mkdirSync(join(dir, 'valve1'));
  writeFileSync(join(dir, 'anomaly-free', 'anomaly-free.csv'), csv(1200, null, 1));
  writeFileSync(join(dir, 'valve1', '0.csv'), csv(900, 600, 2));
  writeFileSync(join(dir, 'valve1', '1.csv'), csv(900, 650, 3));
  return dir;
}

describe('SKAB evaluation', () => {
  it('reads a folder in SKAB layout, and says what is missing from one that is not', () => {
    const set = loadSkab(skabFolder());
    expect(set.experiments.map((e) => e.name)).toEqual(['valve1/0.csv', 'valve1/1.csv']);
    expect(set.experiments[0]?.rows[0]).toHaveLength(8);
    expect(set.experiments[0]?.anomaly?.filter((a) => a === 1)).toHaveLength(300);
    expect(set.trainOnly).toEqual([]);
    expect(() => loadSkab(tempDir())).toThrow('no anomaly-free/anomaly-free.csv');
  });

  it('finds a flow drop it never saw in training, by the protocol (train on the first 400 rows)', async () => {
    const r = await evaluateSkab(tf, loadSkab(skabFolder()), { ...SKAB_DEFAULTS, epochs: 8 });
    expect(r.binary.f1).toBeGreaterThan(0.9);
    expect(r.binary.far).toBeLessThan(0.05);
    expect(r.changepoint.standard).toBeGreaterThan(50);
    expect(r.msPerWindow).toBeGreaterThan(0);
  });
});
