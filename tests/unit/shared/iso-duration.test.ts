import { describe, expect, it } from 'vitest';
import {
  formatIsoDuration,
  parseIsoDuration,
  tilesADay,
} from '../../../runtime/shared/iso-duration.js';

describe('ISO-8601 window lengths', () => {
  it.each([
    ['PT1S', 1000],
    ['PT1M', 60_000],
    ['PT15M', 900_000],
    ['PT1H', 3_600_000],
    ['PT1H30M', 5_400_000],
    ['P1D', 86_400_000],
    ['PT60S', 60_000],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', '1M', 'PT1.5M', 'P1M', 'P1Y', 'PT0S', 'pt1m'])('rejects %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });

  it('spells each length one canonical way, so record keys agree', () => {
    expect(formatIsoDuration(60_000)).toBe('PT1M');
    expect(formatIsoDuration(parseIsoDuration('PT60S') ?? 0)).toBe('PT1M');
    expect(formatIsoDuration(5_400_000)).toBe('PT1H30M');
    expect(formatIsoDuration(86_400_000)).toBe('P1D');
    expect(formatIsoDuration(2_000)).toBe('PT2S');
  });

  it('accepts only lengths that tile a UTC day', () => {
    expect(tilesADay(60_000)).toBe(true);
    expect(tilesADay(900_000)).toBe(true);
    expect(tilesADay(7 * 60_000)).toBe(false);
    expect(tilesADay(500)).toBe(false);
    expect(tilesADay(2 * 86_400_000)).toBe(false);
  });
});
