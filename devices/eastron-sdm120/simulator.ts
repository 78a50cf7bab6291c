import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile } from '../../runtime/devices/profile-schema.js';
import {
  ProfileRegisterDevice,
  type PointValues,
} from '../../scripts/simulators/register-device.js';
import { LampCircuitModel, type LampCircuitOptions } from './lamp-circuit-model.js';

/** The SDM120 answers its measurement block and its totals; other reads get exception 2. */
const RANGES = {
  input: [
    [0x0000, 0x0050],
    [0x0156, 0x0158],
  ],
} as const;

export function sdm120Values(circuit: LampCircuitModel): (wallMs: number) => PointValues {
  return (wallMs) => {
    const s = circuit.at(wallMs);
    return { ...s, totalEnergy: s.importEnergy + s.exportEnergy };
  };
}

/** An Eastron SDM120 on a lamp circuit, as a Modbus slave. */
export function sdm120Device(
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; circuit?: LampCircuitOptions } = {},
): ProfileRegisterDevice {
  return new ProfileRegisterDevice(
    profile,
    options.unitId ?? 1,
    clock,
    sdm120Values(new LampCircuitModel(options.circuit)),
    RANGES,
  );
}
