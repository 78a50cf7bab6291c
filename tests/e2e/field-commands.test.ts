/**
 * The field engineer's commands as processes: `edge-gw simulate` stands in for the devices on a
 * pseudo-terminal RS-485 line or a TCP port, `edge-gw scan` and `edge-gw read` find and read
 * them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LongRunning, run, tsxArgs } from '../harness/processes.js';
import { waitFor } from '../harness/wait-for.js';

const CLI = 'runtime/cli/main.ts';
const edgeGw = (...args: string[]) => run(process.execPath, tsxArgs(CLI, args), 60_000);

let line: LongRunning;
let linePath = '';
let tcp: LongRunning;
let tcpPort = '';

beforeAll(async () => {
  line = new LongRunning(
    process.execPath,
    tsxArgs(CLI, [
      'simulate',
      'eastron-sdm120',
      'eastron-sdm630@2',
      'dfrobot-urm14',
      '--pty',
      '--baud',
      '9600',
    ]),
  );
  tcp = new LongRunning(
    process.execPath,
    tsxArgs(CLI, ['simulate', 'tuf-2000m@3', '--tcp-port', '0']),
  );
  await waitFor(
    () => /Ctrl-C stops/.test(line.stdout) && /Ctrl-C stops/.test(tcp.stdout),
    'both simulators ready',
    20_000,
  );
  linePath = /pseudo-terminal pair, (\S+):/.exec(line.stdout)?.[1] ?? '';
  tcpPort = /modbus-tcp 127\.0\.0\.1:(\d+)/.exec(tcp.stdout)?.[1] ?? '';
}, 30_000);

afterAll(() => {
  line.kill();
  tcp.kill();
});

describe('edge-gw simulate', () => {
  it('says where to connect and gives a site-config snippet', () => {
    expect(linePath).toMatch(/\/gateway$/);
    expect(line.stdout).toContain('simulating an RS-485 line at 9600 8N1 with wire time');
    expect(line.stdout).toMatch(/unit 2 {2}eastron-sdm630/);
    expect(line.stdout).toContain(
      `- { id: sim, type: modbus-rtu, path: ${linePath}, baudRate: 9600 }`,
    );
    expect(line.stdout).toContain(
      '- { id: urm14-3, profile: dfrobot-urm14, bus: sim, unitId: 12 }',
    );
    expect(tcpPort).toMatch(/^\d+$/);
  });

  it('refuses a fault that has no meaning on TCP, and an unknown profile, with exit 2', async () => {
    const crc = await edgeGw('simulate', 'eastron-sdm120', '--fault', 'bad-crc:0.1');
    expect(crc.code).toBe(2);
    expect(crc.stderr).toContain(
      'fault bad-crc belongs to serial lines; on TCP: silence, late, exception, garbage, truncated',
    );
    const typo = await edgeGw('simulate', 'eastron-sdm12');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no profile "eastron-sdm12" (did you mean "eastron-sdm120"?)');
  });
});

describe('edge-gw scan', () => {
  it('finds the three slaves on the line, and only them', async () => {
    const result = await edgeGw(
      'scan',
      '--serial',
      linePath,
      '--baud',
      '9600',
      '--to',
      '15',
      '--timeout',
      '100',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('unit 1: present (exception 2 (illegal data address))');
    expect(result.stdout).toContain('unit 2: present');
    // The URM14 answers its product id, 0x0002, in holding register 0.
    expect(result.stdout).toContain('unit 12: holding register 0 = 0x0002');
    expect(result.stdout).toContain('3 devices found');
    expect(result.stdout.match(/ {2}unit \d+:/g)).toHaveLength(3);
  });

  it('says what to check when nobody answers, exit 1; and exit 2 without a bus', async () => {
    const none = await edgeGw(
      'scan',
      '--tcp',
      `127.0.0.1:${tcpPort}`,
      '--from',
      '10',
      '--to',
      '12',
      '--timeout',
      '100',
    );
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(
      'no device answered: check wiring (A/B), baud rate, parity and termination',
    );
    const usage = await edgeGw('scan');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give exactly one of --tcp HOST:PORT and --serial PATH');
  });
});

describe('edge-gw read', () => {
  it('reads every point of an SDM630 on the line as a table with its raw registers', async () => {
    const result = await edgeGw(
      'read',
      'eastron-sdm630',
      '--serial',
      linePath,
      '--baud',
      '9600',
      '--unit',
      '2',
    );
    expect(result.code).toBe(0);
    const voltage = /voltageL1\s+([\d.]+)\s+V\s+input 0: ([0-9a-f]{8})/.exec(result.stdout);
    expect(Number(voltage?.[1])).toBeGreaterThan(220);
    expect(Number(voltage?.[1])).toBeLessThan(240);
    expect(Buffer.from(voltage?.[2] ?? '', 'hex').readFloatBE(0)).toBeCloseTo(
      Number(voltage?.[1]),
      3,
    );
    expect(result.stdout).toMatch(/importEnergy\s+[\d.]+\s+kWh\s+input 72/);
  });

  it('reads a TUF-2000M over TCP, its net total from an integer and a fraction', async () => {
    const result = await edgeGw(
      'read',
      'tuf-2000m',
      '--tcp',
      `127.0.0.1:${tcpPort}`,
      '--unit',
      '3',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /netVolume\s+48\d{3}\.\d+\s+m³\s+holding 24: [0-9a-f]{8} \+ [0-9a-f]{8}/,
    );
    expect(result.stdout).toMatch(/signalQuality\s+86\s/);
  });

  it('shows which reads got no answer, exit 1', async () => {
    const result = await edgeGw(
      'read',
      'dfrobot-urm14',
      '--serial',
      linePath,
      '--baud',
      '9600',
      '--unit',
      '40',
      '--timeout',
      '100',
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/distance\s+\(no answer in time\)/);
  });
});

describe('stopping a simulator', () => {
  it('prints what it served and exits 0 on Ctrl-C', async () => {
    const stopped = await line.stop('SIGINT', 10_000);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(
      /RS-485 line: \{"requests":\d+,"answers":\d+,"badCrcRequests":0,"gapViolations":0\}/,
    );
  });
});
