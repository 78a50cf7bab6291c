import { describe, expect, it } from 'vitest';
import { ago, duration, plural } from '../../../runtime/shared/human-text.js';

describe('human text', () => {
  it('says durations and ages in the unit a person would', () => {
    expect(duration(45_000)).toBe('45 s');
    expect(duration(12 * 60_000)).toBe('12 min');
    expect(duration(3.5 * 3_600_000)).toBe('3.5 h');
    expect(duration(2 * 86_400_000)).toBe('2.0 d');
    expect(ago(1_000, 13_000)).toBe('12 s ago');
    expect(ago(null, 13_000)).toBe('never');
    expect(plural(1, 'bus', 'buses')).toBe('1 bus');
    expect(plural(3, 'device')).toBe('3 devices');
  });
});
