import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { crowdFlowRecords } from '../../../runtime/crowd/crowd-flow.js';
import { CrowdRecordSchema } from '../../../runtime/sync/message-schema.js';
import type { ClosedWindow } from '../../../runtime/windows/window-aggregator.js';
import { addValue, emptyStats } from '../../../runtime/windows/window-stats.js';
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

  it('makes a CrowdFlowObserved record of each zone in a window, from its readings', () => {
    const stats = (values: number[]) => {
      const st = emptyStats();
      values.forEach((v, i) => addValue(st, v, i * 1000));
      return st;
    };
    const window: ClosedWindow = {
      lengthMs: 60_000,
      t0: 0,
      streams: [
        {
          device: 'stop',
          point: 'peopleCount',
          stats: stats([2, 10, 6]),
          clockState: 'synced',
          rev: 1,
        },
        {
          device: 'stop',
          point: 'congested',
          stats: stats([0, 1, 0]),
          clockState: 'synced',
          rev: 1,
        },
        { device: 'lamp1', point: 'voltage', stats: stats([230]), clockState: 'synced', rev: 0 },
      ],
    };
    const zones = [
      { id: 'stop', areaM2: 8, scheme: 'fruin-queue' as const },
      { id: 'quiet', areaM2: 8, scheme: 'fruin-walkway' as const },
    ];
    expect(crowdFlowRecords(zones, window)).toEqual([
      {
        type: 'CrowdFlowObserved',
        id: 'stop',
        w: 'PT1M',
        t0: 0,
        rev: 1,
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
        congested: true,
        observations: 3,
      },
    ]);
    // Every record is what the consumer's schema accepts.
    const check = TypeCompiler.Compile(CrowdRecordSchema);
    expect(crowdFlowRecords(zones, window).every((r) => check.Check(r))).toBe(true);
  });

  it('refuses a zone without an area', () => {
    expect(() => new CrowdZone('x', { ...ZONE_DEFAULTS, areaM2: 0 })).toThrow(
      'crowd zone x: area must be above 0 m²',
    );
  });
});
