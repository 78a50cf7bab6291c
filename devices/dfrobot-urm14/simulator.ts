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
  const unitId = options.unitId ?? 12;
  // PID, VID, address, baud code (5 = 19200), parity/stop (none, 1), control, as the DFRobot
  // wiki lists them: what `edge-gw scan` sees in register 0.
  const identity = {
    holding: { 0: 0x0002, 1: 0x0010, 2: unitId, 3: 0x0005, 4: 0x0001, 8: 0x0004 },
  };
  return new ProfileRegisterDevice(
    profile,
    unitId,
    clock,
    (wallMs) => ({ distance: bay.distanceMm(wallMs), temperature: 18.3 }),
    RANGES,
    identity,
  );
}
