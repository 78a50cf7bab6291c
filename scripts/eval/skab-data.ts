import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const SKAB_CHANNELS = [
  'Accelerometer1RMS',
  'Accelerometer2RMS',
  'Current',
  'Pressure',
  'Temperature',
  'Thermocouple',
  'Voltage',
  'Volume Flow RateRMS',
];

export interface SkabFile {
  name: string;
  timeMs: number[];
  rows: number[][];
  /** Per-row labels; absent for the anomaly-free file and for training-only parts. */
  anomaly?: number[];
  changepoint?: number[];
}

export interface SkabSet {
  anomalyFree: SkabFile;
  /** Full experiments: the first `trainRows` rows train, the rest is predicted. */
  experiments: SkabFile[];
  /** Training-only parts (`first400/<group>/<n>.csv` in the dev split). */
  trainOnly: SkabFile[];
}

function parse(file: string, name: string): SkabFile {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(';').map((h) => h.trim());
  const idx = SKAB_CHANNELS.map((c) => header.indexOf(c));
  const missing = SKAB_CHANNELS.filter((_, i) => idx[i] === -1);
  if (header[0] !== 'datetime' || missing.length > 0)
    throw new Error(`${file}: not a SKAB file (missing ${missing.join(', ') || 'datetime'})`);
  const ia = header.indexOf('anomaly');
  const ic = header.indexOf('changepoint');
  const out: SkabFile = { name, timeMs: [], rows: [] };
  if (ia >= 0) out.anomaly = [];
  if (ic >= 0) out.changepoint = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] ?? '').split(';');
    const t = Date.parse(`${(cells[0] ?? '').replace(' ', 'T')}Z`);
    const row = idx.map((j) => Number(cells[j]));
    if (!Number.isFinite(t) || row.some((v) => !Number.isFinite(v)))
      throw new Error(`${file} line ${i + 1}: cannot read "${(lines[i] ?? '').slice(0, 80)}"`);
    out.timeMs.push(t);
    out.rows.push(row);
    out.anomaly?.push(Number(cells[ia]));
    out.changepoint?.push(Number(cells[ic]));
  }
  return out;
}

/**
 * A folder in SKAB's layout: `anomaly-free/anomaly-free.csv` and `<group>/<n>.csv` experiments
 * (`;`-separated, 1 Hz, 8 channels, `anomaly` and `changepoint` labels). The dev split in
 * ../shared/data adds `first400/<group>/<n>.csv`: the training rows of experiments whose test
 * part is held back; they are used for training only.
 */
export function loadSkab(dir: string): SkabSet {
  const free = join(dir, 'anomaly-free', 'anomaly-free.csv');
  if (!existsSync(free)) throw new Error(`${dir}: no anomaly-free/anomaly-free.csv (SKAB layout)`);
  const csvs = (sub: string): string[] =>
    readdirSync(join(dir, sub), { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.csv'))
      .map((e) => join(dir, sub, e.name));
  const groups = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'anomaly-free' && e.name !== 'first400')
    .map((e) => e.name)
    .sort();
  const byName = (a: SkabFile, b: SkabFile): number =>
    a.name.localeCompare(b.name, 'en', { numeric: true });
  const experiments = groups
    .flatMap((g) => csvs(g))
    .map((f) => parse(f, relative(dir, f)))
    .sort(byName);
  for (const e of experiments)
    if (!e.anomaly || !e.changepoint) throw new Error(`${e.name}: no anomaly/changepoint labels`);
  const first400 = join(dir, 'first400');
  const trainOnly = existsSync(first400)
    ? readdirSync(first400, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .flatMap((g) => csvs(join('first400', g.name)))
        .map((f) => parse(f, relative(dir, f)))
        .sort(byName)
    : [];
  if (experiments.length === 0) throw new Error(`${dir}: no experiment files (<group>/<n>.csv)`);
  return { anomalyFree: parse(free, 'anomaly-free/anomaly-free.csv'), experiments, trainOnly };
}
