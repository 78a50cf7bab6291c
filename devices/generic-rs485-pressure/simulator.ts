import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile } from '../../runtime/devices/profile-schema.js';
import { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';
import { WaterMainModel } from '../tuf-2000m/water-main-model.js';

/** Registers 0x0000..0x0010 are answered. */
const RANGES = { holding: [[0, 17]] } as const;

/** A pressure transmitter on the simulated water main, as a Modbus slave. */
export function pressureTransmitterDevice(
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number } = {},
): ProfileRegisterDevice {
  const main = new WaterMainModel({ seed: options.seed ?? 13 });
  const unitId = options.unitId ?? 1;
  // Address, baud code (3 = 9600), as the register map lists them; unit code and decimals are
  // points of the profile, answered from the values below.
  const identity = { holding: { 0: unitId, 1: 3 } };
  return new ProfileRegisterDevice(
    profile,
    unitId,
    clock,
    (wallMs) => ({ pressure: main.at(wallMs).pressure, unitCode: 3, decimals: 2 }),
    RANGES,
    identity,
  );
}
