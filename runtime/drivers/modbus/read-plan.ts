import {
  pointSpan,
  type ModbusPointSpec,
  type RegisterKind,
} from '../../devices/profile-schema.js';

/** One Modbus read request and the points it serves. */
export interface PlannedRead {
  register: RegisterKind;
  address: number;
  count: number;
  points: ModbusPointSpec[];
}

export interface ReadPlanLimits {
  /** Unmapped registers one read may span to serve two points with one request. */
  maxGapRegisters: number;
  /** Registers per request; the protocol allows 125. */
  maxRegistersPerRead: number;
}

/**
 * Groups points into as few reads as the limits allow: points of the same register kind,
 * sorted by address, share a read while the span stays within the limits. On a 2400-baud bus
 * every request saved is about 40 ms of wire time.
 */
export function planReads(
  points: readonly ModbusPointSpec[],
  limits: ReadPlanLimits,
): PlannedRead[] {
  const reads: PlannedRead[] = [];
  const byKind = new Map<RegisterKind, ModbusPointSpec[]>();
  for (const p of points) byKind.set(p.register, [...(byKind.get(p.register) ?? []), p]);
  for (const [register, group] of byKind) {
    const sorted = [...group].sort((a, b) => pointSpan(a).from - pointSpan(b).from);
    let current: PlannedRead | undefined;
    for (const point of sorted) {
      const { from, to } = pointSpan(point);
      if (current) {
        const currentEnd = current.address + current.count;
        const gap = from - currentEnd;
        const span = Math.max(currentEnd, to) - current.address;
        if (gap <= limits.maxGapRegisters && span <= limits.maxRegistersPerRead) {
          current.count = span;
          current.points.push(point);
          continue;
        }
      }
      current = { register, address: from, count: to - from, points: [point] };
      reads.push(current);
    }
  }
  return reads;
}

/** The same points read one request per point: what merging saves is measured against this. */
export function unmergedReads(points: readonly ModbusPointSpec[]): PlannedRead[] {
  return planReads(points, { maxGapRegisters: -1, maxRegistersPerRead: 125 });
}
