import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile } from '../../runtime/devices/profile-schema.js';
import { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';
import { ParkingBayModel } from '../shared-models/parking-bay-model.js';

/** Registers 0x00..0x09 are answered. */
const RANGES = { holding: [[0, 10]] } as const;

/** A DFRobot URM14 over a parking bay, as a Modbus slave (unit 0x0C by default). */
export function urm14Device(
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number } = {},
): ProfileRegisterDevice {
  const bay = new ParkingBayModel({ seed: options.seed ?? 5 });
  return new ProfileRegisterDevice(
    profile,
    options.unitId ?? 12,
    clock,
    (wallMs) => ({ distance: bay.distanceMm(wallMs), temperature: 18.3 }),
    RANGES,
  );
}
