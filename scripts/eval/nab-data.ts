import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NabSeries {
  /** `<category>/<file>.csv`, the key in the label file. */
  name: string;
  timeMs: number[];
  values: number[];
  /** Label windows as inclusive row ranges. */
  windows: [number, number][];
}

const parseTime = (s: string): number => Date.parse(`${s.trim().replace(' ', 'T')}Z`);

/** A folder in NAB's layout: `data/<category>/<file>.csv` (timestamp,value) and
 * `labels/combined_windows.json` (per file, windows as [start, end] timestamps). */
export function loadNab(dir: string): NabSeries[] {
  const labelsFile = join(dir, 'labels', 'combined_windows.json');
  if (!existsSync(labelsFile))
    throw new Error(`${dir}: no labels/combined_windows.json (NAB layout)`);
  const labels = JSON.parse(readFileSync(labelsFile, 'utf8')) as Record<string, [string, string][]>;
  const out: NabSeries[] = [];
  for (const name of Object.keys(labels).sort()) {
    const file = join(dir, 'data', name);
    if (!existsSync(file)) throw new Error(`${file}: listed in the labels but missing`);
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    if (lines[0]?.trim() !== 'timestamp,value')
      throw new Error(`${file}: expected the header "timestamp,value"`);
    const timeMs: number[] = [];
    const values: number[] = [];
    for (let i = 1; i < lines.length; i++) {
      const [t = '', v = ''] = (lines[i] ?? '').split(',');
      const ms = parseTime(t);
      const x = Number(v);
      if (!Number.isFinite(ms) || !Number.isFinite(x))
        throw new Error(`${file} line ${i + 1}: cannot read "${lines[i] ?? ''}"`);
      timeMs.push(ms);
      values.push(x);
    }
    const windows = (labels[name] ?? []).map(([a, b]): [number, number] => {
      const from = parseTime(a);
      const to = parseTime(b);
      const first = timeMs.findIndex((t) => t >= from);
      let last = -1;
      for (let i = timeMs.length - 1; i >= 0; i--)
        if ((timeMs[i] ?? Infinity) <= to) {
          last = i;
          break;
        }
      return [first, last];
    });
    out.push({ name, timeMs, values, windows: windows.filter(([a, b]) => a >= 0 && b >= a) });
  }
  if (out.length === 0) throw new Error(`${dir}: the label file lists no series`);
  return out;
}
