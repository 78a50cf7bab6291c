import type { Clock } from '../../runtime/clock/clock.js';
import type { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import type { LineSettings } from '../../runtime/drivers/serial/line-timing.js';
import { simulatedDevice } from '../../scripts/simulators/device-models.js';
import { ModbusRtuSimulator } from '../../scripts/simulators/modbus-rtu-simulator.js';
import { PtyPair } from '../../scripts/simulators/pty-pair.js';
import type { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';

export interface RtuLine {
  pair: PtyPair;
  sim: ModbusRtuSimulator;
  devices: Map<number, ProfileRegisterDevice>;
  line: LineSettings;
  stop(): Promise<void>;
}

/** An RS-485 line in a pseudo-terminal pair, with simulated slaves at the device end. */
export async function startRtuLine(
  catalogue: DeviceCatalogue,
  clock: Clock,
  slaves: { profile: string; unitId: number }[],
  line: LineSettings = { baudRate: 9600, parity: 'none', stopBits: 1 },
): Promise<RtuLine> {
  const pair = await PtyPair.start();
  const devices = new Map<number, ProfileRegisterDevice>();
  for (const s of slaves) {
    const sim = simulatedDevice(catalogue.require(s.profile, 'modbus'), clock, {
      unitId: s.unitId,
    });
    if (sim.kind === 'modbus') devices.set(s.unitId, sim.device);
  }
  const sim = new ModbusRtuSimulator({
    path: pair.deviceEnd,
    line,
    devices: [...devices.values()],
  });
  await sim.start();
  return {
    pair,
    sim,
    devices,
    line,
    stop: async () => {
      await sim.stop();
      await pair.dispose();
    },
  };
}
