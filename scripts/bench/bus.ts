/**
 * `npm run bench:bus`: how close the bus scheduler comes to the wire.
 *
 * 1. A lamp-pole RS-485 line at 9600 baud (SDM120 + SDM630 + URM14), simulated with wire time in
 *    a child process (`edge-gw simulate --pty`). Every device is due continuously, so the line is
 *    never idle for lack of work. The wire-time limit is computed for exactly the transactions
 *    that completed, with the same functions the simulator uses to impose wire time;
 *    `utilisation` = their wire time ÷ the time they took.
 * 2. The same at other baud rates, for the chart.
 * 3. Requests per poll cycle of the same devices with and without merging adjacent registers.
 * 4. 50 simulated Modbus TCP meters (a child process) polled every 100 ms by a real Gateway
 *    (drivers, ingest, SQLite store): points per second and the gateway's CPU.
 *
 * Prints one JSON line and a short summary; writes docs/benchmarks/bus.{json,md,svg}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { ModbusBusScheduler } from '../../runtime/drivers/modbus/modbus-bus-scheduler.js';
import type { ModbusLink } from '../../runtime/drivers/modbus/modbus-link.js';
import { ModbusRtuLink } from '../../runtime/drivers/modbus/modbus-rtu-link.js';
import { polledDevice } from '../../runtime/drivers/modbus/polled-device.js';
import { planReads, unmergedReads } from '../../runtime/drivers/modbus/read-plan.js';
import {
  bitsPerChar,
  rtuReadTransactionMs,
  silentIntervalMs,
  type LineSettings,
} from '../../runtime/drivers/serial/line-timing.js';
import { Gateway } from '../../runtime/gateway/gateway.js';
import { silentLog } from '../../runtime/log/logger.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { barChartSvg } from './svg-chart.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    'sweep-seconds': { type: 'string', default: '8' },
    out: { type: 'string', default: join(packageRoot(), 'docs', 'benchmarks') },
  },
});
const SECONDS = Number(args.seconds);
const SWEEP_SECONDS = Number(args['sweep-seconds']);
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const catalogue = DeviceCatalogue.load();
const LAMP_POLE = [
  { id: 'lamp', profile: 'eastron-sdm120', unitId: 1 },
  { id: 'cabinet', profile: 'eastron-sdm630', unitId: 2 },
  { id: 'bay', profile: 'dfrobot-urm14', unitId: 12 },
];

/** Starts `edge-gw <args>` as a child and waits until a line of its stdout matches. */
async function child(
  args: string[],
  ready: RegExp,
): Promise<{ proc: ChildProcess; match: RegExpExecArray; stop: () => Promise<string> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: packageRoot(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) resolve(m);
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
  return {
    proc,
    match,
    stop: async () => {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGINT');
      await exited;
      return out;
    },
  };
}

/** A link that remembers each completed read's size and the span they took. */
class MeasuredLink implements ModbusLink {
  /** Off while the bus is being stopped: the read it cuts short is not a failure. */
  measuring = true;
  counts: number[] = [];
  failures = 0;
  first = 0;
  last = 0;
  constructor(private readonly inner: ModbusLink) {}
  get description(): string {
    return this.inner.description;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  get silentIntervalMs(): number {
    return this.inner.silentIntervalMs;
  }
  get lateReplyGuardMs(): number {
    return this.inner.lateReplyGuardMs;
  }
  get lastActivity(): number {
    return this.inner.lastActivity;
  }
  transactionTimeoutMs(count: number): number {
    return this.inner.transactionTimeoutMs(count);
  }
  minimumTimeoutMs(count: number): number {
    return this.inner.minimumTimeoutMs(count);
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  recover(): Promise<void> {
    return this.inner.recover();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  async read(...a: Parameters<ModbusLink['read']>): Promise<Buffer> {
    const t = performance.now();
    try {
      const bytes = await this.inner.read(...a);
      if (this.counts.length === 0) this.first = t;
      this.last = performance.now();
      this.counts.push(a[3]);
      return bytes;
    } catch (err) {
      if (this.measuring) this.failures++;
      throw err;
    }
  }
}

interface RtuResult {
  line: string;
  bitsPerChar: number;
  transactions: number;
  failed: number;
  transactions_per_s: number;
  wire_limit_transactions_per_s: number;
  utilisation: number;
  gap_violations: number;
}

async function measureRtu(baudRate: number, seconds: number): Promise<RtuResult> {
  const line: LineSettings = { baudRate, parity: 'none', stopBits: 1 };
  const sim = await child(
    [
      'runtime/cli/main.ts',
      'simulate',
      'eastron-sdm120',
      'eastron-sdm630@2',
      'dfrobot-urm14',
      '--pty',
      '--baud',
      String(baudRate),
    ],
    /pseudo-terminal pair, (\S+):/,
  );
  const link = new MeasuredLink(new ModbusRtuLink(sim.match[1] ?? '', line, 1000));
  const bus = new ModbusBusScheduler({
    busId: 'bench',
    link,
    clock: new SystemClock({ evidence: 'trust-os' }),
    log: silentLog(),
    sink: () => undefined,
    // Every device due every 100 ms: more than the line can carry, so it never waits for work.
    devices: LAMP_POLE.map((d) =>
      polledDevice(d.id, catalogue.require(d.profile, 'modbus'), { unitId: d.unitId, pollMs: 100 }),
    ),
  });
  await bus.start();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  link.measuring = false;
  await bus.stop();
  const simOut = await sim.stop();
  const wireMs = link.counts.reduce((sum, count) => sum + rtuReadTransactionMs(line, count), 0);
  // From the first request to the last answer, plus the silence owed after it (each
  // transaction's wire time counts its two silences).
  const elapsedMs = link.last - link.first + silentIntervalMs(line);
  const n = link.counts.length;
  const utilisation = wireMs / elapsedMs;
  return {
    line: `${baudRate} 8N1`,
    bitsPerChar: bitsPerChar(line),
    transactions: n,
    failed: link.failures,
    transactions_per_s: n / (elapsedMs / 1000),
    wire_limit_transactions_per_s: n / (wireMs / 1000),
    utilisation,
    gap_violations: Number(/"gapViolations":(\d+)/.exec(simOut)?.[1] ?? NaN),
  };
}

function merging(): {
  requests_per_cycle: { merged: number; unmerged: number };
  wire_ms_per_cycle_at_9600: { merged: number; unmerged: number };
  per_device: Record<string, { merged: number; unmerged: number }>;
} {
  const line: LineSettings = { baudRate: 9600, parity: 'none', stopBits: 1 };
  const per: Record<string, { merged: number; unmerged: number }> = {};
  let mergedMs = 0;
  let unmergedMs = 0;
  for (const d of LAMP_POLE) {
    const profile = catalogue.require(d.profile, 'modbus');
    const merged = planReads(profile.points, profile.readPlan);
    const unmerged = unmergedReads(profile.points);
    per[d.profile] = { merged: merged.length, unmerged: unmerged.length };
    mergedMs += merged.reduce((s, r) => s + rtuReadTransactionMs(line, r.count), 0);
    unmergedMs += unmerged.reduce((s, r) => s + rtuReadTransactionMs(line, r.count), 0);
  }
  const total = (k: 'merged' | 'unmerged'): number =>
    Object.values(per).reduce((s, v) => s + v[k], 0);
  return {
    requests_per_cycle: { merged: total('merged'), unmerged: total('unmerged') },
    wire_ms_per_cycle_at_9600: {
      merged: Math.round(mergedMs * 10) / 10,
      unmerged: Math.round(unmergedMs * 10) / 10,
    },
    per_device: per,
  };
}

async function measureTcpFleet(
  count: number,
  seconds: number,
): Promise<{
  devices: number;
  poll_ms: number;
  points_per_s: number;
  cpu_percent: number;
  rss_mb: number;
  failed_polls: number;
}> {
  const fleet = await child(
    ['scripts/bench/tcp-fleet.ts', String(count)],
    /(\{"ports":\[[\d,]+\]\})\n/,
  );
  const ports = (JSON.parse(fleet.match[1] ?? '{}') as { ports: number[] }).ports;
  const dir = mkdtempSync(join(tmpdir(), 'edge-gw-bench-'));
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'gateway: { id: bench, dataDir: ./data }',
      'clock: { sync: trust-os }',
      'buses:',
      ...ports.map((p, i) => `  - { id: tcp${i}, type: modbus-tcp, host: 127.0.0.1, port: ${p} }`),
      'devices:',
      ...ports.map(
        (_, i) => `  - { id: meter${i}, profile: eastron-sdm120, bus: tcp${i}, pollMs: 100 }`,
      ),
      "upstream: { url: 'mqtt://127.0.0.1:1' }",
      '',
    ].join('\n'),
  );
  const gateway = new Gateway({
    config: loadConfig(file, { catalogue }),
    catalogue,
    clock: new SystemClock({ evidence: 'trust-os' }),
    log: silentLog(),
  });
  await gateway.start();
  // Let connections settle, then measure a steady window.
  await new Promise((r) => setTimeout(r, 2000));
  const before = {
    readings: gateway.ingest.stats().committed + gateway.ingest.stats().buffered,
    cpu: process.cpuUsage(),
    t: performance.now(),
  };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(before.cpu);
  const wall = performance.now() - before.t;
  const after = gateway.ingest.stats().committed + gateway.ingest.stats().buffered;
  const health = Object.values(gateway.status().devices);
  const rss = process.memoryUsage().rss;
  await gateway.stop();
  await fleet.stop();
  return {
    devices: count,
    poll_ms: 100,
    points_per_s: Math.round(((after - before.readings) / wall) * 1000),
    cpu_percent: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
    rss_mb: Math.round(rss / 1e6),
    failed_polls: health.reduce((s, h) => s + h.timeouts + h.linkErrors, 0),
  };
}

say(`bench:bus — lamp-pole RS-485 line at 9600 baud for ${SECONDS} s…`);
const rtu = await measureRtu(9600, SECONDS);
say(`  ${rtu.transactions} transactions, utilisation ${rtu.utilisation.toFixed(3)}`);
const sweep: (RtuResult & { baud: number })[] = [];
for (const baud of [2400, 19200, 38400]) {
  say(`bench:bus — the same line at ${baud} baud for ${SWEEP_SECONDS} s…`);
  const r = await measureRtu(baud, SWEEP_SECONDS);
  sweep.push({ baud, ...r });
  say(`  utilisation ${r.utilisation.toFixed(3)}`);
}
sweep.splice(1, 0, { baud: 9600, ...rtu });
const merge = merging();
say(`bench:bus — 50 Modbus TCP meters every 100 ms through a Gateway for ${SECONDS} s…`);
const tcpFleet = await measureTcpFleet(50, SECONDS);

const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;
const result = {
  bench: 'bus',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  lamp_pole_rtu: {
    line: rtu.line,
    devices: LAMP_POLE.map((d) => `${d.profile}@${d.unitId}`),
    seconds: SECONDS,
    transactions: rtu.transactions,
    failed: rtu.failed,
    transactions_per_s: round(rtu.transactions_per_s, 2),
    wire_limit_transactions_per_s: round(rtu.wire_limit_transactions_per_s, 2),
    utilisation: round(rtu.utilisation),
    gap_violations: rtu.gap_violations,
    bits_per_char: rtu.bitsPerChar,
  },
  baud_sweep: sweep.map((s) => ({
    baud: s.baud,
    transactions_per_s: round(s.transactions_per_s, 2),
    wire_limit_transactions_per_s: round(s.wire_limit_transactions_per_s, 2),
    utilisation: round(s.utilisation),
    failed: s.failed,
    gap_violations: s.gap_violations,
  })),
  merging: merge,
  tcp_fleet: tcpFleet,
};

const out = args.out;
writeFileSync(join(out, 'bus.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(out, 'bus.svg'),
  barChartSvg({
    title: 'Lamp-pole RS-485 line: achieved vs wire-time limit',
    yLabel: 'transactions per second',
    labels: result.baud_sweep.map((s) => `${s.baud} baud`),
    series: [
      {
        name: 'achieved',
        color: '#2b6cb0',
        values: result.baud_sweep.map((s) => s.transactions_per_s),
      },
      {
        name: 'wire-time limit',
        color: '#a0aec0',
        values: result.baud_sweep.map((s) => s.wire_limit_transactions_per_s),
      },
    ],
    notes: result.baud_sweep.map((s) => `${Math.round(s.utilisation * 100)} %`),
  }),
);
const r = result.lamp_pole_rtu;
writeFileSync(
  join(out, 'bus.md'),
  `# Bus benchmark

\`npm run bench:bus\`, ${result.date.slice(0, 10)}, ${result.machine.cpus} × ${result.machine.model}, Node ${result.machine.node}. Raw figures: [bus.json](bus.json).

## Lamp-pole RS-485 line

SDM120 (unit 1), SDM630 (unit 2) and URM14 (unit 12) on one line at ${r.line}, simulated in a
separate process on a socat pseudo-terminal pair that imposes wire time (${r.bits_per_char} bits
per character, request, 3.5-character silence, answer, silence). Every device due every 100 ms,
more than the line carries, for ${r.seconds} s. The wire-time limit is computed for exactly the
transactions that completed, with the functions the simulator uses to impose wire time.

| | |
|---|---|
| transactions completed | ${r.transactions} (${r.failed} failed) |
| achieved | ${r.transactions_per_s} transactions/s |
| wire-time limit for the same reads | ${r.wire_limit_transactions_per_s} transactions/s |
| **utilisation** | **${r.utilisation}** (target ≥ 0.9) |
| frames sent before the line had been silent 3.5 characters | ${r.gap_violations} |

![achieved vs limit](bus.svg)

| baud | achieved tx/s | limit tx/s | utilisation |
|---|---|---|---|
${result.baud_sweep.map((s) => `| ${s.baud} | ${s.transactions_per_s} | ${s.wire_limit_transactions_per_s} | ${s.utilisation} |`).join('\n')}

At higher baud rates each transaction is shorter, so the fixed costs per transaction (the
pseudo-terminal, the event loop, timer granularity) weigh more.

## Merging adjacent registers

| device | requests per cycle, merged | one request per point |
|---|---|---|
${Object.entries(merge.per_device)
  .map(([d, v]) => `| ${d} | ${v.merged} | ${v.unmerged} |`)
  .join('\n')}
| **lamp pole** | **${merge.requests_per_cycle.merged}** | **${merge.requests_per_cycle.unmerged}** |

Wire time per full cycle at 9600 baud: ${merge.wire_ms_per_cycle_at_9600.merged} ms merged,
${merge.wire_ms_per_cycle_at_9600.unmerged} ms unmerged.

## 50 Modbus TCP meters

${tcpFleet.devices} SDM120 simulators (a separate process, one TCP endpoint each) polled every
${tcpFleet.poll_ms} ms by a real Gateway (drivers, ingest with one-minute windows, SQLite store):
**${tcpFleet.points_per_s} points/s** at **${tcpFleet.cpu_percent} % of one core** (the gateway
process, ${tcpFleet.rss_mb} MB RSS), ${tcpFleet.failed_polls} failed polls.
`,
);
console.log(JSON.stringify(result));
say(
  `utilisation ${r.utilisation} (${r.transactions_per_s} of ${r.wire_limit_transactions_per_s} tx/s at ${r.line}); requests per cycle ${merge.requests_per_cycle.merged} merged vs ${merge.requests_per_cycle.unmerged}; 50 TCP meters: ${tcpFleet.points_per_s} points/s at ${tcpFleet.cpu_percent} % CPU. Report: ${join(out, 'bus.md')}`,
);
