import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeterReading } from '../../runtime/anomaly/water-meter-detector.js';
import { readZipEntry } from './zip-entry.js';

const CSV = 'swm_trialA_clean.csv';

/** DAIAD trial A (`user.key;datetime;meter.reading;diff`, hourly): readings per meter, by time.
 * `dir` holds the CSV or the zip it ships in. */
export function loadDaiad(dir: string): Map<string, MeterReading[]> {
  const csvFile = join(dir, CSV);
  const zipFile = join(dir, 'swm_trialA_clean.zip');
  let text: string;
  if (existsSync(csvFile)) text = readFileSync(csvFile, 'utf8');
  else if (existsSync(zipFile)) text = readZipEntry(zipFile, CSV).toString('utf8');
  else throw new Error(`${dir}: neither ${CSV} nor swm_trialA_clean.zip is there`);
  const meters = new Map<string, MeterReading[]>();
  const lines = text.split('\n');
  const header = lines[0]?.trim();
  if (header !== 'user.key;datetime;meter.reading;diff')
    throw new Error(`${dir}/${CSV}: unexpected header "${header}"`);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    const [key, when, , diff] = line.split(';');
    const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(when ?? '');
    const litres = Number(diff);
    if (!key || !m || !Number.isFinite(litres))
      throw new Error(`${CSV} line ${i + 1}: cannot read "${line.slice(0, 80)}"`);
    const [, dd, mo, yyyy, hh, mi, ss] = m.map<number>(Number);
    const atMs = Date.UTC(yyyy ?? 0, (mo ?? 1) - 1, dd, hh, mi, ss);
    let list = meters.get(key);
    if (!list) meters.set(key, (list = []));
    list.push({ atMs, litres });
  }
  for (const list of meters.values()) list.sort((a, b) => a.atMs - b.atMs);
  return meters;
}
