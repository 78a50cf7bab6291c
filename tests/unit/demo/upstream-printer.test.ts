import { describe, expect, it } from 'vitest';
import { describeMessage } from '../../../scripts/demo/upstream-printer.js';

describe("the demo's upstream printer", () => {
  it('prints a summary as a table', () => {
    const lines = describeMessage(
      {
        gw: 'lp-demo',
        seq: 3,
        kind: 'summary',
        recs: [
          {
            dev: 'lamp1',
            m: 'voltage',
            u: 'VLT',
            w: 'PT1M',
            t0: Date.UTC(2026, 10, 21, 11, 44),
            n: 60,
            min: 229,
            max: 231,
            mean: 230,
            last: 230,
          },
        ],
      },
      '11:45:02',
    );
    expect(lines[0]).toBe(
      '11:45:02  upstream ← lp-demo summary seq 3, window 11:44:00Z + PT1M, 1 records:',
    );
    expect(lines[1]).toMatch(/lamp1 voltage +mean +230\.0 V +min +229\.0 +max +231\.0 +n 60/);
  });

  it('prints an alarm event as one line, and does not take it for a summary', () => {
    const lines = describeMessage(
      {
        gw: 'lp-demo',
        seq: 4,
        kind: 'event',
        recs: [
          {
            kind: 'congestion',
            severity: 'warning',
            t: 1,
            clock: 'synced',
            data: { subject: 'pavement', state: 'raised', evidence: { peopleCount: 13 } },
          },
        ],
      },
      '11:45:03',
    );
    expect(lines).toEqual([
      '11:45:03  upstream ← lp-demo event seq 4: congestion raised (pavement, warning) {"peopleCount":13}',
    ]);
    expect(describeMessage({ gw: 'g', seq: 5, kind: 'gap', recs: [{}, {}] }, 'now')).toEqual([
      'now  upstream ← g gap seq 5, 2 records',
    ]);
  });

  it('prints a crowd window as one line', () => {
    const lines = describeMessage(
      {
        gw: 'lp-demo',
        seq: 6,
        kind: 'crowd',
        recs: [
          {
            type: 'CrowdFlowObserved',
            id: 'pavement',
            w: 'PT1M',
            t0: Date.UTC(2026, 10, 21, 11, 44),
            peopleCountMax: 13,
            peopleCountAvg: 9.42,
            densityMax: 1.3,
            levelOfService: 'E',
            congested: true,
          },
        ],
      },
      '11:45:04',
    );
    expect(lines).toEqual([
      '11:45:04  upstream ← lp-demo crowd seq 6: CrowdFlowObserved pavement, window 11:44:00Z + PT1M: up to 13 people (mean 9.4), 1.30 per m², level of service E, congested',
    ]);
  });
});
