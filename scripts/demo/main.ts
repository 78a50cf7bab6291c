/**
 * `npm start`: a whole lamp-pole site on this machine. An Eastron SDM120 simulator speaks Modbus
 * TCP on loopback, the gateway polls it, stores readings, closes UTC-aligned windows and sends
 * summaries upstream: to an embedded broker, or to `--upstream URL`. A subscriber prints what
 * arrives. Ctrl-C stops everything.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { sdm120Device } from '../../devices/eastron-sdm120/simulator.js';
import { gyMcu90640Model } from '../../devices/gy-mcu90640/simulator.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { loadConfig } from '../../runtime/config/load-config.js';
import { DeviceCatalogue } from '../../runtime/devices/catalogue.js';
import { Gateway, STORE_FILE } from '../../runtime/gateway/gateway.js';
import { createRootLog } from '../../runtime/log/logger.js';
import { parseIsoDuration, tilesADay } from '../../runtime/shared/iso-duration.js';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { freePort } from '../lib/free-port.js';
import { FramedSerialSimulator } from '../simulators/framed-serial-simulator.js';
import { ModbusTcpSimulator } from '../simulators/modbus-tcp-simulator.js';
import { stopSignal } from '../../runtime/lifecycle/stop-signals.js';
import { PtyPair } from '../simulators/pty-pair.js';
import { writeDemoSite } from './demo-site.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { UpstreamPrinter } from './upstream-printer.js';

const HELP = `Usage: npm start -- [options]

Runs a demo lamp-pole site on this machine: a simulated Eastron SDM120 meter on Modbus TCP,
the gateway, an embedded MQTT broker standing in for upstream, and a subscriber that prints
what arrives upstream.

Options:
  --upstream URL      send to this broker instead of the embedded one (e.g. mqtt://127.0.0.1:1883)
  --protocol 5|3.1.1  MQTT version for --upstream (default 5; the embedded broker speaks 3.1.1)
  --window LENGTH     summary window, ISO-8601 (default PT1M; PT10S shows results sooner)
  --poll-ms N         how often the meter is read, ms (default 1000)
  --data-dir DIR      where the site config, store and log go (default .demo)
  --node-red-port N   the Node-RED editor's port (default 1880; off: no Node-RED)
  --status-port N     the status page's port (default 8080; 0: any free port; off: none)
  -h, --help          show this help
`;

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n\n${HELP}`);
  process.exit(2);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        upstream: { type: 'string' },
        protocol: { type: 'string', default: '5' },
        window: { type: 'string', default: 'PT1M' },
        'poll-ms': { type: 'string', default: '1000' },
        'data-dir': { type: 'string', default: '.demo' },
        'node-red-port': { type: 'string', default: '1880' },
        'status-port': { type: 'string', default: '8080' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const windowMs = parseIsoDuration(args.window);
if (windowMs === undefined || !tilesADay(windowMs))
  fail(`--window ${args.window} is not a duration that divides a day (PT10S, PT1M, PT5M...)`);
const pollMs = Number(args['poll-ms']);
if (!Number.isInteger(pollMs) || pollMs < 100)
  fail(`--poll-ms ${args['poll-ms']} is not a whole number of at least 100`);
const nodeRedPort = args['node-red-port'] === 'off' ? undefined : Number(args['node-red-port']);
if (
  nodeRedPort !== undefined &&
  !(Number.isInteger(nodeRedPort) && nodeRedPort >= 1 && nodeRedPort <= 65535)
)
  fail(`--node-red-port ${args['node-red-port']} is not a port (1 to 65535) or off`);
const statusPort = args['status-port'] === 'off' ? undefined : Number(args['status-port']);
if (
  statusPort !== undefined &&
  !(Number.isInteger(statusPort) && statusPort >= 0 && statusPort <= 65535)
)
  fail(`--status-port ${args['status-port']} is not a port (0 to 65535) or off`);
if (args.protocol !== '5' && args.protocol !== '3.1.1')
  fail(`--protocol ${args.protocol} is not 5 or 3.1.1`);

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const dataDir = resolve(args['data-dir']);
mkdirSync(dataDir, { recursive: true });
const shown = (p: string): string => relative(process.cwd(), p) || '.';

const clock = new SystemClock({ evidence: 'trust-os' });
const catalogue = DeviceCatalogue.load();
const profile = catalogue.get('eastron-sdm120');
if (profile?.kind !== 'modbus') fail('the eastron-sdm120 profile is missing from devices/');

const simulator = new ModbusTcpSimulator({ port: 0, devices: [sdm120Device(profile, clock)] });
await simulator.start();
const broker = args.upstream ? undefined : new EmbeddedBroker('127.0.0.1', await freePort());
await broker?.start();
const upstreamUrl = args.upstream ?? broker?.url ?? '';
const protocol = broker ? '3.1.1' : args.protocol;

// A thermal array for the crowd zone, on a pseudo-terminal pair made by socat, when there is
// socat (a fresh machine may not have it: the demo runs without the zone then, and says so).
const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
const pty = hasSocat ? await PtyPair.start() : undefined;
const thermal = pty
  ? new FramedSerialSimulator({
      path: pty.deviceEnd,
      line: { baudRate: 115200, parity: 'none', stopBits: 1 },
      model: gyMcu90640Model({ people: 14, seed: 9 }),
    })
  : undefined;
await thermal?.start();

const siteFile = writeDemoSite({
  dataDir,
  simulatorPort: simulator.port,
  upstreamUrl,
  protocol,
  window: args.window,
  pollMs,
  ...(pty ? { thermalPath: pty.gatewayEnd } : {}),
  ...(nodeRedPort ? { nodeRedPort } : {}),
  ...(statusPort !== undefined ? { statusPort } : {}),
  ...(args.window === 'PT1M'
    ? { modelBundle: join(packageRoot(), 'models', 'lamp-circuit-ae', 'bundle') }
    : {}),
});
const config = loadConfig(siteFile, { catalogue });
const logFile = join(dataDir, 'gateway.log');
// Everything goes to the log file; warnings and errors also to the terminal.
const log = createRootLog({
  level: 'info',
  destination: pino.multistream([
    { level: 'info', stream: pino.destination({ dest: logFile, append: true, sync: true }) },
    {
      level: 'warn',
      stream: prettyStream({ sync: true, colorize: process.stdout.isTTY, ignore: 'pid,hostname' }),
    },
  ]),
});
const gateway = new Gateway({ config, catalogue, clock, log });
const printer = new UpstreamPrinter(
  upstreamUrl,
  config.upstream.prefix,
  protocol === '5' ? 5 : 4,
  say,
);
await printer.start();
await gateway.start();

const now = clock.wallMs();
const firstClose = Math.floor(now / windowMs) * windowMs + windowMs;
const closeDelayMs = Math.max(2_000, 2 * config.store.commitIntervalMs);
const firstAt = new Date(firstClose + closeDelayMs).toISOString().slice(11, 19);
say('');
say('edge-gw demo: a lamp pole on this machine');
say(
  `  meter      simulated Eastron SDM120, Modbus TCP on 127.0.0.1:${simulator.port}, unit 1, read every ${pollMs} ms`,
);
say(
  `  gateway    ${config.gateway.id}: config ${shown(siteFile)}, store ${shown(join(dataDir, STORE_FILE))} (epoch ${gateway.store.epoch}), log ${shown(logFile)}`,
);
say(
  `  upstream   ${upstreamUrl} (${broker ? 'embedded broker, MQTT 3.1.1' : `MQTT ${protocol}`}), topics ${config.upstream.prefix}/${config.gateway.id}/...`,
);
say(
  `  windows    ${args.window}, UTC-aligned; the first closes at ${new Date(firstClose).toISOString().slice(11, 19)}Z and arrives about ${firstAt}Z (${Math.ceil((firstClose + closeDelayMs - now) / 1000)} s)`,
);
const models = gateway.status().models;
for (const m of models?.models ?? [])
  say(
    m.state === 'running'
      ? `  model      ${m.name} ${m.version ?? ''} (learned detector, ${models?.backend ?? '?'} backend in a worker thread): ${(m.features ?? []).join(', ')}`
      : `  model      ${m.name} REFUSED: ${m.reason ?? ''}`,
  );
say(
  pty
    ? '  crowd      zone "pavement", 10 m² under a simulated GY-MCU90640 thermal array (serial on a pty): people counted on the box, frames never leave it; the crowd swells and ebbs every 10 min'
    : '  crowd      (no socat on this machine: apt-get install socat adds a simulated thermal array and its crowd zone)',
);
const nodeRed = gateway.status().nodeRed;
if (nodeRed)
  say(
    nodeRed.state === 'running'
      ? `  node-red   editor ${nodeRed.url} : log in with the user and password in ${shown(nodeRed.secretsFile)} (generated for this gateway); flows in ${shown(nodeRed.flowFile)}`
      : `  node-red   NOT RUNNING: ${nodeRed.reason ?? nodeRed.state} (the gateway runs without it; --node-red-port picks another port)`,
  );
const page = gateway.status().statusPage;
if (page)
  say(
    page.state === 'running'
      ? `  status     ${page.url} : devices, alarms, backlog, crowd, models (open here because it listens on loopback; on a gateway it asks for the editor login); also ${page.url}metrics`
      : `  status     NOT SERVED: ${page.reason ?? page.state} (--status-port picks another port)`,
  );
say('  Ctrl-C stops everything. Run it again and the store carries on where it left off.');
say('');

// The zone's level of service when it changes, at most every 15 s (a count near a boundary
// flips it from one frame to the next).
let shownLos = '';
let shownAt = 0;
const crowdWatch = setInterval(() => {
  const z = gateway.status().crowd?.[0];
  if (!z || z.levelOfService === null || z.levelOfService === shownLos) return;
  if (Date.now() - shownAt < 15_000) return;
  shownLos = z.levelOfService;
  shownAt = Date.now();
  say(
    `${new Date().toISOString().slice(11, 19)}  crowd      ${z.id}: ${String(z.count)} people, ${(z.density ?? 0).toFixed(2)} per m², level of service ${z.levelOfService}${z.congested ? ' (congested)' : ''}`,
  );
}, 1000);

const { signal } = await stopSignal(() => process.exit(130));
say(`\n${signal}: stopping`);
clearInterval(crowdWatch);
const reports = await gateway.stop();
await thermal?.stop();
await pty?.dispose();
await printer.stop();
await broker?.stop();
await simulator.stop();
const slow = reports.filter((r) => r.outcome !== 'stopped');
const arrived = `${printer.received} summary message${printer.received === 1 ? '' : 's'} arrived upstream`;
const problems = slow.map((r) => `${r.name} ${r.outcome}`).join(', ');
say(slow.length === 0 ? `stopped cleanly; ${arrived}` : `stopped, but ${problems}; ${arrived}`);
setTimeout(() => {
  process.stderr.write(
    `demo: handles still open after stop: ${process.getActiveResourcesInfo().join(', ')}\n`,
  );
  process.exit(0);
}, 2_000).unref();
