import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import type { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { Mosquitto } from './mosquitto.js';

export interface MeterAndBroker {
  broker: Mosquitto;
  meter: ModbusTcpSimulator;
  stop(): Promise<void>;
}

/** What a real-clock gateway test stands on: a Mosquitto of its own and an SDM120 simulator. */
export async function startMeterAndBroker(catalogue: DeviceCatalogue): Promise<MeterAndBroker> {
  const broker = await Mosquitto.start();
  const meter = new ModbusTcpSimulator({
    port: 0,
    devices: [
      sdm120Device(
        catalogue.require('eastron-sdm120', 'modbus'),
        new SystemClock({ evidence: 'trust-os' }),
      ),
    ],
  });
  await meter.start();
  return {
    broker,
    meter,
    stop: async () => {
      await meter.stop();
      await broker.stop();
    },
  };
}
