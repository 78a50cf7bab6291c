/**
 * A crowd zone fed by a people counter over Modbus TCP: the counter's count takes the same path
 * as a thermal count (density, level of service, congestion), through a whole Gateway with a
 * real Modbus TCP server and a real store. Each window also becomes a CrowdFlowObserved record
 * in the outbox. No model worker is needed for it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { peopleCounterDevice } from '../../devices/generic-modbus-people-counter/simulator.js';
import type { CrowdFlowRecord } from '../../runtime/crowd/crowd-flow.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { T0, manualClock } from '../harness/gateway-fixtures.js';
import { tempDir } from '../harness/temp-dir.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a crowd zone counted by a Modbus people counter', () => {
  it('follows the counter into density, level of service and congestion', async () => {
    const catalogue = DeviceCatalogue.load();
    // Two minutes into the tide: the crowd is swelling from 14 towards 27 people.
    const start = T0 + 120_000;
    const clock = manualClock(start);
    const profile = catalogue.require('generic-modbus-people-counter', 'modbus');
    const counter = peopleCounterDevice(profile, clock, { unitId: 2, people: 40 });
    const tcp = new ModbusTcpSimulator({ port: 0, devices: [counter] });
    await tcp.start();
    cleanups.push(() => tcp.stop());
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
`,
    );
    const config = loadConfig(file, { catalogue });
    const gateway = new Gateway({ config, catalogue, clock, log: silentLog() });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    for (let s = 0; s < 62; s++) await clock.advance(1000);

    const store = gateway.store;
    const window = (device: string, point: string) => {
      const id = store.readings.streamId(device, point);
      const s = store.summaries.range(60_000, start, start + 60_000).find((x) => x.stream === id);
      if (!s) throw new Error(`no window of ${device}/${point}`);
      return s.stats;
    };
    const counted = window('gate', 'peopleInView');
    const people = window('plaza', 'peopleCount');
    expect(counted.n).toBeGreaterThan(50);
    // Every count the counter gave became the zone's count: the same readings, the same stats.
    expect([people.n, people.sum, people.min, people.max]).toEqual([
      counted.n,
      counted.sum,
      counted.min,
      counted.max,
    ]);
    expect(people.min).toBeLessThan(people.max);
    const density = window('plaza', 'density');
    expect(density.max).toBeCloseTo(people.max / 10, 4);
    // 14 to 27 people on 10 m² is 1.4 to 2.7 persons/m²: level E (≥ 1.08) rising to F (≥ 2.15).
    const los = window('plaza', 'levelOfService');
    expect([los.min, los.max]).toEqual([5, 6]);
    // The window travels upstream as one CrowdFlowObserved record too, made in the same commit.
    const flows = store.outbox
      .after(0, 100)
      .filter((row) => row.kind === 'crowd')
      .flatMap((row) => JSON.parse(row.body) as CrowdFlowRecord[]);
    expect(flows.find((f) => f.t0 === start)).toMatchObject({
      type: 'CrowdFlowObserved',
      id: 'plaza',
      w: 'PT1M',
      peopleCountMax: people.max,
      peopleCountAvg: Number((people.sum / people.n).toFixed(3)),
      densityMax: Number((people.max / 10).toFixed(3)),
      measuredArea: 10,
      levelOfService: 'F',
      congested: true,
      observations: people.n,
    });
    const [congestion] = store.events.ofKind('congestion');
    expect(congestion?.data).toMatchObject({ subject: 'plaza', state: 'raised' });
    expect(gateway.status().crowd).toMatchObject([
      { id: 'plaza', counter: 'gate/peopleInView', state: 'running', congested: true },
    ]);
  });
});
