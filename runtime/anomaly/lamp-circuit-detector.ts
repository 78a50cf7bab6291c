import type { Severity } from '../store/events-table.js';
import { Hysteresis, judge, type AlarmTransition } from './alarm.js';

/** One window of a lamp circuit: its mean active power and voltage, and whether the gateway had
 * the lamps switched on through the whole window. */
export interface LampWindow {
  atMs: number;
  commandedOn: boolean;
  powerW: number | null;
  voltageV: number | null;
  powerFactor?: number | null;
}

export interface LampCalibration {
  /** Median power of steady switched-on windows. */
  nominalW: number;
  /** Median power by window since switch-on: circuits dim on a night schedule (full power in
   * the evening, lower after midnight), so "normal" depends on how long the lamps have been on. */
  profileW: number[];
  /** Median power of switched-off windows (meters, controllers). */
  standbyW: number;
}

export interface LampDetectorOptions {
  /** Lamp failure below this fraction of nominal power while on. */
  failureBelow: number;
  /** Cable loss (the whole circuit dark) below this fraction. */
  cableLossBelow: number;
  /** Day burning above standby plus this fraction of nominal while off. */
  dayBurningAbove: number;
  /** Supply voltage band (EN 50160: 230 V ± 10 %). */
  voltageLow: number;
  voltageHigh: number;
  powerFactorBelow: number;
}

export const LAMP_DEFAULTS: LampDetectorOptions = {
  failureBelow: 0.93,
  cableLossBelow: 0.1,
  dayBurningAbove: 0.05,
  voltageLow: 207,
  voltageHigh: 253,
  powerFactorBelow: 0.85,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? 0
    : s.length % 2
      ? (s[mid] ?? 0)
      : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Learns the circuit's nominal and standby power from windows known to be normal. Windows
 * right after a switch are left out: lamps take a while to reach full power. */
export function calibrateLampCircuit(windows: readonly LampWindow[]): LampCalibration {
  const on: number[] = [];
  const off: number[] = [];
  const bySlot: number[][] = [];
  let slot = -1;
  windows.forEach((w, i) => {
    const prev = windows[i - 1];
    slot = w.commandedOn ? (prev?.commandedOn ? slot + 1 : 0) : -1;
    if (w.powerW === null || !prev || prev.commandedOn !== w.commandedOn) return;
    (w.commandedOn ? on : off).push(w.powerW);
    if (w.commandedOn) (bySlot[slot] ??= []).push(w.powerW);
  });
  if (on.length === 0) throw new Error('calibration needs windows with the lamps switched on');
  const nominalW = median(on);
  // Slots no calibration night reached (a longer night) take the last one that was seen.
  const profileW: number[] = [];
  for (let s = 0; s < bySlot.length; s++)
    profileW.push(bySlot[s]?.length ? median(bySlot[s] ?? []) : (profileW[s - 1] ?? nominalW));
  return { nominalW, profileW, standbyW: median(off) };
}

/**
 * Named alarms for one lamp circuit, fed one window at a time:
 * - `lamp_failure`: switched on, power below `failureBelow` of nominal (lamps out);
 * - `cable_loss`: switched on and the whole circuit near zero;
 * - `day_burning`: switched off and still drawing power;
 * - `voltage_out_of_band`, `low_power_factor`;
 * - `circuit_offline`: a window without a reading.
 * The first window after a switch or a supply interruption is not judged (warm-up), so a lamp
 * that fails at switch-on is found in the second window.
 */
export class LampCircuitDetector {
  private prevOn?: boolean;
  private prevHadPower = false;
  /** Windows since the lamps were switched on (0 = the switch-on window). */
  private slot = -1;
  private readonly failure = new Hysteresis(1, 2);
  private readonly cableLoss = new Hysteresis(1, 2);
  private readonly dayBurning = new Hysteresis(1, 2);
  private readonly voltage = new Hysteresis(1, 2);
  private readonly pf = new Hysteresis(2, 2);
  private readonly offline = new Hysteresis(2, 1);

  constructor(
    private readonly circuit: string,
    private readonly cal: LampCalibration,
    private readonly o: LampDetectorOptions = LAMP_DEFAULTS,
  ) {}

  push(w: LampWindow): AlarmTransition[] {
    const out: AlarmTransition[] = [];
    const emit = (
      name: string,
      h: Hysteresis,
      condition: boolean,
      severity: Severity,
      evidence: AlarmTransition['evidence'],
    ): void =>
      judge(out, h, condition, { name, subject: this.circuit, severity, atMs: w.atMs, evidence });
    // After a switch, or after a window without readings (a supply interruption restarts the
    // lamps), the lamps are warming up: not judged yet.
    const settled = this.prevOn === w.commandedOn && this.prevHadPower;
    this.prevHadPower = w.powerW !== null;
    this.slot = w.commandedOn ? (this.prevOn ? this.slot + 1 : 0) : -1;
    this.prevOn = w.commandedOn;
    emit('circuit_offline', this.offline, w.powerW === null, 'warning', {});
    const p = w.powerW;
    const profile = this.cal.profileW;
    const nominal = w.commandedOn
      ? (profile[Math.min(this.slot, profile.length - 1)] ?? this.cal.nominalW)
      : this.cal.nominalW;
    const ratio = p === null ? null : p / nominal;
    const evidence = {
      powerW: p === null ? null : Math.round(p),
      expectedW: Math.round(nominal),
      commandedOn: w.commandedOn,
    };
    if (p !== null && ratio !== null && settled) {
      const on = w.commandedOn;
      emit('cable_loss', this.cableLoss, on && ratio < this.o.cableLossBelow, 'alarm', evidence);
      emit(
        'lamp_failure',
        this.failure,
        on && ratio >= this.o.cableLossBelow && ratio < this.o.failureBelow,
        ratio < 0.5 ? 'alarm' : 'warning',
        { ...evidence, lampsOutFraction: Math.round((1 - ratio) * 100) / 100 },
      );
      emit(
        'day_burning',
        this.dayBurning,
        !on && p > this.cal.standbyW + this.o.dayBurningAbove * nominal,
        'warning',
        evidence,
      );
    }
    const v = w.voltageV;
    if (v !== null)
      emit(
        'voltage_out_of_band',
        this.voltage,
        v < this.o.voltageLow || v > this.o.voltageHigh,
        'warning',
        { voltageV: Math.round(v * 10) / 10, low: this.o.voltageLow, high: this.o.voltageHigh },
      );
    const pf = w.powerFactor;
    if (pf !== undefined && pf !== null && w.commandedOn && settled)
      emit('low_power_factor', this.pf, pf < this.o.powerFactorBelow, 'warning', {
        powerFactor: Math.round(pf * 100) / 100,
      });
    return out;
  }
}
