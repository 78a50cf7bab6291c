import type { Clock } from '../../runtime/clock/clock.js';
import type { ModbusProfile } from '../../runtime/devices/profile-schema.js';
import {
  ProfileRegisterDevice,
  type PointValues,
} from '../../scripts/simulators/register-device.js';
import { LampCircuitModel } from '../eastron-sdm120/lamp-circuit-model.js';

/** The SDM630 answers its whole input register map. */
const RANGES = { input: [[0x0000, 0x0190]] } as const;

/** A pole cabinet feeding three lamp groups, one per phase, as an Eastron SDM630. */
export function sdm630Device(
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number } = {},
): ProfileRegisterDevice {
  const seed = options.seed ?? 7;
  const phases = [0, 1, 2].map(
    (i) =>
      new LampCircuitModel({
        seed: seed + i,
        ratedPowerW: 560 + 40 * i,
        startEnergyKwh: 18_000 + 1_000 * i,
      }),
  );
  const values = (wallMs: number): PointValues => {
    const [l1, l2, l3] = phases.map((p) => p.at(wallMs));
    if (!l1 || !l2 || !l3) return {};
    const p = l1.activePower + l2.activePower + l3.activePower;
    const s = l1.apparentPower + l2.apparentPower + l3.apparentPower;
    return {
      voltageL1: l1.voltage,
      voltageL2: l2.voltage,
      voltageL3: l3.voltage,
      currentL1: l1.current,
      currentL2: l2.current,
      currentL3: l3.current,
      activePowerL1: l1.activePower,
      activePowerL2: l2.activePower,
      activePowerL3: l3.activePower,
      totalActivePower: p,
      totalPowerFactor: p / s,
      frequency: l1.frequency,
      importEnergy: l1.importEnergy + l2.importEnergy + l3.importEnergy,
      exportEnergy: 0,
    };
  };
  return new ProfileRegisterDevice(profile, options.unitId ?? 1, clock, values, RANGES);
}
