import type { Severity } from '../store/events-table.js';
import { Hysteresis, judge, type AlarmTransition } from './alarm.js';
import { ValueHistogram } from './value-histogram.js';

/** One meter reading: litres used since the previous reading (hourly, or longer after a gap). */
export interface MeterReading {
  atMs: number;
  litres: number;
}

export interface WaterDetectorOptions {
  /** A leak raises when the lowest hourly use of the last LEAK_HOURS readings exceeds the meter's usual
   * lowest by this much, L/h. */
  leakMarginLph: number;
  /** Bursts: at least this many L/h in an hour (the design's "> 200 L/h step"). */
  burstFloorLph: number;
  /** Hours without a reading after which the meter counts as offline. */
  offlineAfterH: number;
  /** A sudden burst is an hour this many times the most the meter has used within
   * `burstHoursAround` hours of that time of day. */
  burstOverUsual: number;
  burstHoursAround: number;
}

export const WATER_DEFAULTS: WaterDetectorOptions = {
  leakMarginLph: 3,
  burstFloorLph: 200,
  offlineAfterH: 3,
  // Chosen on half of the DAIAD meters; docs/benchmarks/anomaly-daiad.md reports the other half.
  burstOverUsual: 1.3,
  burstHoursAround: 3,
};

const HOUR = 3_600_000;
/** The usual quantities are refreshed once a day: quantiles of a histogram are not free. */
const REFRESH_EVERY = 24;
/** A leak is continuous flow for this many readings running: the design's 24 h without an idle
 * hour, plus 6 h, which removed two thirds of the leak alarms on the real households of the
 * DAIAD half it was chosen on (0.046 → 0.015 per meter-month) and still finds leaks within
 * 48 h. */
export const LEAK_HOURS = 30;
/** A burst alarm over no more than this many readings above the line was household use. */
const SHORT_BURST_H = 2;
/** A household connection (DN15–DN25) passes at most a few m³ in an hour: more is the register
 * glitching, never learnt as usual. */
const PLAUSIBLE_MAX_LPH = 5000;

/**
 * Named alarms for one water meter, fed its readings as they come. What is "usual" is learnt
 * from the meter's own history, first from a calibration period (`calibrate`), then from every
 * reading that raised nothing, so a household that waters its garden in summer stops looking
 * like a burst:
 * - `leak`: no idle hour among the last LEAK_HOURS readings and the lowest hourly use above the meter's
 *   usual lowest (continuous flow; rising minimum night flow);
 * - `burst`: an hour well above the most the meter has used around that time of day, or above
 *   its 99.5th percentile and the burst floor for three readings running;
 * - `backflow`: the register ran backwards (reverse flow, or tampering);
 * - `stuck_meter`: no use for longer than the meter's longest idle spell (and two days) while
 *   it normally uses water every day;
 * - `meter_offline`: a reading after more than `offlineAfterH` without one;
 * - `meter_fault`: more in an hour than a household connection can pass (the register glitched).
 * Each raises and clears with hysteresis and carries its evidence.
 */
export class WaterMeterDetector {
  /** Hourly use per reading (a reading after a gap is spread over the hours it covers). */
  private readonly lastLeakSpan: number[] = [];
  private readonly recent: number[] = [];
  private readonly hourly = new ValueHistogram();
  private readonly lowestSpan = new ValueHistogram();
  private idleH = 0;
  /** The most used in an hour, by hour of the day (UTC), over the history. */
  private readonly maxByHour = new Array<number>(24).fill(0);
  private longestIdleH = 0;
  private totalLitres = 0;
  private totalHours = 0;
  private sinceRefresh = REFRESH_EVERY;
  private usual = { lowestSpan: 0, hourlyQ995: 0 };
  private lastAtMs?: number;
  /** Litres the register ran backwards and has not yet run forwards again. */
  private owedL = 0;
  private readonly leak = new Hysteresis(1, 6);
  private readonly burst = new Hysteresis(1, 2);
  /** The readings of the burst now raised that were above the burst line. */
  private burstHours: { hod: number; use: number }[] = [];
  private readonly backflow = new Hysteresis(1, 24);
  private readonly stuck = new Hysteresis(1, 1);
  private readonly fault = new Hysteresis(1, 2);
  private readonly offline = new Hysteresis(1, 1);

  constructor(
    private readonly meter: string,
    private readonly o: WaterDetectorOptions = WATER_DEFAULTS,
  ) {}

  /** Learns the meter's normal from readings known to be normal, raising nothing. */
  calibrate(readings: readonly MeterReading[]): void {
    for (const r of readings) this.observe(r, true);
  }

  push(r: MeterReading): AlarmTransition[] {
    return this.observe(r, false);
  }

  private observe(r: MeterReading, learning: boolean): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    const emit = (
      name: string,
      h: Hysteresis,
      condition: boolean,
      severity: Severity,
      evidence: AlarmTransition['evidence'],
    ): void => {
      if (!learning)
        judge(out, h, condition, { name, subject: this.meter, severity, atMs: r.atMs, evidence });
    };

    const gapH = this.lastAtMs === undefined ? 1 : (r.atMs - this.lastAtMs) / HOUR;
    this.lastAtMs = r.atMs;
    if (gapH > this.o.offlineAfterH) {
      // Raised and cleared together, with how long it was: the reading says it is back.
      emit('meter_offline', this.offline, true, 'warning', { gapH: Math.round(gapH) });
      emit('meter_offline', this.offline, false, 'warning', { gapH: Math.round(gapH) });
    }
    const hours = Math.max(1, Math.round(gapH));
    // More than the connection can pass, either way, is the register glitching (a meter swap, a
    // bad read): a fault to look at, not a burst to send a crew to nor backflow, never learnt
    // as usual. DAIAD has a register that swings ±248 m³ every other hour.
    const implausible = Math.abs(r.litres) / hours > PLAUSIBLE_MAX_LPH;
    emit('backflow', this.backflow, r.litres < 0 && !implausible, 'warning', {
      litres: r.litres,
    });
    // Use is what the register gained. After it ran backwards (reverse flow, or a misread that
    // the next read corrects), its next gains first make up the loss: DAIAD has a meter that
    // read −3,076 L then +3,112 L, 36 L of use, not a 3 m³ burst. A glitch resets the account.
    const gained = implausible ? r.litres : r.litres - this.owedL;
    this.owedL = implausible ? 0 : Math.max(0, -gained);
    const use = Math.max(0, gained) / hours;

    this.lastLeakSpan.push(use);
    if (this.lastLeakSpan.length > LEAK_HOURS) this.lastLeakSpan.shift();
    this.recent.push(use);
    if (this.recent.length > 3) this.recent.shift();
    // An idle spell is history once it ends; one still running is what is being judged.
    if (use > 0 && !this.stuck.isActive)
      this.longestIdleH = Math.max(this.longestIdleH, this.idleH);
    this.idleH = use === 0 ? this.idleH + hours : 0;

    const minSpan = this.lastLeakSpan.length === LEAK_HOURS ? Math.min(...this.lastLeakSpan) : 0;
    const leakAbove = this.usual.lowestSpan + this.o.leakMarginLph;
    emit('leak', this.leak, minSpan >= leakAbove, minSpan >= 10 ? 'alarm' : 'warning', {
      lowestHourLph: Math.round(minSpan * 10) / 10,
      usualLowestLph: this.usual.lowestSpan,
    });

    // The most this meter has used around this hour of the day: a night-time burst stands out
    // against the night, not against Sunday's garden watering.
    const hod = new Date(r.atMs).getUTCHours();
    let aroundNow = 0;
    for (let d = -this.o.burstHoursAround; d <= this.o.burstHoursAround; d++)
      aroundNow = Math.max(aroundNow, this.maxByHour[(hod + d + 24) % 24] ?? 0);
    const sudden = Math.max(this.o.burstFloorLph, this.o.burstOverUsual * aroundNow);
    const sustained = Math.max(this.o.burstFloorLph, this.usual.hourlyQ995);
    emit('meter_fault', this.fault, implausible, 'warning', {
      litresPerHour: Math.round(r.litres / hours),
      plausibleMaxLph: PLAUSIBLE_MAX_LPH,
    });
    const burstNow =
      !implausible &&
      (use >= sudden || (this.recent.length === 3 && this.recent.every((u) => u >= sustained)));
    const burstWas = this.burst.isActive;
    if (burstWas && burstNow) this.burstHours.push({ hod, use });
    emit('burst', this.burst, burstNow, 'alarm', {
      litresPerHour: Math.round(use),
      usualMaxAtThisHourLph: Math.round(aroundNow),
      suddenAboveLph: Math.round(sudden),
      sustainedAboveLph: Math.round(sustained),
    });

    if (!burstWas && this.burst.isActive) this.burstHours = [{ hod, use }];
    if (burstWas && !this.burst.isActive) {
      // A burst keeps flowing; one that stopped within SHORT_BURST_H readings was the
      // household (a bath, a garden hose): learn its hours as usual, so that habit does not
      // raise again next week.
      if (this.burstHours.length <= SHORT_BURST_H)
        for (const b of this.burstHours) {
          this.maxByHour[b.hod] = Math.max(this.maxByHour[b.hod] ?? 0, b.use);
          this.hourly.add(b.use);
        }
      this.burstHours = [];
    }

    const meanDailyL = this.totalHours > 0 ? (this.totalLitres / this.totalHours) * 24 : 0;
    const stuckAfter = Math.max(48, this.longestIdleH * 1.5);
    emit('stuck_meter', this.stuck, meanDailyL >= 20 && this.idleH >= stuckAfter, 'warning', {
      idleHours: this.idleH,
      usualDailyL: Math.round(meanDailyL),
    });

    // What raised nothing becomes history; what is under an alarm does not (a leak must not
    // teach the meter that continuous flow is normal).
    if (!this.leak.isActive && !this.burst.isActive && !this.stuck.isActive && !implausible) {
      for (let h = 0; h < hours; h++) this.hourly.add(use);
      if (this.lastLeakSpan.length === LEAK_HOURS) this.lowestSpan.add(minSpan);
      const hod = new Date(r.atMs).getUTCHours();
      this.maxByHour[hod] = Math.max(this.maxByHour[hod] ?? 0, use);
      this.totalLitres += Math.max(0, r.litres);
      this.totalHours += hours;
    }
    if (++this.sinceRefresh >= REFRESH_EVERY) {
      this.sinceRefresh = 0;
      this.usual = {
        lowestSpan: this.lowestSpan.quantile(0.95),
        hourlyQ995: this.hourly.quantile(0.995),
      };
    }
    return out;
  }
}
