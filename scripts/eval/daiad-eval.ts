import type { AlarmTransition } from '../../runtime/anomaly/alarm.js';
import {
  WATER_DEFAULTS,
  WaterMeterDetector,
  type MeterReading,
  type WaterDetectorOptions,
} from '../../runtime/anomaly/water-meter-detector.js';
import { seededRandom, uniform } from '../../runtime/shared/seeded-random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Meters report up to a few minutes off the hour: "within 1 h" allows for it. */
const JITTER_MS = 10 * 60_000;

export type WaterEventKind = 'leak' | 'burst' | 'stuck' | 'reverse' | 'gap';

/** Which alarm finds which event, and how soon it must (hours after the event starts). */
export const EXPECTED: Record<WaterEventKind, { alarm: string; withinH: number }> = {
  leak: { alarm: 'leak', withinH: 48 },
  burst: { alarm: 'burst', withinH: 1 },
  stuck: { alarm: 'stuck_meter', withinH: 120 },
  reverse: { alarm: 'backflow', withinH: 1 },
  gap: { alarm: 'meter_offline', withinH: 25 },
};

export interface InjectedEvent {
  kind: WaterEventKind;
  startMs: number;
  hours: number;
  /** L/h added (leak, burst) or taken (reverse); 0 for stuck and gap. */
  lph: number;
}

/** A copy of `readings` with one event in it, as the meter would have reported it. */
export function inject(readings: readonly MeterReading[], e: InjectedEvent): MeterReading[] {
  // The event covers the `hours` readings after its start (meters report a few seconds early or
  // late, so "the next hour" is the next reading, not a clock hour).
  const first = readings.findIndex((r) => r.atMs > e.startMs);
  const inside = (i: number): boolean => first >= 0 && i >= first && i < first + e.hours;
  if (e.kind === 'gap') return readings.filter((_, i) => !inside(i));
  return readings.map((r, i) => {
    if (!inside(i)) return r;
    if (e.kind === 'stuck') return { atMs: r.atMs, litres: 0 };
    if (e.kind === 'reverse') return { atMs: r.atMs, litres: -e.lph };
    return { atMs: r.atMs, litres: r.litres + e.lph };
  });
}

export function runDetector(
  meter: string,
  calibration: readonly MeterReading[],
  test: readonly MeterReading[],
  options: WaterDetectorOptions = WATER_DEFAULTS,
): AlarmTransition[] {
  const detector = new WaterMeterDetector(meter, options);
  detector.calibrate(calibration);
  return test.flatMap((r) => detector.push(r));
}

export interface EventOutcome {
  kind: WaterEventKind;
  detected: boolean;
  delayH: number | null;
}

/** Whether the expected alarm was raised between the event's start and its deadline. */
export function outcome(e: InjectedEvent, alarms: readonly AlarmTransition[]): EventOutcome {
  const { alarm, withinH } = EXPECTED[e.kind];
  const hit = alarms.find(
    (a) =>
      a.name === alarm &&
      a.state === 'raised' &&
      a.atMs > e.startMs &&
      a.atMs <= e.startMs + withinH * HOUR + JITTER_MS,
  );
  return {
    kind: e.kind,
    detected: hit !== undefined,
    delayH: hit ? (hit.atMs - e.startMs) / HOUR : null,
  };
}

export interface DaiadOptions {
  seed: number;
  calibrationDays: number;
  eventsPerKind: number;
  /** The detector's settings (default WATER_DEFAULTS). */
  detector?: WaterDetectorOptions;
  /** The kinds whose events are run (default all). Every kind is still planned, so a kind's
   * events are the same whichever others are run. */
  kinds?: readonly WaterEventKind[];
}

export interface DaiadResult {
  meters: number;
  skipped: number;
  meterMonths: number;
  outcomes: EventOutcome[];
  /** Alarms raised on the series without injections, by name. */
  cleanAlarms: Record<string, number>;
  readings: number;
  ms: number;
}

/** Event times: spread over the test period, starting after three days (the detector's 24 h
 * windows are full by then), each event on its own copy of the series. */
function plan(
  random: () => number,
  test: readonly MeterReading[],
  kind: WaterEventKind,
  n: number,
): InjectedEvent[] {
  const first = (test[0]?.atMs ?? 0) + 3 * DAY;
  const last = (test.at(-1)?.atMs ?? 0) - 8 * DAY;
  const events: InjectedEvent[] = [];
  for (let i = 0; i < n; i++) {
    // Start on a reading, so "within 1 h" means the first reading that includes the event.
    const at = first + ((last - first) * (i + random())) / n;
    const start = test.find((r) => r.atMs >= at)?.atMs ?? first;
    const hours =
      kind === 'leak'
        ? 7 * 24
        : kind === 'burst'
          ? Math.round(uniform(random, 6, 24))
          : kind === 'stuck'
            ? Math.round(uniform(random, 72, 120))
            : kind === 'reverse'
              ? 1
              : Math.round(uniform(random, 6, 24));
    const lph =
      kind === 'leak'
        ? uniform(random, 5, 30)
        : kind === 'burst'
          ? uniform(random, 250, 800)
          : kind === 'reverse'
            ? Math.round(uniform(random, 5, 50))
            : 0;
    events.push({ kind, startMs: start, hours, lph });
  }
  return events;
}

export function evaluateDaiad(
  meters: ReadonlyMap<string, readonly MeterReading[]>,
  o: DaiadOptions,
  progress?: (done: number, total: number) => void,
): DaiadResult {
  const random = seededRandom(o.seed);
  const result: DaiadResult = {
    meters: 0,
    skipped: 0,
    meterMonths: 0,
    outcomes: [],
    cleanAlarms: {},
    readings: 0,
    ms: 0,
  };
  const kinds: WaterEventKind[] = ['leak', 'burst', 'stuck', 'reverse', 'gap'];
  let done = 0;
  for (const [meter, readings] of meters) {
    progress?.(done++, meters.size);
    const t0 = readings[0]?.atMs ?? 0;
    const calibration = readings.filter((r) => r.atMs < t0 + o.calibrationDays * DAY);
    const test = readings.filter((r) => r.atMs >= t0 + o.calibrationDays * DAY);
    // A meter needs most of its calibration period and two months to test on.
    if (calibration.length < o.calibrationDays * 24 * 0.75 || test.length < 60 * 24) {
      result.skipped++;
      continue;
    }
    result.meters++;
    result.meterMonths += ((test.at(-1)?.atMs ?? 0) - (test[0]?.atMs ?? 0)) / (30 * DAY);
    const started = performance.now();
    for (const a of runDetector(meter, calibration, test, o.detector))
      if (a.state === 'raised') result.cleanAlarms[a.name] = (result.cleanAlarms[a.name] ?? 0) + 1;
    result.readings += test.length;
    result.ms += performance.now() - started;
    for (const kind of kinds)
      for (const e of plan(random, test, kind, o.eventsPerKind))
        if (!o.kinds || o.kinds.includes(kind))
          result.outcomes.push(
            outcome(e, runDetector(meter, calibration, inject(test, e), o.detector)),
          );
  }
  progress?.(done, meters.size);
  return result;
}
