import { describe, expect, it } from 'vitest';
import { loadNab } from '../../../scripts/eval/nab-data.js';
import { evaluateNab, NAB_DETECTORS, rowsPerDay } from '../../../scripts/eval/nab-eval.js';
import { erf, seasonalTailScores } from '../../../scripts/eval/streaming-detector.js';
import { nabFolder } from '../../harness/nab-folder.js';
import { tempDir } from '../../harness/temp-dir.js';

const T0 = Date.UTC(2014, 3, 1);
const STEP = 3_600_000;
const stamp = (i: number): string =>
  new Date(T0 + i * STEP).toISOString().replace('T', ' ').slice(0, 19);

/** Ten days of hourly values with a daily pattern (and a wobble that is not daily); a jump to
 * 100 at row 200 when `jump`. */
function series(jump: boolean): string {
  const lines = ['timestamp,value'];
  for (let i = 0; i < 240; i++)
    lines.push(
      `${stamp(i)},${jump && i >= 200 && i < 204 ? 100 : 10 + 5 * Math.sin((2 * Math.PI * i) / 24) + 0.5 * Math.sin(i * 1.7)}`,
    );
  return `${lines.join('\n')}\n`;
}

function twoSeries(): string {
  return nabFolder({
    'artificialWithAnomaly/jump.csv': {
      csv: series(true),
      windows: [[`${stamp(195)}.000000`, `${stamp(210)}.000000`]],
    },
    'artificialWithAnomaly/calm.csv': { csv: series(false), windows: [] },
  });
}

describe('NAB evaluation', () => {
  it('reads the NAB layout and turns label windows into row ranges', () => {
    const s = loadNab(twoSeries());
    expect(s.map((x) => [x.name, x.values.length, x.windows])).toEqual([
      ['artificialWithAnomaly/calm.csv', 240, []],
      ['artificialWithAnomaly/jump.csv', 240, [[195, 210]]],
    ]);
    expect(rowsPerDay(s[0]?.timeMs ?? [])).toBe(24);
    expect(() => loadNab(tempDir())).toThrow('no labels/combined_windows.json');
  });

  it('scores what repeats every day low and a jump high, and NAB rewards finding it early', () => {
    const s = loadNab(twoSeries());
    const jump = s[1]?.values ?? [];
    const scores = seasonalTailScores(jump, 24, 7, 24);
    expect(scores[200]).toBeGreaterThan(0.999);
    expect(Math.max(...Array.from(scores.slice(30, 190)))).toBeLessThan(0.99);
    const r = evaluateNab(s, NAB_DETECTORS.seasonal);
    expect(r.scores.standard).toBeGreaterThan(90);
    expect(r.windows).toBe(1);
    // The headline detector finds the jump too, from the same files.
    expect(evaluateNab(s).scores.standard).toBeGreaterThan(80);
  });

  it('does not read rounding errors as change on a series that repeats exactly', () => {
    // NAB's art_daily_no_noise: a square wave of 79.99996928 and 31.999993856; the mean of
    // equal values of these misses them by one rounding error.
    const day = 24;
    const values = Array.from({ length: day * 12 }, (_, i): number =>
      i % day < 12 ? 79.99996928 : 31.999993856,
    );
    expect(Math.max(...Array.from(seasonalTailScores(values, day, 7, day)))).toBeLessThan(1e-6);
    // A real change on the same series still scores as one.
    values[day * 10 + 3] = 79.9;
    expect(seasonalTailScores(values, day, 7, day)[day * 10 + 3]).toBeGreaterThan(0.999);
  });

  it('computes erf to 1e-7', () => {
    expect(erf(0)).toBeCloseTo(0, 7);
    expect(erf(1)).toBeCloseTo(0.8427007929, 6);
    expect(erf(-2)).toBeCloseTo(-0.995322265, 6);
  });
});
