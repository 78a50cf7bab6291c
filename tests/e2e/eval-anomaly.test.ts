/**
 * `npm run eval:anomaly -- --dataset nab --data DIR` as a user runs it, on a folder of NAB's
 * layout that is not the one in ../shared/data: one series with a labelled jump, one without.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tsxArgs } from '../harness/processes.js';
import { nabFolder } from '../harness/nab-folder.js';
import { tempDir } from '../harness/temp-dir.js';

const T0 = Date.UTC(2015, 0, 1);
const STEP = 600_000;
const stamp = (i: number): string =>
  new Date(T0 + i * STEP).toISOString().replace('T', ' ').slice(0, 19);

/** Twelve days of 10-minute values that repeat every day; a jump for an hour at row 1300. */
function series(jump: boolean): string {
  const lines = ['timestamp,value'];
  for (let i = 0; i < 144 * 12; i++) {
    const usual = 40 + 20 * Math.sin((2 * Math.PI * i) / 144) + 2 * Math.sin(i * 1.3);
    lines.push(`${stamp(i)},${String(jump && i >= 1300 && i < 1306 ? 140 : usual)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('npm run eval:anomaly', () => {
  it('scores any folder of the NAB layout, writes its report and ends with one JSON line', async () => {
    const dir = nabFolder({
      'site/pump.csv': {
        csv: series(true),
        windows: [[`${stamp(1290)}.000000`, `${stamp(1330)}.000000`]],
      },
      'site/calm.csv': { csv: series(false), windows: [] },
    });
    const out = tempDir();
    const r = await run(
      process.execPath,
      tsxArgs('scripts/eval/anomaly-eval.ts', ['--dataset', 'nab', '--data', dir, '--out', out]),
      120_000,
    );
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(last).toMatchObject({ dataset: 'nab', files: 2, windows: 1 });
    // The jump is found near its window's left edge and the calm series raises nothing.
    expect(Number(last.nab_standard)).toBeGreaterThan(90);
    expect(typeof last.ms_per_window).toBe('number');
    const report = readFileSync(join(out, 'anomaly-nab.md'), 'utf8');
    expect(report).toContain(`| standard | ${String(last.nab_standard)} |`);
    // NAB's own scoreboard detectors run beside it, with their published figures.
    type Profiles = { nab_standard: number; nab_low_fp: number; nab_low_fn: number };
    type Yardsticks = { relative_entropy: Profiles };
    const triple = (p: Profiles): string =>
      `${String(p.nab_standard)} / ${String(p.nab_low_fp)} / ${String(p.nab_low_fn)}`;
    const here = (last.yardsticks as Yardsticks).relative_entropy;
    const dev = (last.injected_dev_set as { yardsticks: Yardsticks } | undefined)?.yardsticks;
    const devCell = dev ? ` ${triple(dev.relative_entropy)} |` : '';
    expect(report).toContain(
      `| relative entropy | 54.6 / 47.6 / 58.8 |${devCell} ${triple(here)} |`,
    );
    expect(existsSync(join(out, 'anomaly-nab.json'))).toBe(true);
    // The run scores the development set and the water pieces too (about 36 s alone, more while
    // other suites share the two cores): the test waits as long as the run is allowed.
  }, 120_000);

  it('says which file is wrong in a broken NAB folder, and exits 2', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'labels'));
    writeFileSync(
      join(dir, 'labels', 'combined_windows.json'),
      JSON.stringify({ 'site/gone.csv': [] }),
    );
    const missing = await run(
      process.execPath,
      tsxArgs('scripts/eval/anomaly-eval.ts', ['--dataset', 'nab', '--data', dir]),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `${join(dir, 'data', 'site', 'gone.csv')}: listed in the labels but missing`,
    );

    mkdirSync(join(dir, 'data', 'site'), { recursive: true });
    writeFileSync(
      join(dir, 'data', 'site', 'gone.csv'),
      'timestamp,value\n2015-01-01 00:00:00,x\n',
    );
    const unreadable = await run(
      process.execPath,
      tsxArgs('scripts/eval/anomaly-eval.ts', ['--dataset', 'nab', '--data', dir]),
    );
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('gone.csv line 2: cannot read "2015-01-01 00:00:00,x"');
  });
});
