import type { Clock } from '../clock/clock.js';
import type { AlarmConfig } from '../config/alarm-schema.js';
import { alarmStreams, FLOW_TO_LPH, VOLUME_TO_L } from '../config/stream-cross-check.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { parseIsoDuration } from '../shared/iso-duration.js';
import type { Store } from '../store/store.js';
import type { ClosedWindow } from '../windows/window-aggregator.js';
import type { WindowStats } from '../windows/window-stats.js';
import type { AlarmTransition } from './alarm.js';
import { writeAlarms } from './alarm-writer.js';
import {
  calibrateLampCircuit,
  LampCircuitDetector,
  type LampWindow,
} from './lamp-circuit-detector.js';
import { PressureDetector } from './pressure-detector.js';
import { SensorDetector, type WindowValues } from './sensor-detector.js';
import { TamperDetector, type ContactWindow } from './tamper-detector.js';
import { UnusualValueDetector } from './unusual-value-detector.js';
import { WaterMeterDetector, WATER_DEFAULTS, type MeterReading } from './water-meter-detector.js';

const DAY = 86_400_000;

/** The window of each stream an alarm reads, by `device/point`. */
type StreamStats = ReadonlyMap<string, WindowStats>;

interface Runner {
  config: AlarmConfig;
  lengthMs: number;
  /** How far back the store is read at start-up to learn what is normal. */
  historyMs: number;
  /** Feeds one closed window; `learning` for history read from the store (judges nothing). */
  feed(stats: StreamStats, endMs: number, learning: boolean): AlarmTransition[];
}

const mean = (s: WindowStats | undefined): number | null => (s && s.n > 0 ? s.sum / s.n : null);

/** One closed window of one stream, as the single-stream detectors read it. */
type OneStream = WindowValues & ContactWindow;

function values(s: WindowStats | undefined, endMs: number): OneStream {
  const some = s !== undefined && s.n > 0;
  return {
    atMs: endMs,
    n: s?.n ?? 0,
    min: some ? s.min : null,
    max: some ? s.max : null,
    mean: mean(s),
    last: some ? s.last : null,
  };
}

/** A detector of one stream: it learns from stored windows and judges new ones. */
interface StreamDetector {
  warm(w: OneStream): void;
  push(w: OneStream): AlarmTransition[];
}

function streamRunner(
  a: Extract<AlarmConfig, { stream: string }>,
  lengthMs: number,
  historyMs: number,
  d: StreamDetector,
): Runner {
  return {
    config: a,
    lengthMs,
    historyMs,
    feed(stats, endMs, learning) {
      const w = values(stats.get(a.stream), endMs);
      if (learning) {
        d.warm(w);
        return [];
      }
      return d.push(w);
    },
  };
}

function sensorRunner(a: Extract<AlarmConfig, { type: 'sensor' }>, lengthMs: number): Runner {
  const d = new SensorDetector(a.id, {
    min: a.min,
    max: a.max,
    flatlineWindows: a.flatlineWindows,
    spikeSigmas: a.spikeSigmas,
    offlineWindows: a.offlineWindows,
  });
  return streamRunner(a, lengthMs, 200 * lengthMs, d);
}

function pressureRunner(a: Extract<AlarmConfig, { type: 'pressure' }>, lengthMs: number): Runner {
  const d = new PressureDetector(a.id, {
    dropFraction: a.dropFraction,
    surgeFraction: a.surgeFraction,
  });
  // A week of windows, at most the detector's own history.
  return streamRunner(a, lengthMs, Math.min(7 * DAY, 2_016 * lengthMs), d);
}

function tamperRunner(a: Extract<AlarmConfig, { type: 'tamper' }>, lengthMs: number): Runner {
  return streamRunner(a, lengthMs, DAY, new TamperDetector(a.id, a.openValue));
}

function unusualRunner(a: Extract<AlarmConfig, { type: 'unusual' }>, lengthMs: number): Runner {
  // A week of windows teaches the daily models what each time of day looks like.
  const d = new UnusualValueDetector(a.id, lengthMs, a.above);
  return streamRunner(a, lengthMs, 8 * DAY, d);
}

function waterRunner(
  a: Extract<AlarmConfig, { type: 'water-meter' }>,
  lengthMs: number,
  unitOf: (stream: string) => string,
): Runner {
  const d = new WaterMeterDetector(a.id, {
    ...WATER_DEFAULTS,
    leakMarginLph: a.leakMarginLph,
    burstFloorLph: a.burstFloorLph,
  });
  const hours = lengthMs / 3_600_000;
  const litres = (stats: StreamStats): number | null => {
    if (a.volume) {
      const s = stats.get(a.volume);
      return s && s.n > 0 ? s.sum * (VOLUME_TO_L[unitOf(a.volume)] ?? 1) : null;
    }
    const m = a.flow ? mean(stats.get(a.flow)) : null;
    return m === null || !a.flow ? null : m * (FLOW_TO_LPH[unitOf(a.flow)] ?? 1) * hours;
  };
  return {
    config: a,
    lengthMs,
    historyMs: 56 * DAY,
    feed(stats, endMs, learning) {
      const l = litres(stats);
      if (l === null) return [];
      const r: MeterReading = { atMs: endMs, litres: l };
      if (learning) {
        d.calibrate([r]);
        return [];
      }
      return d.push(r);
    },
  };
}

function lampRunner(
  a: Extract<AlarmConfig, { type: 'lamp-circuit' }>,
  lengthMs: number,
  log: Log,
): Runner {
  // Until enough nights have been seen, windows are collected to calibrate on.
  const collected: LampWindow[] = [];
  let nights = 0;
  let detector: LampCircuitDetector | undefined;
  return {
    config: a,
    lengthMs,
    historyMs: (a.calibrationNights + 1) * DAY,
    feed(stats, endMs, learning) {
      const relay = stats.get(a.relay);
      const w: LampWindow = {
        atMs: endMs,
        commandedOn: relay !== undefined && relay.n > 0 && relay.last >= 0.5,
        powerW: mean(stats.get(a.power)),
        voltageV: a.voltage ? mean(stats.get(a.voltage)) : null,
        powerFactor: a.powerFactor ? mean(stats.get(a.powerFactor)) : null,
      };
      if (detector) return learning ? [] : detector.push(w);
      const prev = collected.at(-1);
      if (prev?.commandedOn && !w.commandedOn) nights++;
      collected.push(w);
      if (nights >= a.calibrationNights && collected.some((x) => x.commandedOn)) {
        detector = new LampCircuitDetector(a.id, calibrateLampCircuit(collected));
        log.info({ alarm: a.id, nights, windows: collected.length }, 'lamp circuit calibrated');
        collected.length = 0;
      }
      return [];
    },
  };
}

export interface AlarmEngineOptions {
  alarms: readonly AlarmConfig[];
  store: Store;
  clock: Clock;
  log: Log;
  unitOf: (device: string, point: string) => string;
  /** Called after alarms were written (the sender wakes up: alarms go first). */
  /** Called with the transitions written (committed), for the sender and any listener. */
  onAlarms?: (written: readonly AlarmTransition[]) => void;
}

/**
 * The configured named alarms, fed every closed window after ingest commits it. At start-up
 * each alarm learns its stream's normal from the windows the store already holds, so a restart
 * does not start from nothing. Transitions go to the events table (and upstream, first in line)
 * as `kind: <alarm name>` with the subject, the state and the evidence.
 */
export class AlarmEngine implements Component {
  readonly name = 'alarms';
  private readonly runners: Runner[];

  constructor(private readonly o: AlarmEngineOptions) {
    const unitOf = (stream: string): string => {
      const [device = '', point = ''] = stream.split('/');
      return o.unitOf(device, point);
    };
    this.runners = o.alarms.map((a) => {
      const lengthMs = parseIsoDuration(a.window) ?? 60_000;
      if (a.type === 'sensor') return sensorRunner(a, lengthMs);
      if (a.type === 'water-meter') return waterRunner(a, lengthMs, unitOf);
      if (a.type === 'pressure') return pressureRunner(a, lengthMs);
      if (a.type === 'tamper') return tamperRunner(a, lengthMs);
      if (a.type === 'unusual') return unusualRunner(a, lengthMs);
      return lampRunner(a, lengthMs, o.log);
    });
  }

  /** Learns from the windows the store already holds (the store must be open). */
  async start(): Promise<void> {
    const { store, clock } = this.o;
    const now = clock.wallMs();
    const names = new Map<number, string>();
    for (const r of this.runners)
      for (const stream of streamsOf(r.config)) {
        const [device = '', point = ''] = stream.split('/');
        names.set(store.readings.streamId(device, point), stream);
      }
    for (const r of this.runners) {
      const byT0 = new Map<number, Map<string, WindowStats>>();
      for (const s of store.summaries.range(r.lengthMs, now - r.historyMs, now)) {
        const stream = names.get(s.stream);
        if (!stream) continue;
        let m = byT0.get(s.t0);
        if (!m) byT0.set(s.t0, (m = new Map<string, WindowStats>()));
        m.set(stream, s.stats);
      }
      for (const t0 of [...byT0.keys()].sort((a, b) => a - b))
        r.feed(byT0.get(t0) ?? new Map<string, WindowStats>(), t0 + r.lengthMs, true);
    }
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    await Promise.resolve();
  }

  /** Judges windows ingest has just committed. */
  onWindows(closed: readonly ClosedWindow[]): void {
    const transitions: AlarmTransition[] = [];
    for (const w of [...closed].sort((a, b) => a.t0 - b.t0)) {
      const stats = new Map(w.streams.map((s) => [`${s.device}/${s.point}`, s.stats]));
      for (const r of this.runners)
        if (r.lengthMs === w.lengthMs) transitions.push(...r.feed(stats, w.t0 + w.lengthMs, false));
    }
    const { store, clock, log } = this.o;
    if (!writeAlarms(store, clock, log, transitions)) return;
    this.o.onAlarms?.(transitions);
  }
}

function streamsOf(a: AlarmConfig): string[] {
  return alarmStreams(a).map((s) => s.stream);
}
