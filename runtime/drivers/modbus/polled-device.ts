import type { DeviceProfile, PointSpec } from '../../devices/profile-schema.js';
import { planReads, type PlannedRead } from './read-plan.js';

/** A configured device with everything its poller needs, resolved once at start. */
export interface PolledDevice {
  id: string;
  profile: DeviceProfile;
  unitId: number;
  pollMs: number;
  points: PointSpec[];
  reads: PlannedRead[];
}

export function polledDevice(
  id: string,
  profile: DeviceProfile,
  overrides: { unitId?: number; pollMs?: number; points?: readonly string[] },
): PolledDevice {
  const points = overrides.points
    ? profile.points.filter((p) => overrides.points?.includes(p.name))
    : profile.points;
  return {
    id,
    profile,
    unitId: overrides.unitId ?? profile.defaults.unitId,
    pollMs: overrides.pollMs ?? profile.defaults.pollMs,
    points,
    reads: planReads(points, profile.readPlan),
  };
}
