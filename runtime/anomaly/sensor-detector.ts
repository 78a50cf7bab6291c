import { Hysteresis, judge, type AlarmTransition } from './alarm.js';
import { RunningLevel } from './running-level.js';

/** What a detector needs of one closed window of one stream. */
export interface WindowValues {
  atMs: number;
  n: number;
  min: number | null;
  max: number | null;
  mean: number | null;
}

export interface SensorDetectorOptions {
  /** The range a healthy sensor reports (out of range outside it). */
  min?: number | undefined;
  max?: number | undefined;
  /** Windows in a row with not a single change before a sensor counts as stuck. */
  flatlineWindows: number;
  /** A window whose extreme is this many standard deviations from the usual is a spike. */
  spikeSigmas: number;
  /** Windows in a row without a reading before the sensor counts as offline. */
  offlineWindows: number;
}

export const SENSOR_DEFAULTS: SensorDetectorOptions = {
  flatlineWindows: 30,
  spikeSigmas: 6,
  offlineWindows: 3,
};

/** Windows a stream must have before spikes are judged (its usual spread must be known). */
const SPIKE_WARMUP = 30;
const EWMA = 0.05;

/**
 * Generic alarms for any sensor stream, one closed window at a time:
 * `out_of_range`, `flatline` (the value has not moved at all for `flatlineWindows`),
 * `spike` (a window's extreme far outside the usual spread, learnt as it goes) and
 * `sensor_offline` (windows without a reading).
 */
export class SensorDetector {
  private readonly range = new Hysteresis(1, 2);
  private readonly flat = new Hysteresis(1, 1);
  private readonly spike = new Hysteresis(1, 3);
  private readonly offline = new Hysteresis(1, 1);
  private flatFor = 0;
  private lastValue?: number;
  /** How window means move: their slow level and its spread. */
  private readonly level = new RunningLevel(EWMA);
  private withinVariance = 0;
  private silentFor = 0;
  private seen = 0;

  constructor(
    private readonly subject: string,
    private readonly o: SensorDetectorOptions = SENSOR_DEFAULTS,
  ) {}

  /** Learns from a window of the past (at start-up, from the store) without judging it. */
  warm(w: WindowValues): void {
    if (w.n === 0 || w.min === null || w.max === null || w.mean === null) return;
    this.learn(w.min, w.max, w.mean);
    this.lastValue = w.max;
  }

  push(w: WindowValues): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    const emit = (
      name: string,
      h: Hysteresis,
      condition: boolean,
      evidence: AlarmTransition['evidence'],
    ): void =>
      judge(out, h, condition, {
        name,
        subject: this.subject,
        severity: 'warning',
        atMs: w.atMs,
        evidence,
      });
    const silent = w.n === 0 || w.min === null || w.max === null || w.mean === null;
    this.silentFor = silent ? this.silentFor + 1 : 0;
    emit('sensor_offline', this.offline, this.silentFor >= this.o.offlineWindows, {
      windowsWithoutReading: this.silentFor,
    });
    if (silent || w.min === null || w.max === null || w.mean === null) return out;

    const lo = this.o.min;
    const hi = this.o.max;
    emit(
      'out_of_range',
      this.range,
      (lo !== undefined && w.min < lo) || (hi !== undefined && w.max > hi),
      { min: w.min, max: w.max, allowedMin: lo ?? null, allowedMax: hi ?? null },
    );

    const unchanged = w.min === w.max && (this.lastValue === undefined || w.min === this.lastValue);
    this.flatFor = unchanged ? this.flatFor + 1 : 0;
    this.lastValue = w.max;
    emit('flatline', this.flat, this.flatFor >= this.o.flatlineWindows, {
      value: w.max,
      windowsUnchanged: this.flatFor,
    });

    // The usual spread: how window means move, plus how much a window spans on its own (a
    // noisy sensor is not spiking).
    const sd = Math.sqrt(this.level.variance + this.withinVariance);
    const far = Math.max(Math.abs(w.max - this.level.mean), Math.abs(w.min - this.level.mean));
    const isSpike = this.seen >= SPIKE_WARMUP && sd > 0 && far > this.o.spikeSigmas * sd;
    emit('spike', this.spike, isSpike, {
      value: Math.abs(w.max - this.level.mean) >= Math.abs(w.min - this.level.mean) ? w.max : w.min,
      usualMean: Number(this.level.mean.toPrecision(6)),
      usualSd: Number(sd.toPrecision(6)),
    });
    // A spike does not teach the detector that spikes are usual.
    if (!isSpike) this.learn(w.min, w.max, w.mean);
    return out;
  }

  private learn(min: number, max: number, mean: number): void {
    this.seen++;
    const half = (max - min) / 2;
    if (this.seen === 1) {
      this.level.mean = mean;
      this.withinVariance = half * half;
    }
    this.level.learn(mean);
    this.withinVariance += EWMA * (half * half - this.withinVariance);
  }
}
