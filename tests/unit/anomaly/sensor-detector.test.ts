import { describe, expect, it } from 'vitest';
import { SensorDetector, type WindowValues } from '../../../runtime/anomaly/sensor-detector.js';

const MIN = 60_000;
/** A PM2.5 sensor: window means wander between 18 and 22, each window spans ±1. */
function windows(
  n: number,
  from = 0,
  value = (i: number) => 20 + 2 * Math.sin(i / 5),
): WindowValues[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const v = value(i);
    return { atMs: (i + 1) * MIN, n: 60, min: v - 1, max: v + 1, mean: v };
  });
}

const raised = (d: SensorDetector, ws: WindowValues[]) =>
  ws.flatMap((w) => d.push(w)).filter((a) => a.state === 'raised');

describe('SensorDetector', () => {
  it('raises nothing on a sensor behaving normally', () => {
    const d = new SensorDetector('pm', {
      min: 0,
      max: 1000,
      flatlineWindows: 10,
      spikeSigmas: 6,
      offlineWindows: 3,
    });
    expect(raised(d, windows(200))).toEqual([]);
  });

  it('finds a value out of range, a spike, a flatline and silence, each with evidence', () => {
    const d = new SensorDetector('pm', {
      min: 0,
      max: 500,
      flatlineWindows: 10,
      spikeSigmas: 6,
      offlineWindows: 3,
    });
    raised(d, windows(60));
    const spike = raised(d, [{ atMs: 61 * MIN, n: 60, min: 19, max: 90, mean: 21 }]);
    expect(spike.map((a) => a.name)).toEqual(['spike']);
    expect(spike[0]?.evidence).toMatchObject({ value: 90 });
    const out = raised(d, [{ atMs: 62 * MIN, n: 60, min: 19, max: 900, mean: 60 }]);
    expect(out.map((a) => a.name)).toContain('out_of_range');
    const flat = raised(
      d,
      windows(12, 70, () => 33).map((w) => ({ ...w, min: 33, max: 33 })),
    );
    expect(flat.map((a) => [a.name, a.evidence.windowsUnchanged])).toEqual([['flatline', 10]]);
    const silent = raised(
      d,
      [1, 2, 3].map((k) => ({ atMs: (90 + k) * MIN, n: 0, min: null, max: null, mean: null })),
    );
    expect(silent.map((a) => a.name)).toEqual(['sensor_offline']);
  });

  it('does not learn a spike as normal: the same spike again is a spike again', () => {
    const d = new SensorDetector('pm', { flatlineWindows: 10, spikeSigmas: 6, offlineWindows: 3 });
    raised(d, windows(60));
    const spike: WindowValues = { atMs: 61 * MIN, n: 60, min: 19, max: 90, mean: 21 };
    expect(raised(d, [spike]).map((a) => a.name)).toEqual(['spike']);
    // Cleared after three normal windows, then raised again by the same spike.
    raised(d, windows(3, 62));
    expect(raised(d, [{ ...spike, atMs: 66 * MIN }]).map((a) => a.name)).toEqual(['spike']);
  });

  it('judges spikes only after it has learnt the spread, warming up from the past', () => {
    const cold = new SensorDetector('pm');
    const spike: WindowValues = { atMs: 61 * MIN, n: 60, min: 19, max: 90, mean: 21 };
    expect(raised(cold, [...windows(5), spike])).toEqual([]);
    const warm = new SensorDetector('pm');
    for (const w of windows(60)) warm.warm(w);
    expect(raised(warm, [spike]).map((a) => a.name)).toEqual(['spike']);
  });
});
