import { describe, expect, it } from 'vitest';
import { CrowdZone, ZONE_DEFAULTS } from '../../../runtime/crowd/crowd-zone.js';
import { levelOfService } from '../../../runtime/crowd/level-of-service.js';

describe('Fruin level of service', () => {
  it('grades walkway densities on the published boundaries (a boundary is the better level)', () => {
    const grades = [0, 0.31, 0.3101, 0.43, 0.5, 0.72, 1.0, 1.08, 2.0, 2.15, 2.16, 6].map((d) =>
      levelOfService(d),
    );
    expect(grades.join('')).toBe('AABBCCDDEEFF');
  });

  it('grades queuing areas on their own, denser scheme', () => {
    const grades = [0.8, 1.0, 1.5, 3.0, 5.0, 5.5].map((d) => levelOfService(d, 'fruin-queue'));
    expect(grades.join('')).toBe('ABCDEF');
    expect(levelOfService(1.0)).toBe('D');
  });
});

describe('a crowd zone', () => {
  it('turns counts into density and level of service over its area', () => {
    const z = new CrowdZone('plaza', { ...ZONE_DEFAULTS, areaM2: 20 });
    expect(z.observe(5)).toEqual({ count: 5, density: 0.25, los: 'A', congested: false });
    expect(z.observe(16)).toMatchObject({ density: 0.8, los: 'D' });
    expect(z.observe(-2)).toMatchObject({ count: 0, los: 'A' });
  });

  it('raises congestion after three observations at E or worse, and clears after five below', () => {
    const z = new CrowdZone('bridge', { ...ZONE_DEFAULTS, areaM2: 10 });
    const states = [12, 12, 5, 12, 12, 12, 12, 5, 5, 5, 5, 12, 5, 5, 5, 5, 5].map(
      (c) => z.observe(c).transition ?? '-',
    );
    // 12 people on 10 m² is 1.2 p/m² (E); 5 is 0.5 (C). One quiet reading resets the count.
    expect(states.join(' ')).toBe('- - - - - raised - - - - - - - - - - cleared');
  });

  it('summarises a window as CrowdFlowObserved with density and level of service', () => {
    const z = new CrowdZone('stop', { ...ZONE_DEFAULTS, areaM2: 8, scheme: 'fruin-queue' });
    expect(z.summary(0, 60_000)).toBeUndefined();
    for (const c of [2, 10, 6]) z.observe(c);
    expect(z.summary(0, 60_000)).toEqual({
      type: 'CrowdFlowObserved',
      id: 'stop',
      dateObservedFrom: '1970-01-01T00:00:00.000Z',
      dateObservedTo: '1970-01-01T00:01:00.000Z',
      peopleCountInstant: 6,
      peopleCountMax: 10,
      peopleCountAvg: 6,
      peopleDensity: 0.75,
      densityAvg: 0.75,
      densityMax: 1.25,
      measuredArea: 8,
      levelOfService: 'C',
      losScheme: 'fruin-queue',
      congested: false,
      observations: 3,
    });
    // The next window starts empty.
    expect(z.summary(60_000, 120_000)).toBeUndefined();
  });

  it('refuses a zone without an area', () => {
    expect(() => new CrowdZone('x', { ...ZONE_DEFAULTS, areaM2: 0 })).toThrow(
      'crowd zone x: area must be above 0 m²',
    );
  });
});
