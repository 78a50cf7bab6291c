import { describe, expect, it } from 'vitest';
import { PRESSURE_WARMUP, PressureDetector } from '../../../runtime/anomaly/pressure-detector.js';
import { TamperDetector } from '../../../runtime/anomaly/tamper-detector.js';

const MIN = 60_000;
/** A window of a main at about `p` (its minimum and maximum `spread` either side). */
const w = (i: number, p: number, spread = 0.1, lo = p - spread, hi = p + spread) => ({
  atMs: i * 5 * MIN,
  n: 5,
  min: lo,
  max: hi,
  mean: p,
});

describe('pressure drop and surge', () => {
  function warmed(scale: number): { d: PressureDetector; next: number } {
    const d = new PressureDetector('main');
    let i = 0;
    for (; i < 48; i++)
      expect(d.push(w(i, scale * (3.2 + 0.05 * Math.sin(i)), 0.1 * scale))).toEqual([]);
    return { d, next: i };
  }

  it('learns before judging: nothing is raised in the first windows, whatever they hold', () => {
    const d = new PressureDetector('main');
    for (let i = 0; i < PRESSURE_WARMUP; i++) expect(d.push(w(i, i === 3 ? 0.5 : 3.2))).toEqual([]);
  });

  it('raises a drop below the usual band with its evidence, and clears after three quiet windows', () => {
    const { d, next } = warmed(1);
    const [drop, ...rest] = d.push(w(next, 2.9, 0.1, 2.6, 3.0));
    expect(rest).toEqual([]);
    expect(drop).toMatchObject({
      name: 'pressure_drop',
      state: 'raised',
      severity: 'alarm',
      subject: 'main',
    });
    expect(drop?.evidence.lowest).toBe(2.6);
    expect(Number(drop?.evidence.dropBelow)).toBeGreaterThan(2.6);
    expect(Number(drop?.evidence.dropBelow)).toBeLessThan(3.1);
    expect(d.push(w(next + 1, 3.2))).toEqual([]);
    expect(d.push(w(next + 2, 3.2))).toEqual([]);
    expect(d.push(w(next + 3, 3.2)).map((t) => [t.name, t.state])).toEqual([
      ['pressure_drop', 'cleared'],
    ]);
  });

  it('raises a surge above the usual band, and none for a window inside it', () => {
    const { d, next } = warmed(1);
    expect(d.push(w(next, 3.25, 0.1))).toEqual([]);
    expect(d.push(w(next + 1, 3.3, 0.1, 3.2, 3.9)).map((t) => [t.name, t.severity])).toEqual([
      ['pressure_surge', 'warning'],
    ]);
  });

  it('does not care about units: the same main in kPa raises the same alarms', () => {
    const { d, next } = warmed(100);
    expect(d.push(w(next, 290, 10, 260, 300)).map((t) => t.name)).toEqual(['pressure_drop']);
  });
});

describe('tamper', () => {
  const win = (
    i: number,
    n: number,
    min: number | null,
    max: number | null,
    last: number | null,
  ) => ({
    atMs: i * MIN,
    n,
    min,
    max,
    last,
  });

  it('raises when a door switch opened at any moment of a window, and clears on a closed window', () => {
    const d = new TamperDetector('cabinet', 0);
    expect(d.push(win(0, 1, 1, 1, 1))).toEqual([]);
    // Opened and shut again within one window: still tampering.
    const [raised] = d.push(win(1, 2, 0, 1, 1));
    expect(raised).toMatchObject({
      name: 'tamper',
      state: 'raised',
      severity: 'alarm',
      evidence: { openedInWindow: true, openNow: false },
    });
    expect(d.push(win(2, 0, null, null, null)).map((t) => t.state)).toEqual(['cleared']);
  });

  it('keeps a door that stays open raised through windows without a change', () => {
    const d = new TamperDetector('cabinet', 0);
    expect(d.push(win(0, 1, 0, 0, 0)).map((t) => t.state)).toEqual(['raised']);
    expect(d.push(win(1, 0, null, null, null))).toEqual([]);
    expect(d.push(win(2, 0, null, null, null))).toEqual([]);
    expect(d.push(win(3, 1, 1, 1, 1)).map((t) => t.state)).toEqual(['cleared']);
  });

  it('reads a contact that is 1 when open, and takes its state from history at start', () => {
    const d = new TamperDetector('lid', 1);
    d.warm(win(0, 1, 1, 1, 1));
    // No change since start-up, and the lid was left open: raised on the first window.
    expect(d.push(win(1, 0, null, null, null)).map((t) => t.state)).toEqual(['raised']);
  });
});
