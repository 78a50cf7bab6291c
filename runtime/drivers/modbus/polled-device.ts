import type { ModbusPointSpec, ModbusProfile } from '../../devices/profile-schema.js';
import { planReads, type PlannedRead } from './read-plan.js';

/** Points of one device that share a poll interval, and the reads that fetch them. */
export interface PollGroup {
  pollMs: number;
  reads: PlannedRead[];
}

/** A configured Modbus device with everything its scheduler needs, resolved once at start. */
export interface PolledDevice {
  id: string;
  profile: ModbusProfile;
  unitId: number;
  points: ModbusPointSpec[];
  /** The device's own interval; points with their own `pollMs` keep theirs when it changes. */
  pollMs: number;
  /** Fastest first. A point's own `pollMs` wins over the device's (energy totals every
   * minute, power every second). */
  groups: PollGroup[];
}

export function polledDevice(
  id: string,
  profile: ModbusProfile,
  overrides: {
    unitId?: number | undefined;
    pollMs?: number | undefined;
    points?: readonly string[] | undefined;
  },
): PolledDevice {
  const points = overrides.points
    ? profile.points.filter((p) => overrides.points?.includes(p.name))
    : profile.points;
  const devicePollMs = overrides.pollMs ?? profile.defaults.pollMs;
  const byInterval = new Map<number, ModbusPointSpec[]>();
  for (const point of points) {
    const ms = point.pollMs ?? devicePollMs;
    byInterval.set(ms, [...(byInterval.get(ms) ?? []), point]);
  }
  return {
    id,
    profile,
    unitId: overrides.unitId ?? profile.defaults.unitId,
    points,
    pollMs: devicePollMs,
    groups: [...byInterval]
      .sort((a, b) => a[0] - b[0])
      .map(([pollMs, group]) => ({ pollMs, reads: planReads(group, profile.readPlan) })),
  };
}
