import { readFileSync } from 'node:fs';

export interface CountSeries {
  sensor: string;
  /** Start of each hour, local wall-clock time as if it were UTC (a local-naive epoch). */
  hourMs: number[];
  count: number[];
}

/**
 * Hourly counts in the Melbourne pedestrian layout: a CSV with `Sensor`, `Date_Time`
 * (`YYYY-MM-DD HH:MM:SS`, local time) and `Count` columns, in any order, other columns ignored.
 * Hours may be missing (gaps are implicit). Series come back sorted by time.
 */
export function loadCountSeries(file: string): CountSeries[] {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no "${name}" column (found: ${header.join(', ')})`);
    return i;
  };
  const [cs, ct, cc] = [col('Sensor'), col('Date_Time'), col('Count')];
  const bySensor = new Map<string, Map<number, number>>();
  lines.slice(1).forEach((line, i) => {
    const f = line.split(',').map((x) => x.trim().replace(/^"|"$/g, ''));
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})/.exec(f[ct] ?? '');
    const count = Number(f[cc]);
    if (!m || !Number.isFinite(count))
      throw new Error(`${file}:${String(i + 2)}: expected Date_Time and Count, got "${line}"`);
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
    const sensor = f[cs] ?? '';
    let s = bySensor.get(sensor);
    if (!s) bySensor.set(sensor, (s = new Map<number, number>()));
    s.set(t, count);
  });
  return [...bySensor].map(([sensor, m]) => {
    const hours = [...m.keys()].sort((a, b) => a - b);
    return { sensor, hourMs: hours, count: hours.map((h) => m.get(h) ?? 0) };
  });
}
