/**
 * `npm run eval:where-to-look` as a user runs it: the learned detector trained on SKAB's
 * anomaly-free run, one channel at a time broken, and the evidence's two answers checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tsxArgs } from '../harness/processes.js';
import { tempDir } from '../harness/temp-dir.js';

interface Fault {
  windows: number;
  alarmed: number;
  alarmed_worst_fit_right: number;
  alarmed_furthest_right: number;
}

describe('npm run eval:where-to-look', () => {
  it('writes its report, ends with one JSON line, and the worst fit names an offset channel more often', async () => {
    const out = tempDir();
    const r = await run(
      process.execPath,
      tsxArgs('scripts/eval/where-to-look.ts', ['--out', out]),
      120_000,
    );
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
      faults?: Record<string, Fault>;
    };
    const faults = last.faults ?? {};
    expect(Object.keys(faults)).toHaveLength(4);
    for (const name of ['offset by +3 spreads', 'offset by −3 spreads']) {
      const f = faults[name];
      expect(f?.alarmed).toBeGreaterThan(0);
      expect(f?.alarmed_worst_fit_right).toBeGreaterThan(f?.alarmed_furthest_right ?? 1);
    }
    const report = readFileSync(join(out, 'where-to-look.md'), 'utf8');
    const plus = faults['offset by +3 spreads'];
    expect(report).toContain(
      `| offset by +3 spreads | ${String(plus?.windows)} | ${String(plus?.alarmed)} | ${String(plus?.alarmed_worst_fit_right)} | ${String(plus?.alarmed_furthest_right)} |`,
    );
  }, 120_000);

  it('refuses a seed that is not a whole number, or a folder without the SKAB layout, saying so', async () => {
    const r = await run(
      process.execPath,
      tsxArgs('scripts/eval/where-to-look.ts', ['--seed', 'x', '--out', tempDir()]),
      60_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seed must be a whole number (got "x")');
    const empty = tempDir();
    const e = await run(
      process.execPath,
      tsxArgs('scripts/eval/where-to-look.ts', ['--data', empty, '--out', tempDir()]),
      60_000,
    );
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(`${empty}: no anomaly-free/anomaly-free.csv (SKAB layout)`);
  });
});
