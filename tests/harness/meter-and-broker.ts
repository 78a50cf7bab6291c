import { Sdm120Simulator } from '../../devices/eastron-sdm120/simulator.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import type { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { Mosquitto } from './mosquitto.js';

export interface MeterAndBroker {
  broker: Mosquitto;
  meter: Sdm120Simulator;
  stop(): Promise<void>;
}

/** What a real-clock gateway test stands on: a Mosquitto of its own and an SDM120 simulator. */
export async function startMeterAndBroker(catalogue: DeviceCatalogue): Promise<MeterAndBroker> {
  const profile = catalogue.get('eastron-sdm120');
  if (!profile) throw new Error('eastron-sdm120 profile missing');
  const broker = await Mosquitto.start();
  const meter = new Sdm120Simulator({
    profile,
    clock: new SystemClock({ evidence: 'trust-os' }),
    port: await freePort(),
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
