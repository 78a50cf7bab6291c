import { describe, expect, it } from 'vitest';
import {
  calibrateLampCircuit,
  LampCircuitDetector,
  type LampWindow,
} from '../../../runtime/anomaly/lamp-circuit-detector.js';

const MIN5 = 300_000;

/** Nights of 12 windows on (full power for 6, dimmed to 60 % for 6) and 12 off. */
function nights(n: number, startWindow = 0): LampWindow[] {
  const out: LampWindow[] = [];
  for (let i = 0; i < n * 24; i++) {
    const k = i % 24;
    const on = k < 12;
    out.push({
      atMs: (startWindow + i + 1) * MIN5,
      commandedOn: on,
      powerW: on ? (k < 6 ? 5_000 : 3_000) : 2,
      voltageV: 230,
      powerFactor: on ? 0.95 : null,
    });
  }
  return out;
}

function detectorAfter(calibration: LampWindow[]) {
  const cal = calibrateLampCircuit(calibration);
  return { cal, d: new LampCircuitDetector('c1', cal) };
}

const raised = (d: LampCircuitDetector, ws: LampWindow[]) =>
  ws
    .flatMap((w, i) => d.push(w).map((a) => ({ ...a, window: i })))
    .filter((a) => a.state === 'raised');

describe('LampCircuitDetector', () => {
  it('learns the night profile, including the dimmed hours, and raises nothing on it', () => {
    const { cal, d } = detectorAfter(nights(2));
    expect(cal.profileW.slice(1, 11)).toEqual([
      5000, 5000, 5000, 5000, 5000, 3000, 3000, 3000, 3000, 3000,
    ]);
    expect(cal.standbyW).toBe(2);
    expect(raised(d, nights(3, 48))).toEqual([]);
  });

  it('finds lamps out in the dimmed hours too, within two windows', () => {
    const { d } = detectorAfter(nights(2));
    const test = nights(1, 48).map((w, i) => (i >= 8 && i < 12 ? { ...w, powerW: 2_400 } : w));
    const a = raised(d, test);
    expect(a.map((x) => [x.name, x.window, x.severity])).toEqual([['lamp_failure', 8, 'warning']]);
    expect(a[0]?.evidence).toMatchObject({ powerW: 2400, expectedW: 3000, lampsOutFraction: 0.2 });
  });

  it('tells a dark circuit (cable loss) from lamps out, and finds day burning after warm-up', () => {
    const { d } = detectorAfter(nights(2));
    const test = nights(1, 48).map((w, i) =>
      i >= 3 && i < 6 ? { ...w, powerW: 40 } : i >= 12 && i < 16 ? { ...w, powerW: 4_000 } : w,
    );
    expect(raised(d, test).map((x) => [x.name, x.window])).toEqual([
      ['cable_loss', 3],
      ['day_burning', 13],
    ]);
  });

  it('does not judge the warm-up window after a switch or a supply interruption', () => {
    const { d } = detectorAfter(nights(2));
    const test = nights(1, 48).map((w, i) =>
      i === 0
        ? { ...w, powerW: 1_000 }
        : i === 4
          ? { ...w, powerW: null }
          : i === 5
            ? { ...w, powerW: 1_500 }
            : w,
    );
    expect(raised(d, test).map((x) => x.name)).toEqual([]);
  });

  it('finds supply voltage out of band and a low power factor', () => {
    const { d } = detectorAfter(nights(2));
    const test = nights(1, 48).map((w, i) =>
      i === 2 ? { ...w, voltageV: 199 } : i >= 6 && i < 9 ? { ...w, powerFactor: 0.7 } : w,
    );
    expect(raised(d, test).map((x) => [x.name, x.window])).toEqual([
      ['voltage_out_of_band', 2],
      ['low_power_factor', 7],
    ]);
  });

  it('refuses a calibration without any switched-on window', () => {
    expect(() => calibrateLampCircuit(nights(1).filter((w) => !w.commandedOn))).toThrow(
      'calibration needs windows with the lamps switched on',
    );
  });
});
