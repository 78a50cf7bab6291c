/**
 * The lamp-pole example flow (flows/lamp-pole.json) installed by `edge-gw flow install`, in a whole
 * Gateway with Node-RED: simulated people fill the pavement (a Modbus TCP people counter feeding
 * the crowd zone), and at night the flow dims the lamp after the zone's level of service, each
 * change reaching the lamp relay within 2 s. Real Node-RED, real Modbus TCP, GPIO simulated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { peopleCounterDevice } from '../../devices/generic-modbus-people-counter/simulator.js';
import { flowInstallCommand } from '../../runtime/cli/flow-command.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { SimulatedGpio } from '../../runtime/drivers/gpio/simulated-gpio.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { createRootLog } from '../../runtime/log/logger.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { manualClock } from '../harness/gateway-fixtures.js';
import { freePort } from '../harness/node-red-site.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the lamp-pole example flow', () => {
  it('dims the lamp at night after the crowd, each change on the relay within 2 s', async () => {
    const catalogue = DeviceCatalogue.load();
    // 22:00 local time, the trough of the simulated crowd's tide: the pavement fills from empty.
    const night = new Date(2026, 10, 21, 22, 0, 0).getTime();
    const clock = manualClock(night);
    const counter = peopleCounterDevice(
      catalogue.require('generic-modbus-people-counter', 'modbus'),
      clock,
      { unitId: 2, people: 40 },
    );
    const tcp = new ModbusTcpSimulator({ port: 0, devices: [counter] });
    await tcp.start();
    cleanups.push(() => tcp.stop());
    const { port } = await freePort();
    const dir = tempDir();
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `version: 1
gateway: { id: lp-night, dataDir: ./data }
clock: { sync: trust-os }
buses:
  - { id: tcp0, type: modbus-tcp, host: 127.0.0.1, port: ${String(tcp.port)}, timeoutMs: 300 }
  - { id: io, type: gpio, simulate: true }
devices:
  - { id: gate, profile: generic-modbus-people-counter, bus: tcp0, unitId: 2 }
  - { id: lamp, profile: generic-gpio-relay, bus: io, pin: 17, controls: lamp }
crowd:
  zones:
    - { id: pavement, counter: gate/peopleInView, areaM2: 10 }
upstream: { url: 'mqtt://127.0.0.1:1' }
nodeRed: { enabled: true, port: ${String(port)}, flowFile: ./flows.json }
`,
    );
    // Installed the way an integrator does it: edge-gw flow install lamp-pole --config site.yaml
    const said: string[] = [];
    const push = (l: string): void => void said.push(l);
    expect(flowInstallCommand('lamp-pole', { config: file }, push, push)).toBe(0);
    expect(said).toEqual([
      `installed the lamp-pole flow into ${join(dir, 'flows.json')}`,
      '  restart the gateway (or deploy from the editor) to run it',
    ]);
    const config = loadConfig(file, { catalogue });
    const gpio = new SimulatedGpio();
    // The lamp commands the flow gives, read from the gateway's own log (JSON lines).
    const commands: { requested: number; at: number }[] = [];
    const log = createRootLog({
      level: 'info',
      destination: {
        write: (line: string) => {
          const o = JSON.parse(line) as { msg?: string; requested?: number };
          if (o.msg === 'lamp switched by command' && o.requested !== undefined)
            commands.push({ requested: o.requested, at: Date.now() });
        },
      },
    });
    const gateway = new Gateway({ config, catalogue, clock, log, gpio });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    expect(gateway.status().nodeRed).toMatchObject({ state: 'running', problems: [] });

    // The crowd grows: A (0-3 people), B-C (4-7), D and beyond (8+). Each second of gateway
    // time, one count; after each, the level the flow asks for must be on the lamp within 2 s.
    const wanted = (people: number): number => (people >= 8 ? 100 : people >= 4 ? 60 : 30);
    let last = -1;
    for (let s = 0; s < 100; s++) {
      await clock.advance(1000);
      const count = gateway.status().crowd?.[0]?.count;
      if (count === null || count === undefined) continue;
      const level = wanted(count);
      if (level === last) continue;
      last = level;
      const t0 = Date.now();
      await waitFor(
        () => commands.at(-1)?.requested === level,
        `lamp level ${String(level)}`,
        2_000,
      );
      expect((commands.at(-1)?.at ?? Infinity) - t0).toBeLessThan(2_000);
      expect(gpio.outputLevel(17)).toBe(1);
    }
    // The flow sent only changes: 30, 60 and 100 %, in that order.
    expect(commands.map((c) => c.requested)).toEqual([30, 60, 100]);
    expect(JSON.parse(readFileSync(join(dir, 'flows.json'), 'utf8'))).toHaveLength(8);
  });
});
