import { a02yyuwModel } from '../../devices/dfrobot-a02yyuw/simulator.js';
import { urm14Device } from '../../devices/dfrobot-urm14/simulator.js';
import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { sdm630Device } from '../../devices/eastron-sdm630/simulator.js';
import { peopleCounterDevice } from '../../devices/generic-modbus-people-counter/simulator.js';
import { pressureTransmitterDevice } from '../../devices/generic-rs485-pressure/simulator.js';
import { gyMcu90640Model } from '../../devices/gy-mcu90640/simulator.js';
import { sds011Model } from '../../devices/nova-sds011/simulator.js';
import { pms5003Model } from '../../devices/plantower-pms5003/simulator.js';
import { tuf2000mDevice } from '../../devices/tuf-2000m/simulator.js';
import type { Clock } from '../../runtime/clock/clock.js';
import type { DeviceProfile, ModbusProfile } from '../../runtime/devices/profile-schema.js';
import type { FramedDeviceModel } from './framed-serial-simulator.js';
import type { ProfileRegisterDevice } from './register-device.js';

type RegisterFactory = (
  profile: ModbusProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number },
) => ProfileRegisterDevice;

const REGISTER_DEVICES: Record<string, RegisterFactory> = {
  'eastron-sdm120': (p, c, o) =>
    sdm120Device(p, c, o.unitId !== undefined ? { unitId: o.unitId } : {}),
  'eastron-sdm630': sdm630Device,
  'tuf-2000m': tuf2000mDevice,
  'dfrobot-urm14': urm14Device,
  'generic-rs485-pressure': pressureTransmitterDevice,
  'generic-modbus-people-counter': peopleCounterDevice,
};

const FRAMED_MODELS: Record<string, (options: { seed?: number }) => FramedDeviceModel> = {
  'plantower-pms5003': pms5003Model,
  'nova-sds011': sds011Model,
  'dfrobot-a02yyuw': a02yyuwModel,
  'gy-mcu90640': gyMcu90640Model,
};

export type SimulatedDevice =
  { kind: 'modbus'; device: ProfileRegisterDevice } | { kind: 'framed'; model: FramedDeviceModel };

/** Profiles that have a simulator (every Modbus and framed device in the catalogue). */
export function simulatedProfiles(): string[] {
  return [...Object.keys(REGISTER_DEVICES), ...Object.keys(FRAMED_MODELS)].sort();
}

/** A simulated instance of the device a profile describes. */
export function simulatedDevice(
  profile: DeviceProfile,
  clock: Clock,
  options: { unitId?: number; seed?: number } = {},
): SimulatedDevice {
  if (profile.kind === 'modbus') {
    const factory = REGISTER_DEVICES[profile.id];
    if (factory) return { kind: 'modbus', device: factory(profile, clock, options) };
  } else if (profile.kind === 'framed') {
    const factory = FRAMED_MODELS[profile.id];
    if (factory) return { kind: 'framed', model: factory(options) };
  }
  throw new Error(
    `no simulator for ${profile.id}; simulators exist for ${simulatedProfiles().join(', ')}`,
  );
}
