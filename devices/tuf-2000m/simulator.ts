import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile } from '../../runtime/devices/profile-schema.js';
import { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';
import { WaterMainModel } from './water-main-model.js';

/** Registers 1..104 of the manual (addresses 0..103) are answered. */
const RANGES = { holding: [[0, 104]] } as const;

/** A TUF-2000M on a water main, as a Modbus slave (function 03, word-swapped values). */
export function tuf2000mDevice(
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number } = {},
): ProfileRegisterDevice {
  const main = new WaterMainModel({ seed: options.seed ?? 11 });
  return new ProfileRegisterDevice(
    profile,
    options.unitId ?? 1,
    clock,
    (wallMs) => ({ ...main.at(wallMs), errorCode: 0, signalQuality: 86 }),
    RANGES,
  );
}
