import { describe, expect, it } from 'vitest';
import type { PointSpec } from '../../../runtime/devices/profile-schema.js';
import { planReads } from '../../../runtime/drivers/modbus/read-plan.js';

const point = (
  name: string,
  address: number,
  type: PointSpec['type'] = 'float32',
  register: PointSpec['register'] = 'input',
): PointSpec => ({
  name,
  address,
  type,
  register,
  order: 'ABCD',
  scale: 1,
  unit: 'VLT',
  attribute: 'X.y',
});

describe('planReads', () => {
  it('merges adjacent points into one read', () => {
    const reads = planReads([point('a', 0), point('b', 2), point('c', 4)], {
      maxGapRegisters: 0,
      maxRegistersPerRead: 125,
    });
    expect(reads.map((r) => [r.address, r.count, r.points.length])).toEqual([[0, 6, 3]]);
  });

  it('spans a gap only within the limit', () => {
    const pts = [point('a', 0), point('b', 10), point('c', 100)];
    expect(
      planReads(pts, { maxGapRegisters: 8, maxRegistersPerRead: 125 }).map((r) => [
        r.address,
        r.count,
      ]),
    ).toEqual([
      [0, 12],
      [100, 2],
    ]);
    expect(
      planReads(pts, { maxGapRegisters: 7, maxRegistersPerRead: 125 }).map((r) => [
        r.address,
        r.count,
      ]),
    ).toEqual([
      [0, 2],
      [10, 2],
      [100, 2],
    ]);
  });

  it('never exceeds the registers per read, and keeps register kinds apart', () => {
    const pts = [
      point('a', 0),
      point('b', 60),
      point('c', 120),
      point('h', 2, 'uint16', 'holding'),
    ];
    const reads = planReads(pts, { maxGapRegisters: 100, maxRegistersPerRead: 80 });
    for (const r of reads) expect(r.count).toBeLessThanOrEqual(80);
    expect(reads.filter((r) => r.register === 'holding').map((r) => [r.address, r.count])).toEqual([
      [2, 1],
    ]);
    expect(reads.flatMap((r) => r.points.map((p) => p.name)).sort()).toEqual(['a', 'b', 'c', 'h']);
  });

  it('plans the SDM120 profile as the 0x0000 x 0x4C block read plus the total', async () => {
    const { DeviceCatalogue } = await import('../../../runtime/devices/catalogue.js');
    const profile = DeviceCatalogue.load().require('eastron-sdm120', 'modbus');
    expect(planReads(profile.points, profile.readPlan).map((r) => [r.address, r.count])).toEqual([
      [0, 0x4c],
      [0x156, 2],
    ]);
  });
});
