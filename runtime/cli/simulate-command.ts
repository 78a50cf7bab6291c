import { SystemClock } from '../clock/system-clock.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import { CODECS } from '../devices/codecs.js';
import type { DeviceProfile } from '../devices/profile-schema.js';
import { simulatedDevice } from '../../scripts/simulators/device-models.js';
import { FaultInjector, parseFaultSpec, type FaultRule } from '../../scripts/simulators/faults.js';
import { FramedSerialSimulator } from '../../scripts/simulators/framed-serial-simulator.js';
import { ModbusRtuSimulator } from '../../scripts/simulators/modbus-rtu-simulator.js';
import { ModbusTcpSimulator, TCP_FAULTS } from '../../scripts/simulators/modbus-tcp-simulator.js';
import { PtyPair } from '../../scripts/simulators/pty-pair.js';
import type { ProfileRegisterDevice } from '../../scripts/simulators/register-device.js';
import { closestMatch } from '../shared/closest-match.js';
import { EXIT } from './exit-codes.js';
import { lineSettings, UsageError, type LinkOptions } from './link-options.js';

export interface SimulateOptions extends LinkOptions {
  tcpPort?: string;
  host: string;
  pty: boolean;
  deviceEnd?: string;
  fault: string[];
  wireTime: boolean;
  seed?: string;
}

interface Running {
  stop(): Promise<void>;
  stats(): string;
}

type Out = (line: string) => void;

function parseDevices(
  specs: readonly string[],
  catalogue: DeviceCatalogue,
): { profile: DeviceProfile; unitId?: number }[] {
  return specs.map((spec) => {
    const [id = '', unit] = spec.split('@');
    const profile = catalogue.get(id);
    if (!profile) {
      const guess = closestMatch(id, catalogue.ids());
      throw new UsageError(
        `no profile "${id}"${guess ? ` (did you mean "${guess}"?)` : ''}; profiles: ${catalogue.ids().join(', ')}`,
      );
    }
    if (profile.kind === 'gpio')
      throw new UsageError(
        `${id} is a GPIO line: use a gpio bus with simulate: true in the site config`,
      );
    if (unit === undefined) return { profile };
    const unitId = Number(unit);
    if (!(Number.isInteger(unitId) && unitId >= 1 && unitId <= 247))
      throw new UsageError(`${spec}: unit ids go from 1 to 247`);
    return { profile, unitId };
  });
}

/** `edge-gw simulate DEVICE...`: runs device simulators on their own, for a bench test or a
 * gateway on another machine. Modbus devices share one TCP endpoint or one RS-485 line; a
 * serial sensor gets a line of its own. */
export async function simulateCommand(
  specs: readonly string[],
  o: SimulateOptions,
  out: Out,
  err: Out,
): Promise<number> {
  const catalogue = DeviceCatalogue.load();
  const clock = new SystemClock({ evidence: 'trust-os' });
  let running: Running;
  try {
    const devices = parseDevices(specs, catalogue);
    const rules: FaultRule[] = o.fault.map(parseFaultSpec);
    const faults = new FaultInjector(o.seed === undefined ? 1 : Number(o.seed));
    for (const rule of rules) faults.add(rule);
    const framed = devices.filter((d) => d.profile.kind === 'framed');
    const serial = o.pty || Boolean(o.deviceEnd) || framed.length > 0;
    if (framed.length > 0 && devices.length > 1)
      throw new UsageError('a serial sensor has a line of its own: simulate it alone');
    if (serial) running = await simulateSerial(devices, o, faults, clock, out);
    else {
      const bad = rules.find((r) => !TCP_FAULTS.includes(r.kind));
      if (bad)
        throw new UsageError(
          `fault ${bad.kind} belongs to serial lines; on TCP: ${TCP_FAULTS.join(', ')}`,
        );
      running = await simulateTcp(devices, o, faults, clock, out);
    }
    if (rules.length > 0) out(`faults: ${o.fault.join(', ')}`);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`edge-gw simulate: ${e.message}`);
      return EXIT.usage;
    }
    err(`edge-gw simulate: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  }
  out('Ctrl-C stops.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  out(running.stats());
  await running.stop();
  return EXIT.ok;
}

function registerDevices(
  devices: { profile: DeviceProfile; unitId?: number }[],
  clock: SystemClock,
  seed: number,
): ProfileRegisterDevice[] {
  const made = devices.map((d, i) => {
    const sim = simulatedDevice(d.profile, clock, {
      ...(d.unitId !== undefined ? { unitId: d.unitId } : {}),
      seed: seed + i,
    });
    if (sim.kind !== 'modbus') throw new UsageError(`${d.profile.id} is not a Modbus device`);
    return sim.device;
  });
  const ids = made.map((d) => d.unitId);
  const clash = ids.find((id, i) => ids.indexOf(id) !== i);
  if (clash !== undefined)
    throw new UsageError(`two devices on unit ${clash}: give each its own, e.g. eastron-sdm630@2`);
  return made;
}

/** The slaves a Modbus simulator hosts, then the site-config lines that reach them. */
function slavesAndSnippet(
  out: Out,
  bus: string,
  devices: readonly { profile: DeviceProfile }[],
  slaves: readonly ProfileRegisterDevice[],
): void {
  devices.forEach((d, i) => out(`  unit ${slaves[i]?.unitId ?? '?'}  ${d.profile.id}`));
  snippet(
    out,
    bus,
    devices.map((d, i) => ({ profile: d.profile, unitId: slaves[i]?.unitId })),
  );
}

function snippet(
  out: Out,
  bus: string,
  devices: { profile: DeviceProfile; unitId: number | undefined }[],
): void {
  out('In a site config:');
  out('  buses:');
  out(`    - ${bus}`);
  out('  devices:');
  devices.forEach((d, i) =>
    out(
      `    - { id: ${d.profile.id.split('-').pop() ?? 'device'}-${i + 1}, profile: ${d.profile.id}, bus: sim${d.unitId !== undefined ? `, unitId: ${d.unitId}` : ''} }`,
    ),
  );
}

async function simulateTcp(
  devices: { profile: DeviceProfile; unitId?: number }[],
  o: SimulateOptions,
  faults: FaultInjector,
  clock: SystemClock,
  out: Out,
): Promise<Running> {
  const port = o.tcpPort === undefined ? 5020 : Number(o.tcpPort);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new UsageError(`--tcp-port ${o.tcpPort}: allowed 0 (any free port) to 65535`);
  const regs = registerDevices(devices, clock, Number(o.seed ?? 1));
  const server = new ModbusTcpSimulator({ host: o.host, port, devices: regs, faults });
  await server.start();
  out(`simulating on modbus-tcp ${o.host}:${server.port}:`);
  slavesAndSnippet(
    out,
    `{ id: sim, type: modbus-tcp, host: ${o.host}, port: ${server.port} }`,
    devices,
    regs,
  );
  return {
    stop: () => server.stop(),
    stats: () =>
      `${server.connections} connections, ${server.requests} requests; faults applied: ${JSON.stringify(faults.applied)}`,
  };
}

async function simulateSerial(
  devices: { profile: DeviceProfile; unitId?: number }[],
  o: SimulateOptions,
  faults: FaultInjector,
  clock: SystemClock,
  out: Out,
): Promise<Running> {
  const first = devices[0]?.profile;
  if (!first) throw new UsageError('name at least one device');
  if (first.kind === 'gpio') throw new UsageError(`${first.id} is a GPIO line`);
  const codec = first.kind === 'framed' ? CODECS.get(first.codec) : undefined;
  const line = lineSettings(o, first.defaults.baudRate ?? codec?.defaultBaudRate ?? 9600);
  const pair = o.deviceEnd ? undefined : await PtyPair.start();
  const path = o.deviceEnd ?? pair?.deviceEnd ?? '';
  const stopPair = async (): Promise<void> => pair?.dispose();
  const wireTime = o.wireTime;
  const parity = line.parity === 'none' ? 'N' : line.parity === 'even' ? 'E' : 'O';
  const where = pair
    ? `the gateway end of a pseudo-terminal pair, ${pair.gatewayEnd}`
    : `${path} (connect the gateway to the other end)`;
  if (first.kind === 'framed') {
    const sim = simulatedDevice(first, clock, { seed: Number(o.seed ?? 1) });
    if (sim.kind !== 'framed') throw new Error('not a framed device');
    const device = new FramedSerialSimulator({ path, line, model: sim.model, faults, wireTime });
    await device.start();
    out(`simulating ${first.id} at ${line.baudRate} 8${parity}${line.stopBits} on ${where}`);
    snippet(
      out,
      `{ id: sim, type: serial, path: ${pair?.gatewayEnd ?? '/dev/ttyUSB0'}, baudRate: ${line.baudRate} }`,
      [{ profile: first, unitId: undefined }],
    );
    return {
      stop: async () => (await device.stop(), await stopPair()),
      stats: () =>
        `${device.framesSent} frames sent; faults applied: ${JSON.stringify(faults.applied)}`,
    };
  }
  const regs = registerDevices(devices, clock, Number(o.seed ?? 1));
  const sim = new ModbusRtuSimulator({ path, line, devices: regs, faults, wireTime });
  await sim.start();
  out(
    `simulating an RS-485 line at ${line.baudRate} 8${parity}${line.stopBits}${wireTime ? ' with wire time' : ''} on ${where}:`,
  );
  slavesAndSnippet(
    out,
    `{ id: sim, type: modbus-rtu, path: ${pair?.gatewayEnd ?? '/dev/ttyUSB0'}, baudRate: ${line.baudRate} }`,
    devices,
    regs,
  );
  return {
    stop: async () => (await sim.stop(), await stopPair()),
    stats: () =>
      `RS-485 line: ${JSON.stringify(sim.stats)}; faults applied: ${JSON.stringify(faults.applied)}`,
  };
}
