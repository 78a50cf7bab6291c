/**
 * `npm run bench:footprint [-- --seconds 15]`: the gateway's memory and CPU, as `edge-gw run`
 * runs it (the built CLI, one process), on the demo's lamp pole:
 *
 * - idle: the simulated SDM120 polled every second, nothing else;
 * - demo load: the same, plus the simulated thermal array counted by the crowd CNN every second
 *   and the lamp circuit's learned detector (both model families, wasm);
 *
 * each without and with the embedded Node-RED. RSS is read from /proc (VmRSS), CPU from the
 * process's own user + system time over the sampling window. Targets: `rss_idle_mb` (idle,
 * no Node-RED, no models) ≤ 80 MB; `rss_full_mb` (demo load with Node-RED) ≤ 250 MB.
 *
 * Prints one JSON line and a short summary; writes docs/benchmarks/footprint.{json,md,svg}.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { gyMcu90640Model } from '../../devices/gy-mcu90640/simulator.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { writeDemoSite } from '../demo/demo-site.js';
import { EmbeddedBroker } from '../demo/embedded-broker.js';
import { freePort } from '../lib/free-port.js';
import { FramedSerialSimulator } from '../simulators/framed-serial-simulator.js';
import { ModbusTcpSimulator } from '../simulators/modbus-tcp-simulator.js';
import { PtyPair } from '../simulators/pty-pair.js';
import { barChartSvg } from './svg-chart.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    out: { type: 'string', default: join(packageRoot(), 'docs', 'benchmarks') },
  },
});
const seconds = Number(args.seconds);
if (!Number.isFinite(seconds) || seconds < 3) {
  process.stderr.write(`bench:footprint: --seconds must be at least 3 (got "${args.seconds}")\n`);
  process.exit(2);
}
/** V8 shrinks the heap left by start-up (its memory reducer) about 15 s after a gateway starts;
 * idle is what comes after. The start-up peak is sampled and reported on its own. */
const WARMUP_MS = 30_000;
const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

interface Scenario {
  name: string;
  load: boolean;
  nodeRed: boolean;
}
const SCENARIOS: Scenario[] = [
  { name: 'idle', load: false, nodeRed: false },
  { name: 'idle + Node-RED', load: false, nodeRed: true },
  { name: 'demo load', load: true, nodeRed: false },
  { name: 'demo load + Node-RED', load: true, nodeRed: true },
];

interface Measured {
  scenario: string;
  rss_mb_median: number;
  rss_mb_max: number;
  /** The highest RSS during the warm-up (start-up, before V8's first heap reduction). */
  rss_mb_startup_max: number;
  cpu_percent: number;
  started_ms: number;
}

/** VmRSS in MB and user + system CPU seconds of a live process, from /proc. */
function sample(pid: number): { rssMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  // Fields after the command name (which may hold spaces) start at state; utime and stime are
  // the 14th and 15th fields of the whole line.
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { rssMb: rssKb / 1024, cpuS: ticks / TICKS_PER_S };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(s: Scenario, index: number): Promise<Measured> {
  const catalogue = DeviceCatalogue.load();
  const profile = catalogue.require('eastron-sdm120', 'modbus');
  const clock = new SystemClock({ evidence: 'trust-os' });
  const meter = new ModbusTcpSimulator({ port: 0, devices: [sdm120Device(profile, clock)] });
  await meter.start();
  const broker = new EmbeddedBroker('127.0.0.1', await freePort());
  await broker.start();
  const pty = s.load ? await PtyPair.start() : undefined;
  const thermal = pty
    ? new FramedSerialSimulator({
        path: pty.deviceEnd,
        line: { baudRate: 115200, parity: 'none', stopBits: 1 },
        model: gyMcu90640Model({ people: 14, seed: 9 }),
      })
    : undefined;
  await thermal?.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-gw-footprint-'));
  const site = writeDemoSite({
    dataDir,
    simulatorPort: meter.port,
    upstreamUrl: broker.url,
    protocol: '3.1.1',
    window: 'PT1M',
    pollMs: 1000,
    ...(pty ? { thermalPath: pty.gatewayEnd } : {}),
    ...(s.load ? { modelBundle: join(packageRoot(), 'models', 'lamp-circuit-ae', 'bundle') } : {}),
    ...(s.nodeRed ? { nodeRedPort: await freePort() } : {}),
  });
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [join(packageRoot(), 'bin', 'edge-gw.js'), 'run', '--config', site],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (out.includes('"gateway started"')) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      proc.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`edge-gw run exited with ${String(code)}:\n${out}`));
      });
    });
    const startedMs = performance.now() - t0;
    const pid = proc.pid ?? 0;
    let startupMax = 0;
    for (const warmUntil = performance.now() + WARMUP_MS; performance.now() < warmUntil;) {
      startupMax = Math.max(startupMax, sample(pid).rssMb);
      process.stderr.write(
        `\r${String(index + 1)}/${String(SCENARIOS.length)} ${s.name}: warming up, ${Math.round((warmUntil - performance.now()) / 1000)} s left   `,
      );
      await sleep(500);
    }
    const first = sample(pid);
    const rss: number[] = [first.rssMb];
    const until = performance.now() + seconds * 1000;
    const tStart = performance.now();
    let last = first;
    while (performance.now() < until) {
      await sleep(500);
      last = sample(pid);
      rss.push(last.rssMb);
      process.stderr.write(
        `\r${String(index + 1)}/${String(SCENARIOS.length)} ${s.name}: ${Math.round((until - performance.now()) / 1000)} s left, RSS ${last.rssMb.toFixed(0)} MB   `,
      );
    }
    const cpu = ((last.cpuS - first.cpuS) / ((performance.now() - tStart) / 1000)) * 100;
    rss.sort((a, b) => a - b);
    return {
      scenario: s.name,
      rss_mb_median: Number((rss[Math.floor(rss.length / 2)] ?? 0).toFixed(1)),
      rss_mb_max: Number((rss.at(-1) ?? 0).toFixed(1)),
      rss_mb_startup_max: Number(startupMax.toFixed(1)),
      cpu_percent: Number(cpu.toFixed(1)),
      started_ms: Math.round(startedMs),
    };
  } finally {
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await exited;
    await thermal?.stop();
    await pty?.dispose();
    await broker.stop();
    await meter.stop();
  }
}

// The bench measures what is installed: the compiled CLI, built from the sources now.
const built = spawnSync('npm', ['run', '--silent', 'build'], {
  cwd: packageRoot(),
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(1);
const results: Measured[] = [];
for (const [i, s] of SCENARIOS.entries()) results.push(await measure(s, i));
process.stderr.write('\n');

const by = (name: string): Measured | undefined => results.find((r) => r.scenario === name);
const figures = {
  bench: 'footprint',
  node: process.version,
  seconds,
  rss_idle_mb: by('idle')?.rss_mb_median ?? null,
  rss_full_mb: by('demo load + Node-RED')?.rss_mb_median ?? null,
  targets: { rss_idle_mb: 80, rss_full_mb: 250 },
  scenarios: results,
};
writeFileSync(join(args.out, 'footprint.json'), `${JSON.stringify(figures, null, 2)}\n`);
writeFileSync(
  join(args.out, 'footprint.svg'),
  barChartSvg({
    title: 'edge-gw run: resident memory (median)',
    yLabel: 'MB',
    labels: results.map((r) => r.scenario),
    series: [{ name: 'RSS, MB', color: '#4e79a7', values: results.map((r) => r.rss_mb_median) }],
    notes: results.map((r) => `${r.cpu_percent.toFixed(1)} % CPU`),
  }),
);
const ok = (v: number | null, max: number): string =>
  v !== null && v <= max ? 'met' : '**not met**';
writeFileSync(
  join(args.out, 'footprint.md'),
  `# Footprint of the gateway

\`npm run bench:footprint -- --seconds ${String(seconds)}\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. Raw figures: [footprint.json](footprint.json).

\`edge-gw run\` (the built CLI, one process) on the demo's lamp pole, sampled every 0.5 s for ${String(seconds)} s after
${String(WARMUP_MS / 1000)} s of warm-up. Idle: the simulated SDM120 polled every second. Demo load: plus the simulated
thermal array (one frame a second, counted by the crowd CNN in the model worker) and the lamp
circuit's learned detector: both model families on wasm. The warm-up is long because V8 keeps
the heap that start-up grew (config, catalogue, schemas) until its memory reducer runs, about
15 s after start; its peak is the start-up column. Of an idle gateway's RSS, about 40 MB are the
Node.js binary's own pages (shared, file-backed), the same for any Node.js program.

![RSS per scenario](footprint.svg)

| scenario | RSS median | RSS max | start-up peak | CPU | started in |
|---|---|---|---|---|---|
${results.map((r) => `| ${r.scenario} | ${String(r.rss_mb_median)} MB | ${String(r.rss_mb_max)} MB | ${String(r.rss_mb_startup_max)} MB | ${String(r.cpu_percent)} % | ${String(r.started_ms)} ms |`).join('\n')}

| target | value | |
|---|---|---|
| \`rss_idle_mb\` ≤ 80 (idle, no Node-RED, no models) | ${String(figures.rss_idle_mb)} | ${ok(figures.rss_idle_mb, 80)} |
| \`rss_full_mb\` ≤ 250 (demo load, Node-RED, both model families) | ${String(figures.rss_full_mb)} | ${ok(figures.rss_full_mb, 250)} |
`,
);
console.log(
  `footprint: idle ${String(figures.rss_idle_mb)} MB (target 80), demo load with Node-RED ${String(figures.rss_full_mb)} MB (target 250); ${results.map((r) => `${r.scenario} ${String(r.rss_mb_median)} MB ${String(r.cpu_percent)} % CPU`).join(', ')}`,
);
console.log(JSON.stringify(figures));
