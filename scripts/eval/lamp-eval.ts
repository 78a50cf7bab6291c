import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlarmTransition } from '../../runtime/anomaly/alarm.js';
import {
  calibrateLampCircuit,
  LampCircuitDetector,
  type LampWindow,
} from '../../runtime/anomaly/lamp-circuit-detector.js';
import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';

const MINUTE = 60_000;
/** The profile has no timestamps: one sample a minute from an arbitrary midnight. */
const T0 = Date.UTC(2020, 0, 1);

export interface LampProfile {
  powerW: (number | null)[];
  voltageV: (number | null)[];
}

function readSeries(file: string): (number | null)[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const t = l.trim();
      if (t === 'nan') return null;
      const v = Number(t);
      if (!Number.isFinite(v)) throw new Error(`${file} line ${i + 1}: not a number: "${t}"`);
      return v;
    });
}

/** SLightliMon's street-lighting cabinet: `w-data-test.txt` (W) and `v-data-test.txt` (V). */
export function loadLampProfile(dir: string): LampProfile {
  const w = join(dir, 'w-data-test.txt');
  const v = join(dir, 'v-data-test.txt');
  if (!existsSync(w)) throw new Error(`${dir}: no w-data-test.txt (active power, one per minute)`);
  const powerW = readSeries(w);
  const voltageV = existsSync(v) ? readSeries(v) : powerW.map(() => null);
  return { powerW, voltageV };
}

/** What the gateway commanded, minute by minute: here read off the clean profile (lamps drawing
 * over half their usual power are on); on a gateway it is the relay's own state. */
export function commandedFrom(powerW: readonly (number | null)[]): boolean[] {
  const onValues = powerW.filter((p): p is number => p !== null && p > 100).sort((a, b) => a - b);
  const typical = onValues[Math.floor(onValues.length / 2)] ?? 0;
  let last = false;
  return powerW.map((p) => (last = p === null ? last : p > 0.5 * typical));
}

export function toWindows(
  p: LampProfile,
  commanded: readonly boolean[],
  minutes: number,
): LampWindow[] {
  const out: LampWindow[] = [];
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  for (let s = 0; s + minutes <= p.powerW.length; s += minutes)
    out.push({
      atMs: T0 + (s + minutes) * MINUTE,
      commandedOn: commanded[s + minutes - 1] ?? false,
      powerW: mean(p.powerW.slice(s, s + minutes)),
      voltageV: mean(p.voltageV.slice(s, s + minutes)),
    });
  return out;
}

export type LampEventKind = 'lamp_failure' | 'cable_loss' | 'day_burning' | 'voltage';

const ALARM: Record<LampEventKind, string> = {
  lamp_failure: 'lamp_failure',
  cable_loss: 'cable_loss',
  day_burning: 'day_burning',
  voltage: 'voltage_out_of_band',
};

export interface LampEvent {
  kind: LampEventKind;
  startMin: number;
  minutes: number;
  /** Power multiplier for failures and cable loss, the supply voltage (V) for a sag or swell,
   * fraction of nominal for day burning. */
  factor: number;
}

export function injectLamp(p: LampProfile, e: LampEvent, nominalW: number): LampProfile {
  const powerW = [...p.powerW];
  const voltageV = [...p.voltageV];
  for (let m = e.startMin; m < Math.min(powerW.length, e.startMin + e.minutes); m++) {
    const pw = powerW[m] ?? null;
    const v = voltageV[m] ?? null;
    if (e.kind === 'voltage') voltageV[m] = v === null ? null : e.factor;
    else if (e.kind === 'day_burning') powerW[m] = (pw ?? 0) + nominalW * e.factor;
    else powerW[m] = pw === null ? null : pw * e.factor;
  }
  return { powerW, voltageV };
}

export interface LampOptions {
  seed: number;
  windowMinutes: number;
  calibrationDays: number;
  eventsPerKind: number;
}

export interface LampOutcome {
  kind: LampEventKind;
  detected: boolean;
  delayWindows: number | null;
}

export interface LampResult {
  windows: number;
  days: number;
  outcomes: LampOutcome[];
  cleanAlarms: Record<string, number>;
  msPerWindow: number;
}

/** Minutes at which an event of `kind` may start: inside a steady on (or off) period, with
 * room for it, and where the meter was reading (an event in missing data cannot be seen). */
function startsFor(
  kind: LampEventKind,
  p: LampProfile,
  commanded: readonly boolean[],
  from: number,
): number[] {
  const wantOn = kind !== 'day_burning';
  const ok: number[] = [];
  for (let m = from + 10; m < commanded.length - 60; m++) {
    const steady = commanded[m] === wantOn && commanded[m - 10] === wantOn;
    const reading = p.powerW.slice(m - 10, m + 10).every((x) => x !== null);
    if (reading && (kind === 'voltage' || steady)) ok.push(m);
  }
  return ok;
}

export function evaluateLamp(p: LampProfile, o: LampOptions): LampResult {
  const random = seededRandom(o.seed);
  const commanded = commandedFrom(p.powerW);
  const calMinutes = o.calibrationDays * 1440;
  const calWindows = toWindows(
    { powerW: p.powerW.slice(0, calMinutes), voltageV: p.voltageV.slice(0, calMinutes) },
    commanded,
    o.windowMinutes,
  );
  const cal = calibrateLampCircuit(calWindows);
  const test = (profile: LampProfile): LampWindow[] =>
    toWindows(profile, commanded, o.windowMinutes).filter((w) => w.atMs > T0 + calMinutes * MINUTE);
  const run = (windows: LampWindow[]): { alarms: AlarmTransition[]; ms: number } => {
    const d = new LampCircuitDetector('circuit', cal);
    const t = performance.now();
    const alarms = windows.flatMap((w) => d.push(w));
    return { alarms, ms: performance.now() - t };
  };
  const clean = test(p);
  const cleanRun = run(clean);
  const cleanAlarms: Record<string, number> = {};
  for (const a of cleanRun.alarms)
    if (a.state === 'raised') cleanAlarms[a.name] = (cleanAlarms[a.name] ?? 0) + 1;
  const outcomes: LampOutcome[] = [];
  const kinds: LampEventKind[] = ['lamp_failure', 'cable_loss', 'day_burning', 'voltage'];
  for (const kind of kinds) {
    const starts = startsFor(kind, p, commanded, calMinutes);
    for (let i = 0; i < o.eventsPerKind; i++) {
      const startMin = starts[Math.floor(random() * starts.length)] ?? calMinutes;
      let minutes = Math.round(uniform(random, 30, 240));
      if (kind === 'lamp_failure') {
        // Lamps that fail stay out until the end of the night.
        let end = startMin;
        while (end < commanded.length && commanded[end]) end++;
        minutes = end - startMin;
      }
      const factor =
        kind === 'lamp_failure'
          ? uniform(random, 0.5, 0.9)
          : kind === 'cable_loss'
            ? uniform(random, 0, 0.03)
            : kind === 'day_burning'
              ? uniform(random, 0.3, 1)
              : random() < 0.5
                ? uniform(random, 185, 204)
                : uniform(random, 256, 270);
      const e: LampEvent = { kind, startMin, minutes, factor };
      const { alarms } = run(test(injectLamp(p, e, cal.nominalW)));
      // Within two windows: the one the event starts in, and the next.
      const startWindowEnd =
        T0 + (Math.floor(startMin / o.windowMinutes) + 1) * o.windowMinutes * MINUTE;
      const deadline = startWindowEnd + o.windowMinutes * MINUTE;
      const hit = alarms.find(
        (a) =>
          a.name === ALARM[kind] &&
          a.state === 'raised' &&
          a.atMs >= startWindowEnd &&
          a.atMs <= deadline,
      );
      outcomes.push({
        kind,
        detected: hit !== undefined,
        delayWindows: hit
          ? Math.round((hit.atMs - startWindowEnd) / (o.windowMinutes * MINUTE)) + 1
          : null,
      });
    }
  }
  return {
    windows: clean.length,
    days: (clean.length * o.windowMinutes) / 1440,
    outcomes,
    cleanAlarms,
    msPerWindow: cleanRun.ms / Math.max(1, clean.length),
  };
}
