import { describe, expect, it } from 'vitest';
import { RegimeNovelty, SPELL_ROWS } from '../../../runtime/anomaly/regime-novelty.js';
import { seededRandom } from '../../../runtime/shared/seeded-random.js';

/** The chi-squared 0.99 point with 4 degrees of freedom: where a spell is a new regime. */
const NEW_REGIME = 13.2767;

/** Feeds every value; returns the statistic after each. */
function statistics(values: readonly number[]): (number | undefined)[] {
  const n = new RegimeNovelty();
  return values.map((v) => n.learn(v));
}

const max = (a: readonly (number | undefined)[]): number => Math.max(...a.map((v) => v ?? 0));
/** Rows whose spell was a new regime. */
const newRows = (a: readonly (number | undefined)[]): number =>
  a.filter((v) => (v ?? 0) >= NEW_REGIME).length;

/** Household use, hourly: idle (0) about half the hours, 1 to 60 L in the rest. */
function household(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => (random() < 0.5 ? 0 : Math.round(1 + 59 * random())));
}

describe('RegimeNovelty', () => {
  it('says nothing until a whole spell is seen, and keeps the first as known', () => {
    const s = statistics(household(SPELL_ROWS + 1, 1));
    expect(s.slice(0, SPELL_ROWS - 1).every((v) => v === undefined)).toBe(true);
    expect(s[SPELL_ROWS - 1]).toBe(0);
    expect(s[SPELL_ROWS]).toBeLessThan(NEW_REGIME);
  });

  it('reports a value held mid-range as a new regime within a spell, then knows it', () => {
    const values = household(2000, 2);
    for (let i = 1500; i < 1700; i++) values[i] = 27;
    const s = statistics(values);
    // The usual spells of one regime: after the first weeks, new by chance about once a month.
    expect(newRows(s.slice(600, 1500))).toBeLessThanOrEqual(2);
    expect(max(s.slice(1500, 1500 + SPELL_ROWS))).toBeGreaterThanOrEqual(NEW_REGIME);
    // Once a held spell is kept, the same spell is known: the rest of the hold is not new.
    expect(max(s.slice(1500 + 2 * SPELL_ROWS, 1700))).toBeLessThan(NEW_REGIME);
  });

  it('finds a meter that no longer comes to rest: water running through the idle hours', () => {
    // A small continuous flow: the idle hours read 1 to 3 L. No value is outside what the meter
    // read before; what changes is that it never reads its lowest any more.
    const values = household(2000, 3);
    const random = seededRandom(4);
    for (let i = 1500; i < values.length; i++)
      if (values[i] === 0) values[i] = 1 + Math.floor(3 * random());
    const s = statistics(values);
    expect(newRows(s.slice(600, 1500))).toBe(0);
    expect(max(s.slice(1500, 1500 + SPELL_ROWS))).toBeGreaterThanOrEqual(NEW_REGIME);
  });

  it('rebins what it kept when a new extreme widens the range', () => {
    // Uniform readings from 0 to 10, then one reading of 1,000: the usual spells all fall in the
    // lowest bins of the new range, as the kept ones must too, so the regime is still known.
    const random = seededRandom(5);
    const values = Array.from({ length: 1200 }, () => 10 * random());
    values[1000] = 1000;
    const s = statistics(values);
    expect(max(s.slice(1000))).toBeLessThan(NEW_REGIME);
  });

  it('keeps each new regime, so switching back and forth is new only at first', () => {
    // Alternating 300-row spells around 10 and around 50.
    const random = seededRandom(6);
    const values = Array.from(
      { length: 3000 },
      (_, i) => (Math.floor(i / 300) % 2 === 0 ? 10 : 50) + random(),
    );
    const s = statistics(values);
    expect(max(s.slice(300, 300 + SPELL_ROWS))).toBeGreaterThan(NEW_REGIME);
    expect(max(s.slice(1200))).toBeLessThan(NEW_REGIME);
  });
});
