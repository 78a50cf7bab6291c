/**
 * A child process for the bus benchmark: `count` SDM120 meters, each its own Modbus TCP
 * endpoint on loopback. Kept out of the benchmarked process so the gateway's CPU figure is the
 * gateway's alone. Prints {"ports":[...]} when ready; stops on SIGINT/SIGTERM.
 */
import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { ModbusTcpSimulator } from '../simulators/modbus-tcp-simulator.js';

const count = Number(process.argv[2] ?? 50);
const clock = new SystemClock({ evidence: 'trust-os' });
const profile = DeviceCatalogue.load().require('eastron-sdm120', 'modbus');
const servers = Array.from(
  { length: count },
  (_, i) =>
    new ModbusTcpSimulator({
      port: 0,
      devices: [sdm120Device(profile, clock, { circuit: { seed: i + 1 } })],
    }),
);
for (const s of servers) await s.start();
process.stdout.write(`${JSON.stringify({ ports: servers.map((s) => s.port) })}\n`);
await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
for (const s of servers) await s.stop();
