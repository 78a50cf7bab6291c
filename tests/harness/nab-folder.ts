import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** One series of a NAB folder: its CSV text and its label windows as timestamp pairs. */
export interface NabSeriesFile {
  csv: string;
  windows: [string, string][];
}

/**
 * A new folder in NAB's layout: `data/<category>/<file>.csv` for each key (`<category>/<file>.csv`)
 * and `labels/combined_windows.json` listing every one. Returns the folder.
 */
export function nabFolder(series: Record<string, NabSeriesFile>): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'labels'));
  const labels: Record<string, [string, string][]> = {};
  for (const [name, s] of Object.entries(series)) {
    mkdirSync(dirname(join(dir, 'data', name)), { recursive: true });
    writeFileSync(join(dir, 'data', name), s.csv);
    labels[name] = s.windows;
  }
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(labels));
  return dir;
}
