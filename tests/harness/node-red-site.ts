import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { SimulatedGpio } from '../../runtime/drivers/gpio/simulated-gpio.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { freePort as anyFreePort } from '../../scripts/lib/free-port.js';
import { manualClock } from './gateway-fixtures.js';
import { tempDir } from './temp-dir.js';

const catalogue = DeviceCatalogue.load();

/** A free port, or (`hold`) one held by a listening server so that it stays taken. */
export async function freePort(hold = false): Promise<{ port: number; server?: Server }> {
  if (!hold) return { port: await anyFreePort() };
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

/** A gateway with Node-RED on `port`, a simulated door switch, and the site flow file
 * `flows` (none: Node-RED starts with no flows). The caller stops it. */
export async function gatewayWithNodeRed(port: number, flows?: string) {
  const dir = tempDir();
  const file = join(dir, 'site.yaml');
  if (flows !== undefined) writeFileSync(join(dir, 'flows.json'), flows);
  writeFileSync(
    file,
    `version: 1
gateway: { id: nr-test, dataDir: ./data }
clock: { sync: trust-os }
buses:
  - { id: io, type: gpio, simulate: true }
devices:
  - { id: door, profile: generic-gpio-door-switch, bus: io, pin: 27 }
upstream: { url: 'mqtt://127.0.0.1:1' }
nodeRed: { enabled: true, port: ${String(port)}, flowFile: ./flows.json }
`,
  );
  const config = loadConfig(file, { catalogue });
  const clock = manualClock();
  const gateway = new Gateway({
    config,
    catalogue,
    clock,
    log: silentLog(),
    gpio: new SimulatedGpio(),
  });
  await gateway.start();
  return { gateway, clock, dir, config };
}

export async function token(base: string, username: string, password: string): Promise<Response> {
  return fetch(`${base}auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: 'node-red-admin',
      grant_type: 'password',
      scope: '*',
      username,
      password,
    }),
  });
}
