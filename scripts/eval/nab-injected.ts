import { join } from 'node:path';
import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';
import { loadDaiad } from './daiad-data.js';
import { loadLampProfile } from './lamp-eval.js';
import type { NabSeries } from './nab-data.js';
import { loadCountSeries } from './pedestrian-data.js';
import { loadSkab } from './skab-data.js';

/**
 * A development set in NAB's shape, made from the real series in ../shared/data with seeded
 * anomalies injected: something to choose a streaming detector on without touching NAB's labels,
 * with the kinds of series the complete corpus has (daily-patterned counts, slowly wandering
 * process readings, noisy vibration, a switched load).
 */
export const INJECTED_KINDS = ['spike', 'shift', 'drift', 'noise', 'stuck'] as const;
export type InjectedKind = (typeof INJECTED_KINDS)[number];

/** NAB's usual file length (art_* and many real files have 4,032 rows). */
export const ROWS = 4032;
const FIVE_MIN = 300_000;

export interface BaseSeries {
  name: string;
  timeMs: number[];
  values: number[];
}

/** Cuts a series into consecutive pieces of ROWS rows (a shorter tail is dropped). */
function pieces(name: string, timeMs: readonly number[], values: readonly number[]): BaseSeries[] {
  const out: BaseSeries[] = [];
  for (let k = 0; (k + 1) * ROWS <= values.length; k++)
    out.push({
      name: `${name}#${String(k + 1)}`,
      timeMs: timeMs.slice(k * ROWS, (k + 1) * ROWS),
      values: values.slice(k * ROWS, (k + 1) * ROWS),
    });
  return out;
}

/**
 * The real series the set is made of:
 * - Melbourne pedestrian counts, hourly, three pieces per sensor (a daily and weekly pattern);
 * - SKAB's anomaly-free run, six channels, two pieces each. It is 1 Hz and 2.6 hours long; its
 *   rows are given 5-minute timestamps, as a process reading in NAB has, so that a detector
 *   looking for a daily pattern finds none (as on NAB's machine temperatures);
 * - SLightliMon's lamp cabinet, power and voltage, one a minute (lamps switched on at dusk).
 */
export function baseSeries(sharedData: string): BaseSeries[] {
  const out: BaseSeries[] = [];
  for (const s of loadCountSeries(
    join(sharedData, 'pedestrians', 'melbourne-hourly-2015-01_2016-06.csv'),
  ))
    out.push(...pieces(`pedestrians/${s.sensor}`, s.hourMs, s.count).slice(0, 3));
  const free = loadSkab(join(sharedData, 'skab')).anomalyFree;
  const t0 = free.timeMs[0] ?? 0;
  const fiveMin = free.rows.map((_, i) => t0 + i * FIVE_MIN);
  for (const channel of [0, 2, 3, 4, 5, 7]) {
    const values = free.rows.map((r) => r[channel] ?? 0);
    out.push(...pieces(`skab/channel${String(channel)}`, fiveMin, values));
  }
  const lamp = loadLampProfile(join(sharedData, 'slightlimon'));
  const minutes = lamp.powerW.map((_, i) => Date.UTC(2020, 0, 1) + i * 60_000);
  for (const [label, raw] of [
    ['power', lamp.powerW],
    ['voltage', lamp.voltageV],
  ] as const) {
    // A missing minute repeats the last reading, as a logger that holds its value would.
    let last = raw.find((v) => v !== null) ?? 0;
    const values = raw.map((v) => (last = v ?? last));
    out.push(...pieces(`slightlimon/${label}`, minutes, values));
  }
  return out;
}

/**
 * Household water use (DAIAD trial A), hourly litres: one piece per meter, from its 101st reading
 * (a meter's first days include its installation). Intermittent and spiky, with runs of idle
 * hours, like NAB's counts of tweets and requests. Pieces `from` to `to` (0-based) of the meters,
 * in the file's order, that have enough readings and ever move; negative readings (register
 * glitches) are read as no use.
 */
export function waterSeries(sharedData: string, from: number, to: number): BaseSeries[] {
  const out: BaseSeries[] = [];
  let k = 0;
  for (const [meter, readings] of loadDaiad(join(sharedData, 'daiad'))) {
    if (readings.length < ROWS + 100) continue;
    const piece = readings.slice(100, 100 + ROWS);
    const values = piece.map((r) => Math.max(0, r.litres));
    if (values.every((v) => v === values[0])) continue;
    if (k >= from && k < to)
      out.push({ name: `daiad/${meter.slice(0, 8)}`, timeMs: piece.map((r) => r.atMs), values });
    if (++k >= to) break;
  }
  return out;
}

/** The series' step-to-step noise: a robust spread of its first differences, per step. */
export function stepNoise(values: readonly number[]): number {
  const d = values
    .slice(1)
    .map((v, i) => Math.abs(v - (values[i] ?? v)))
    .sort((a, b) => a - b);
  const mad = d[Math.floor(d.length / 2)] ?? 0;
  const mean = d.reduce((a, b) => a + b, 0) / Math.max(1, d.length);
  // A series that mostly holds still (a switched load) has a median step of 0: use the mean.
  return ((mad > 0 ? mad : mean) * 1.4826) / Math.SQRT2 || 1;
}

/**
 * One anomaly of `kind` at row `at`, in units of the series' step noise `s`:
 * spike: one row 5–8 s up; shift: the rest of the file 3–5 s up or down; drift: a ramp to
 * 5–8 s over 3 % of the rows, then held; noise: 3 % of the rows with noise of 2–4 s added;
 * stuck: 5 % of the rows hold the value at `at`.
 */
export function injectAnomaly(
  values: readonly number[],
  kind: InjectedKind,
  at: number,
  random: () => number,
): number[] {
  const s = stepNoise(values);
  const sign = random() < 0.5 ? -1 : 1;
  const out = [...values];
  const n = values.length;
  if (kind === 'spike') out[at] = (out[at] ?? 0) + uniform(random, 5, 8) * s;
  else if (kind === 'shift') {
    const k = sign * uniform(random, 3, 5) * s;
    for (let i = at; i < n; i++) out[i] = (out[i] ?? 0) + k;
  } else if (kind === 'drift') {
    const k = sign * uniform(random, 5, 8) * s;
    const ramp = Math.round(0.03 * n);
    for (let i = at; i < n; i++) out[i] = (out[i] ?? 0) + k * Math.min(1, (i - at + 1) / ramp);
  } else if (kind === 'noise') {
    const k = uniform(random, 2, 4) * s;
    for (let i = at; i < Math.min(n, at + Math.round(0.03 * n)); i++) {
      // Box–Muller from two uniform draws.
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      out[i] = (out[i] ?? 0) + k * g;
    }
  } else {
    const held = values[at] ?? 0;
    for (let i = at; i < Math.min(n, at + Math.round(0.05 * n)); i++) out[i] = held;
  }
  return out;
}

/**
 * Every base series once clean and once with each kind of anomaly, at a seeded row between 30 %
 * and 85 % of the file (after NAB's 15 % probation, with room for the anomaly to show). Each
 * anomaly gets NAB's label window: 10 % of the file, centred on the anomaly's first row.
 */
export function injectedSet(base: readonly BaseSeries[], seed: number): NabSeries[] {
  const random = seededRandom(seed);
  const out: NabSeries[] = [];
  for (const b of base) {
    out.push({ name: `${b.name}/clean`, timeMs: b.timeMs, values: b.values, windows: [] });
    const n = b.values.length;
    const half = Math.round(0.05 * n);
    for (const kind of INJECTED_KINDS) {
      const at = Math.floor(uniform(random, 0.3, 0.85) * n);
      out.push({
        name: `${b.name}/${kind}`,
        timeMs: b.timeMs,
        values: injectAnomaly(b.values, kind, at, random),
        windows: [[Math.max(0, at - half), Math.min(n - 1, at + half)]],
      });
    }
  }
  return out;
}
