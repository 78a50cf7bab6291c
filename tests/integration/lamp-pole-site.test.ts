/**
 * A whole lamp pole through the Gateway, every kind of bus at once: an RS-485 line with the
 * lamp meter, the cabinet meter and a bay sensor; a PMS5003 on its own UART; a meter behind a
 * Modbus TCP gateway; the lamp relay and the cabinet door on GPIO. One minute of manual time,
 * then the summaries in the outbox must hold every device's points.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { CODECS } from '../../runtime/devices/codecs.js';
import { SimulatedGpio } from '../../runtime/drivers/gpio/simulated-gpio.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import type { SummaryRecord } from '../../runtime/windows/summary-records.js';
import { silentLog } from '../../runtime/log/logger.js';
import { simulatedDevice } from '../../scripts/simulators/device-models.js';
import { FramedSerialSimulator } from '../../scripts/simulators/framed-serial-simulator.js';
import { ModbusTcpSimulator } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { PtyPair } from '../../scripts/simulators/pty-pair.js';
import { T0, manualClock } from '../harness/gateway-fixtures.js';
import { startRtuLine } from '../harness/rtu-line.js';
import { tempDir } from '../harness/temp-dir.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a lamp pole with every kind of bus', () => {
  it('polls every device and summarises every point in the first window', async () => {
    const catalogue = DeviceCatalogue.load();
    const clock = manualClock(T0);
    const rs485 = await startRtuLine(catalogue, clock, [
      { profile: 'eastron-sdm120', unitId: 1 },
      { profile: 'eastron-sdm630', unitId: 2 },
      { profile: 'dfrobot-urm14', unitId: 12 },
    ]);
    cleanups.push(() => rs485.stop());
    const uart = await PtyPair.start();
    cleanups.push(() => uart.dispose());
    const pms = simulatedDevice(catalogue.require('plantower-pms5003', 'framed'), clock);
    if (pms.kind !== 'framed') throw new Error('PMS5003 simulator missing');
    const pmsSim = new FramedSerialSimulator({
      path: uart.deviceEnd,
      line: {
        baudRate: CODECS.get('plantower-pms5003')?.defaultBaudRate ?? 9600,
        parity: 'none',
        stopBits: 1,
      },
      model: pms.model,
      wallMs: () => clock.wallMs(),
    });
    await pmsSim.start();
    cleanups.push(() => pmsSim.stop());
    const tuf = simulatedDevice(catalogue.require('tuf-2000m', 'modbus'), clock, { unitId: 3 });
    if (tuf.kind !== 'modbus') throw new Error('TUF simulator missing');
    const tcp = new ModbusTcpSimulator({ port: 0, devices: [tuf.device] });
    await tcp.start();
    cleanups.push(() => tcp.stop());

    const dir = tempDir();
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `version: 1
gateway: { id: lp-full, dataDir: ./data }
clock: { sync: trust-os }
buses:
  - { id: rs485, type: modbus-rtu, path: ${rs485.pair.gatewayEnd}, baudRate: 9600, timeoutMs: 300 }
  - { id: pm, type: serial, path: ${uart.gatewayEnd}, baudRate: 9600, timeoutMs: 300 }
  - { id: tcp0, type: modbus-tcp, host: 127.0.0.1, port: ${tcp.port}, timeoutMs: 300 }
  - { id: io, type: gpio, simulate: true }
devices:
  - { id: lamp, profile: eastron-sdm120, bus: rs485, unitId: 1 }
  - { id: cabinet, profile: eastron-sdm630, bus: rs485, unitId: 2 }
  - { id: bay, profile: dfrobot-urm14, bus: rs485 }
  - { id: air, profile: plantower-pms5003, bus: pm }
  - { id: main, profile: tuf-2000m, bus: tcp0, unitId: 3 }
  - { id: relay, profile: generic-gpio-relay, bus: io, pin: 17 }
  - { id: door, profile: generic-gpio-door-switch, bus: io, pin: 27 }
upstream: { url: 'mqtt://127.0.0.1:1' }
`,
    );
    const config = loadConfig(file, { catalogue });
    const gpio = new SimulatedGpio();
    const gateway = new Gateway({ config, catalogue, clock, log: silentLog(), gpio });
    await gateway.start();
    cleanups.push(() => gateway.stop());
    for (let s = 0; s < 62; s++) await clock.advance(1000);
    const records = gateway.store.outbox
      .after(0, 10)
      .flatMap((row) => JSON.parse(row.body) as SummaryRecord[]);
    const points = new Set(
      records.filter((r) => r.t0 === T0 && r.n > 0).map((r) => `${r.dev}/${r.m}`),
    );
    for (const device of config.devices) {
      const profile = catalogue.get(device.profile);
      for (const point of profile?.points ?? [])
        expect(points, `${device.id}/${point.name}`).toContain(`${device.id}/${point.name}`);
    }
    expect(
      Object.fromEntries(Object.entries(gateway.status().devices).map(([id, h]) => [id, h.state])),
    ).toEqual({
      lamp: 'online',
      cabinet: 'online',
      bay: 'online',
      air: 'online',
      main: 'online',
      relay: 'online',
      door: 'online',
    });
    // Units travel with every record.
    expect(records.find((r) => r.dev === 'main' && r.m === 'flowRate')?.u).toBe('MQH');
    expect(records.find((r) => r.dev === 'air' && r.m === 'pm25')?.u).toBe('GQ');
    expect(rs485.sim.stats.gapViolations).toBe(0);
  });
});
