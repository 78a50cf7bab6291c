/**
 * The gateway's own Node-RED nodes (nodes/) in a whole Gateway: a flow deployed through the
 * admin API reads the gateway's readings (a Modbus TCP people counter and the crowd zone it
 * feeds) and its status, and writes what it receives to files this test reads. A real Node-RED,
 * a real Modbus TCP server, a real store.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { peopleCounterDevice } from '../../devices/generic-modbus-people-counter/simulator.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import type { EditorSecrets } from '../../runtime/node-red/editor-secrets.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { T0, manualClock } from '../harness/gateway-fixtures.js';
import { freePort, token } from '../harness/node-red-site.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe('the edge-* nodes in a running gateway', () => {
  it('send the readings that match, and the gateway status', async () => {
    const catalogue = DeviceCatalogue.load();
    const clock = manualClock(T0 + 120_000);
    const profile = catalogue.require('generic-modbus-people-counter', 'modbus');
    const tcp = new ModbusTcpSimulator({
      port: 0,
      devices: [peopleCounterDevice(profile, clock, { unitId: 2, people: 40 })],
    });
    await tcp.start();
    cleanups.push(() => tcp.stop());
    const { port } = await freePort();
    const dir = tempDir();
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `version: 1
gateway: { id: square, dataDir: ./data }
clock: { sync: trust-os }
buses:
  - { id: tcp0, type: modbus-tcp, host: 127.0.0.1, port: ${String(tcp.port)}, timeoutMs: 300 }
devices:
  - { id: gate, profile: generic-modbus-people-counter, bus: tcp0, unitId: 2 }
crowd:
  zones:
    - { id: plaza, counter: gate/peopleInView, areaM2: 10 }
upstream: { url: 'mqtt://127.0.0.1:1' }
nodeRed: { enabled: true, port: ${String(port)} }
`,
    );
    const config = loadConfig(file, { catalogue });
    const gateway = new Gateway({ config, catalogue, clock, log: silentLog() });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    const base = gateway.status().nodeRed?.url ?? '';
    const secrets = JSON.parse(
      readFileSync(gateway.status().nodeRed?.secretsFile ?? '', 'utf8'),
    ) as EditorSecrets;
    const { access_token: access } = (await (
      await token(base, secrets.username, secrets.password)
    ).json()) as { access_token: string };

    const levels = join(dir, 'levels.txt');
    const counts = join(dir, 'counts.txt');
    const status = join(dir, 'status.txt');
    const out = (id: string, filename: string) => ({
      id,
      type: 'file',
      z: 't1',
      filename,
      filenameType: 'str',
      appendNewline: true,
      createDir: false,
      overwriteFile: 'false',
      encoding: 'none',
      wires: [],
    });
    const flow = [
      { id: 't1', type: 'tab', label: 'square' },
      { id: 'gw', type: 'edge-gateway', name: '' },
      {
        id: 'r1',
        type: 'edge-readings',
        z: 't1',
        gateway: 'gw',
        device: 'plaza',
        point: 'levelOf*',
        goodOnly: true,
        wires: [['f1']],
      },
      {
        id: 'r2',
        type: 'edge-readings',
        z: 't1',
        gateway: 'gw',
        device: 'gate',
        point: 'peopleInView',
        goodOnly: true,
        wires: [['f2']],
      },
      {
        id: 'i1',
        type: 'inject',
        z: 't1',
        once: true,
        onceDelay: 0.1,
        repeat: '',
        topic: '',
        payload: '',
        payloadType: 'date',
        wires: [['s1']],
      },
      { id: 's1', type: 'edge-status', z: 't1', gateway: 'gw', wires: [['f3']] },
      out('f1', levels),
      out('f2', counts),
      out('f3', status),
    ];
    const deployed = await fetch(`${base}flows`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${access}`,
        'content-type': 'application/json',
        'node-red-deployment-type': 'full',
      },
      body: JSON.stringify(flow),
    });
    expect(deployed.status).toBe(204);
    expect(gateway.status().nodeRed?.problems).toEqual([]);
    // The status answer arrives once the flow runs.
    await waitFor(() => lines(status).length > 0, 'the gateway status in the flow', 10_000);
    const answer = JSON.parse(lines(status)[0] ?? '{}') as { devices?: Record<string, unknown> };
    expect(Object.keys(answer.devices ?? {})).toEqual(['gate']);

    for (let s = 0; s < 10; s++) await clock.advance(1000);
    await waitFor(() => lines(levels).length >= 5, 'levels of service in the flow', 10_000);
    // Every count the counter gave reached the flow, and only the matching point did. The
    // store is read through a second, read-only connection (WAL allows it).
    const db = new Database(join(config.gateway.dataDir, 'store.db'), { readonly: true });
    const stored = (
      db
        .prepare(
          `SELECT r.value FROM readings r JOIN streams s ON s.id = r.stream
            WHERE s.device = 'gate' AND s.point = 'peopleInView' ORDER BY r.id`,
        )
        .all() as { value: number }[]
    ).map((r) => String(r.value));
    db.close();
    expect(stored.length).toBeGreaterThanOrEqual(8);
    await waitFor(() => lines(counts).length >= stored.length, 'every count in the flow', 10_000);
    expect(lines(counts).slice(0, stored.length)).toEqual(stored);
    // 14 to 20 people on 10 m²: levels E and F (5 and 6), nothing else from the zone.
    expect(lines(levels).every((l) => l === '5' || l === '6')).toBe(true);
  });
});
