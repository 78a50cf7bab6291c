/**
 * `npm run eval:crowd -- --dataset pedestrians --data FILE` as a user runs it, on a file of the
 * same layout as the Melbourne counts but of another length and place.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tsxArgs } from '../harness/processes.js';
import { tempDir } from '../harness/temp-dir.js';

const HOUR = 3_600_000;

describe('npm run eval:crowd', () => {
  it('evaluates any file of the pedestrian layout and ends with one JSON line', async () => {
    const dir = tempDir();
    const file = join(dir, 'square.csv');
    const lines = ['Date_Time,Count,Sensor'];
    for (let h = 0; h < 45 * 168; h++) {
      const t = new Date(Date.UTC(2024, 0, 1) + h * HOUR).toISOString().replace('T', ' ');
      const count = Math.round(40 + 30 * Math.sin((Math.PI * (h % 24)) / 24) + ((h * 37) % 11));
      lines.push(`${t.slice(0, 19)},${String(count)},Town Square`);
    }
    writeFileSync(file, lines.join('\n'));
    const r = await run(
      process.execPath,
      tsxArgs('scripts/eval/crowd-eval.ts', [
        '--dataset',
        'pedestrians',
        '--data',
        file,
        '--holidays',
        'none',
        '--out',
        dir,
      ]),
      120_000,
    );
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(last).toMatchObject({ dataset: 'pedestrians', sensors: 1, test_to: '2024-11-11' });
    expect(typeof last.mase_1h).toBe('number');
    expect(typeof last.mase_24h).toBe('number');
    expect(existsSync(join(dir, 'crowd-pedestrians.md'))).toBe(true);
    expect(readFileSync(join(dir, 'crowd-pedestrians.md'), 'utf8')).toContain('| Town Square |');

    const bad = await run(
      process.execPath,
      tsxArgs('scripts/eval/crowd-eval.ts', ['--dataset', 'crowds']),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dataset must be one of pedestrians, thermal (got "crowds")');
  });

  it('scores the shipped thermal model through the model worker on settings it did not train on', async () => {
    const dir = tempDir();
    const r = await run(
      process.execPath,
      tsxArgs('scripts/eval/crowd-eval.ts', [
        '--dataset',
        'thermal',
        '--frames',
        '30',
        '--out',
        dir,
      ]),
      120_000,
    );
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(last).toMatchObject({
      dataset: 'thermal',
      frames: 30,
      backend: 'wasm',
      empty_frames: 20,
    });
    // Empty frames are scored apart, and the report says how far a person stands above the noise.
    expect(typeof last.empty_frame_count).toBe('number');
    expect(Number(last.person_peak_median_c)).toBeGreaterThan(Number(last.noise_peak_median_c));
    expect(Number(last.person_peak_p5_c)).toBeLessThanOrEqual(Number(last.person_peak_median_c));
    expect(last.outside_training_range).toEqual([
      'height 7 m (trained 3–6)',
      'ambient 30 °C (trained 0–26)',
    ]);
    for (const k of ['mae', 'los_accuracy', 'ms_per_frame']) expect(typeof last[k]).toBe('number');
    expect(existsSync(join(dir, 'crowd-thermal.md'))).toBe(true);

    const bad = await run(
      process.execPath,
      tsxArgs('scripts/eval/crowd-eval.ts', ['--dataset', 'thermal', '--height', '99']),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--height 99: allowed a number from 2 to 15');
  });
});
