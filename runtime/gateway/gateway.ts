import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import type { Clock } from '../clock/clock.js';
import type { SiteConfig } from '../config/schema.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import type { DeviceProfile } from '../devices/profile-schema.js';
import type { DeviceHealth } from '../drivers/device-health.js';
import type { GpioBackend } from '../drivers/gpio/gpio-line.js';
import { onoffGpio } from '../drivers/gpio/onoff-gpio.js';
import { SimulatedGpio } from '../drivers/gpio/simulated-gpio.js';
import type { ImageFrame } from '../drivers/serial/frame-codec.js';
import type { SouthboundDriver } from '../drivers/southbound-driver.js';
import { IngestPipeline, type IngestStats } from '../ingest/ingest-pipeline.js';
import { ComponentStack, type StopReport } from '../lifecycle/component-stack.js';
import { namespaced, type Log } from '../log/logger.js';
import { parseIsoDuration } from '../shared/iso-duration.js';
import { Store, type CorruptStoreReport } from '../store/store.js';
import { StoreBudget } from '../store/store-budget.js';
import { OutboxSender, type SenderStats } from '../sync/outbox-sender.js';
import { WindowAggregator } from '../windows/window-aggregator.js';
import { AlarmEngine } from '../anomaly/alarm-engine.js';
import { CrowdEngine, type ZoneStatus } from '../crowd/crowd-engine.js';
import { crowdFlowRecords } from '../crowd/crowd-flow.js';
import { packageRoot } from '../shared/package-root.js';
import type { AlarmTransition } from '../anomaly/alarm.js';
import type { Reading } from '../shared/reading.js';
import { enqueueCustom } from '../node-red/custom-records.js';
import { Fanout } from '../node-red/gateway-link.js';
import { toSummaryRecords, type SummaryRecord } from '../windows/summary-records.js';
import { NodeRedHost, type NodeRedStatus } from '../node-red/node-red-host.js';
import { LearnedDetectors, type LearnedDetectorsStatus } from '../models/learned-detectors.js';
import type { BackendName } from '../models/tf-backend.js';
import { buildDrivers } from './build-drivers.js';
import { deviceCommands } from './device-commands.js';
import { alarmFromEvent } from '../anomaly/alarm-writer.js';
import { ensureEditorSecrets } from '../node-red/editor-secrets.js';
import { packageVersion } from '../shared/package-root.js';
import { StatusHistory } from '../status/status-history.js';
import { diskOf, type StatusReport } from '../status/status-report.js';
import { StatusServer } from '../status/status-server.js';

export interface GatewayOptions {
  config: SiteConfig;
  catalogue: DeviceCatalogue;
  clock: Clock;
  log: Log;
  /** Passed to the sender; tests shorten it. */
  ackTimeoutMs?: number;
  /** GPIO lines for every gpio bus (tests pass a SimulatedGpio to drive the inputs). */
  gpio?: GpioBackend;
  /** Backends the model worker may use, best first (tests pin wasm). */
  modelBackends?: BackendName[];
  /** Receives images (thermal frames) in memory; they never reach the store. */
  images?: (deviceId: string, image: ImageFrame, wallMs: number) => void;
}

export interface GatewayStatus {
  gatewayId: string;
  epoch: string;
  storeFile: string;
  devices: Record<string, DeviceHealth>;
  ingest: IngestStats;
  upstream: SenderStats;
  outbox: { pending: number; oldestMs: number | null };
  /** The learned detectors, when the config enables any. */
  models?: LearnedDetectorsStatus;
  /** Crowd zones, when the config has any. */
  crowd?: ZoneStatus[];
  /** The embedded Node-RED, when enabled. */
  nodeRed?: NodeRedStatus;
  /** The local status page, when enabled: where, and why it is not served. */
  statusPage?: { state: 'running' | 'failed' | 'stopped'; url: string; reason?: string };
  store: {
    usedBytes: number;
    budgetBytes: number;
    /** Rows dropped since the store was created, by reason. */
    drops: Record<string, number>;
    startedAfterCrash: boolean;
    corruption?: CorruptStoreReport;
  };
}

export const STORE_FILE = 'store.db';

/**
 * One gateway: the data path from the config, wired together. Start order follows the data
 * (store, ingest, sender, then the buses that feed them); stop is the reverse, so the buses
 * stop producing before ingest commits what is left and the store closes last.
 */
/** The retained birth message: what this gateway measures, in which units and windows, and
 * the digest of the config it runs, so a platform can tell when a site was changed. */
function birthCatalogue(
  config: SiteConfig,
  profiles: Map<string, DeviceProfile>,
): Record<string, unknown> {
  return {
    devices: config.devices.map((d) => ({
      id: d.id,
      profile: d.profile,
      // `unit` is a UN/CEFACT code and `attribute` the FIWARE Smart Data Model attribute
      // (Entity.attribute) the metric maps onto, so a platform can render NGSI-LD from records.
      metrics: (profiles.get(d.id)?.points ?? [])
        .filter((p) => !d.points || d.points.includes(p.name))
        .map((p) => ({ name: p.name, unit: p.unit, attribute: p.attribute })),
    })),
    windows: config.windows.lengths,
    models: config.models.map((m) => ({ name: m.name, bundle: basename(m.bundle) })),
    // Crowd zones report as devices of their own: <zone>/peopleCount, density, levelOfService, …
    crowd: config.crowd.zones.map((z) => ({
      id: z.id,
      areaM2: z.areaM2,
      scheme: z.scheme,
      source: z.thermal ? { thermal: z.thermal } : { counter: z.counter },
      metrics: [
        'peopleCount',
        'density',
        'levelOfService',
        'congested',
        // How far a thermal count can be trusted (decision 0021).
        ...(z.thermal ? ['personContrastC'] : []),
        ...(config.windows.lengths.includes('PT1H') ? ['forecastNextHour', 'forecastIn24h'] : []),
      ],
    })),
    configDigest: createHash('sha256').update(JSON.stringify(config)).digest('hex'),
  };
}

export class Gateway {
  readonly store: Store;
  readonly ingest: IngestPipeline;
  readonly sender: OutboxSender;
  readonly drivers: SouthboundDriver[];
  /** The named alarms, when the config has any. */
  readonly alarms?: AlarmEngine;
  /** The learned detectors, when the config enables any model. */
  readonly models?: LearnedDetectors;
  /** Crowd zones counted from thermal arrays, when the config has any. */
  readonly crowd?: CrowdEngine;
  /** The embedded Node-RED editor and flows, when enabled. */
  readonly nodeRed?: NodeRedHost;
  /** Every reading taken in, for the Node-RED nodes (and anything else that listens). */
  private readonly readings: Fanout<Reading>;
  /** Every alarm transition written, likewise. */
  private readonly alarmFanout: Fanout<AlarmTransition>;
  private readonly stack: ComponentStack;
  /** The last hour of values, the backlog and the active alarms, for the status page. */
  readonly history: StatusHistory;
  /** The local status page, JSON and metrics, when enabled. */
  readonly statusServer?: StatusServer;
  private startedMonoNs: bigint | undefined;

  constructor(private readonly o: GatewayOptions) {
    const { config, clock, log } = o;

    const profiles = new Map<string, DeviceProfile>();
    for (const d of config.devices) {
      const profile = o.catalogue.get(d.profile);
      if (!profile) throw new Error(`device ${d.id}: unknown profile ${d.profile}`);
      profiles.set(d.id, profile);
    }
    const unitOf = (device: string, point: string): string =>
      profiles.get(device)?.points.find((p) => p.name === point)?.unit ?? '';
    this.readings = new Fanout<Reading>((err) =>
      log.error({ err }, 'a reading listener failed; the data path goes on'),
    );
    this.alarmFanout = new Fanout<AlarmTransition>((err) =>
      log.error({ err }, 'an alarm listener failed; the data path goes on'),
    );
    const onAlarms = (written: readonly AlarmTransition[]): void => {
      this.sender.wake();
      for (const t of written) this.alarmFanout.emit(t);
    };
    const devices = deviceCommands(config, () => this.drivers, namespaced(log, 'commands'));

    this.store = new Store({
      file: join(config.gateway.dataDir, STORE_FILE),
      clock,
      log: namespaced(log, 'store'),
      consumerAck: config.upstream.ack === 'consumer',
    });
    const lengths = config.windows.lengths.map((w) => parseIsoDuration(w) ?? 60_000);
    // A poll that started before a window ended must still land in it: wait two commits.
    const closeDelayMs = Math.max(2_000, 2 * config.store.commitIntervalMs);
    const budget = new StoreBudget({
      store: this.store,
      log: namespaced(log, 'store'),
      unitOf,
      budgetBytes: config.store.budgetMB * 1024 * 1024,
      shares: config.store.shares,
      compactToMs: parseIsoDuration(config.store.compactTo) ?? 3_600_000,
      windowLengthsMs: lengths,
      keepAckedMs: parseIsoDuration(config.store.keepAcked) ?? 86_400_000,
    });
    this.ingest = new IngestPipeline({
      store: this.store,
      budget,
      aggregator: new WindowAggregator(
        lengths,
        closeDelayMs,
        parseIsoDuration(config.windows.grace) ?? 300_000,
      ),
      clock,
      log: namespaced(log, 'ingest'),
      unitOf,
      commitIntervalMs: config.store.commitIntervalMs,
      readingsMaxRows: config.store.readingsMaxRows,
    });
    this.sender = new OutboxSender({
      store: this.store,
      clock,
      log: namespaced(log, 'sync'),
      upstream: config.upstream,
      gatewayId: config.gateway.id,
      ...(o.ackTimeoutMs !== undefined ? { ackTimeoutMs: o.ackTimeoutMs } : {}),
      birth: () => birthCatalogue(config, profiles),
      // The drivers are built below; a command that comes before they run is told so.
      devices,
      models: {
        model: (name, action, bundle) =>
          this.models
            ? this.models.model(name, action, bundle)
            : Promise.resolve({ ok: false, reason: 'no learned model is enabled on this gateway' }),
      },
    });
    this.ingest.onOutbox(() => this.sender.wake());
    const history = new StatusHistory({
      clock,
      unitOf,
      outbox: () => this.store.outbox.stats(),
      pastAlarms: () =>
        this.store.events
          .recent(500)
          .map(alarmFromEvent)
          .filter((t) => t !== undefined),
      // The last rows only: an hour of a busy site, without scanning a week-long store.
      pastReadings: (sinceMs) =>
        this.store.readings.since(Math.max(0, this.store.readings.maxId() - 200_000), sinceMs),
    });
    this.history = history;
    this.readings.add((r) => history.onReading(r));
    this.alarmFanout.add((t) => history.onAlarm(t));
    if (config.statusPage.enabled)
      this.statusServer = new StatusServer({
        port: config.statusPage.port,
        bind: config.statusPage.bind,
        open: config.statusPage.open,
        login: () => ensureEditorSecrets(config.gateway.dataDir).secrets,
        report: () => this.report(),
        log: namespaced(log, 'status'),
      });
    if (config.crowd.zones.length > 0)
      this.crowd = new CrowdEngine({
        zones: config.crowd.zones,
        store: this.store,
        clock,
        log: namespaced(log, 'crowd'),
        push: (r) => {
          this.ingest.push(r);
          this.readings.emit(r);
        },
        ...(o.modelBackends ? { backends: o.modelBackends } : {}),
        onAlarms,
        forecast: lengths.includes(3_600_000),
        ...(config.crowd.forecastBundle ? { forecastBundle: config.crowd.forecastBundle } : {}),
      });
    const crowd = this.crowd;
    if (crowd) {
      this.ingest.onWindows((closed) => crowd.onWindows(closed));
      this.ingest.addWindowRecords('crowd', (w) => crowdFlowRecords(config.crowd.zones, w));
    }
    const images =
      o.images || crowd
        ? (deviceId: string, image: ImageFrame, wallMs: number): void => {
            o.images?.(deviceId, image, wallMs);
            crowd?.onImage(deviceId, image, wallMs);
          }
        : undefined;
    this.drivers = buildDrivers(config, {
      catalogue: o.catalogue,
      clock,
      log,
      sink: (r) => {
        this.ingest.push(r);
        crowd?.onReading(r);
        this.readings.emit(r);
      },
      gpio: (simulate) => this.gpioBackend(simulate),
      ...(images ? { images } : {}),
    });
    this.stack = new ComponentStack(namespaced(log, 'gateway'));
    // Window summaries for the flows, made only when Node-RED runs.
    const windowFanout = new Fanout<readonly SummaryRecord[]>((err) =>
      log.error({ err }, 'a window listener failed; the data path goes on'),
    );
    if (config.nodeRed.enabled) {
      this.ingest.onWindows((closed) => {
        if (windowFanout.size === 0) return;
        for (const w of closed) windowFanout.emit(toSummaryRecords(w, unitOf));
      });
      this.nodeRed = new NodeRedHost({
        dataDir: config.gateway.dataDir,
        port: config.nodeRed.port,
        bind: config.nodeRed.bind,
        ...(config.nodeRed.flowFile ? { flowFile: config.nodeRed.flowFile } : {}),
        nodesDir: [join(packageRoot(), 'nodes')],
        link: {
          gatewayId: config.gateway.id,
          onReading: (listener) => this.readings.add(listener),
          onAlarm: (listener) => this.alarmFanout.add(listener),
          onWindow: (listener) => windowFanout.add(listener),
          infer: (model, input) =>
            this.models
              ? this.models.infer(model, input)
              : Promise.reject(new Error('no learned model is enabled on this gateway')),
          enqueue: (record) => {
            const seq = enqueueCustom(this.store, clock, record);
            this.sender.wake();
            return seq;
          },
          status: () => this.status(),
          setLampLevel: (device, level) => devices.setLampLevel(device, level),
          setRelay: (device, on) => devices.setRelay(device, on),
        },
        log: namespaced(log, 'node-red'),
      });
    }
    if (config.alarms.length > 0) {
      const alarms = new AlarmEngine({
        alarms: config.alarms,
        store: this.store,
        clock,
        log: namespaced(log, 'alarms'),
        unitOf,
        onAlarms,
      });
      this.ingest.onWindows((closed) => alarms.onWindows(closed));
      this.alarms = alarms;
    }
    if (config.models.some((m) => m.enabled)) {
      const models = new LearnedDetectors({
        models: config.models,
        windowLengths: config.windows.lengths,
        store: this.store,
        clock,
        log: namespaced(log, 'models'),
        ...(o.modelBackends ? { backends: o.modelBackends } : {}),
        onAlarms,
      });
      this.ingest.onWindows((closed) => models.onWindows(closed));
      this.models = models;
    }
  }

  async start(): Promise<void> {
    this.startedMonoNs = this.o.clock.monoNs();
    await this.stack.start([
      this.store,
      ...(this.alarms ? [this.alarms] : []),
      ...(this.models ? [this.models] : []),
      this.ingest,
      ...(this.crowd ? [this.crowd] : []),
      this.sender,
      this.history,
      ...this.drivers,
      ...(this.statusServer ? [this.statusServer] : []),
      // Last in, first out: flows run on a gateway that is already collecting, and stop first.
      ...(this.nodeRed ? [this.nodeRed] : []),
    ]);
    this.o.log.info(
      {
        gateway: this.o.config.gateway.id,
        store: this.store.file,
        epoch: this.store.epoch,
        devices: this.o.config.devices.length,
        upstream: this.o.config.upstream.url,
      },
      'gateway started',
    );
  }

  async stop(): Promise<StopReport[]> {
    const reports = await this.stack.stop();
    this.o.log.info({ reports }, 'gateway stopped');
    return reports;
  }

  /** The kernel's lines through onoff where this machine has them; simulated lines where the
   * bus asks for them, or, with a warning, where there are none. */
  private async gpioBackend(simulate: boolean): Promise<GpioBackend> {
    if (this.o.gpio) return this.o.gpio;
    if (!simulate) {
      const real = await onoffGpio();
      if (real) return real;
      this.o.log.warn(
        {},
        'no GPIO on this machine (/sys/class/gpio); GPIO devices run on simulated lines',
      );
    }
    return new SimulatedGpio();
  }

  /** The status with what the page adds: history, clock, disk, version. */
  report(): StatusReport {
    const clock = this.o.clock;
    const started = this.startedMonoNs ?? clock.monoNs();
    return {
      ...this.status(),
      version: packageVersion(),
      generatedMs: clock.wallMs(),
      uptimeS: Math.round(Number(clock.monoNs() - started) / 1e9),
      clock: { state: clock.syncState(), wallMs: clock.wallMs(), bootId: clock.bootId },
      disk: diskOf(this.o.config.gateway.dataDir),
      history: this.history.snapshot(),
    };
  }

  status(): GatewayStatus {
    return {
      gatewayId: this.o.config.gateway.id,
      epoch: this.store.epoch,
      storeFile: this.store.file,
      devices: Object.assign({}, ...this.drivers.map((d) => d.deviceHealth())) as Record<
        string,
        DeviceHealth
      >,
      ingest: this.ingest.stats(),
      upstream: this.sender.stats(),
      outbox: this.store.outbox.stats(),
      ...(this.models ? { models: this.models.status() } : {}),
      ...(this.crowd ? { crowd: this.crowd.status() } : {}),
      ...(this.nodeRed ? { nodeRed: this.nodeRed.status() } : {}),
      ...(this.statusServer ? { statusPage: this.statusServer.status() } : {}),
      store: {
        usedBytes: this.store.usedBytes(),
        budgetBytes: this.o.config.store.budgetMB * 1024 * 1024,
        drops: this.store.gaps.drops(),
        startedAfterCrash: this.store.startedAfterCrash,
        ...(this.store.corruption ? { corruption: this.store.corruption } : {}),
      },
    };
  }
}
