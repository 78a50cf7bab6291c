import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Clock } from '../../runtime/clock/clock.js';
import { SystemClock } from '../../runtime/clock/system-clock.js';
import { UpstreamSchema, type UpstreamConfig } from '../../runtime/config/schema.js';
import { silentLog, type Log } from '../../runtime/log/logger.js';
import { fillDefaults } from '../../runtime/shared/fill-defaults.js';
import { PRIORITY } from '../../runtime/store/outbox-table.js';
import { Store } from '../../runtime/store/store.js';
import { OutboxSender } from '../../runtime/sync/outbox-sender.js';
import { FaultProxy } from '../../scripts/faults/fault-proxy.js';
import { ReferenceConsumer } from '../../scripts/consumer/reference-consumer.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { summaryRecord } from './summary-record.js';
import { tempDir } from '../harness/temp-dir.js';
import { waitFor } from '../harness/wait-for.js';

export const GW = 'lp1';
export { summaryRecord };
const HMAC_KEY = 'fault-suite-command-key-0123456789abcdef';

export interface RigOptions {
  brokerConfig?: string[];
  upstream?: Partial<UpstreamConfig>;
  /** The store's clock (the sender always runs on the real one). */
  storeClock?: Clock;
  ackTimeoutMs?: number;
  gatewayId?: string;
  /** Share another rig's broker (two gateways on one broker). */
  broker?: Mosquitto;
  log?: Log;
}

/**
 * The fault suite's bench: a real Mosquitto, the fault proxy in front of it, a gateway store
 * and sender connected through the proxy (ack mode "consumer", commands signed with HMAC), and
 * the reference consumer connected to the broker directly with the same key.
 */
export class SyncRig {
  readonly hmacKeyFile: string;
  sender?: OutboxSender;
  consumer?: ReferenceConsumer;
  readonly consumerDbFile: string;
  private readonly ownsBroker: boolean;
  /** Window starts handed out so far: every row's records have keys no other row shares. */
  private nextT0 = 0;

  private constructor(
    readonly broker: Mosquitto,
    readonly proxy: FaultProxy,
    public store: Store,
    readonly upstream: UpstreamConfig,
    readonly clock: Clock,
    private readonly o: RigOptions,
  ) {
    this.ownsBroker = !o.broker;
    const dir = tempDir('rig-');
    this.hmacKeyFile = upstream.commands?.hmacKeyFile ?? join(dir, 'cmd.key');
    this.consumerDbFile = join(dir, 'consumer.db');
  }

  static async start(o: RigOptions = {}): Promise<SyncRig> {
    const broker = o.broker ?? (await Mosquitto.start(o.brokerConfig ?? []));
    const proxy = await FaultProxy.start('127.0.0.1', broker.port);
    const dir = tempDir('gw-');
    const keyFile = join(dir, 'cmd.key');
    writeFileSync(keyFile, `${HMAC_KEY}\n`, { mode: 0o600 });
    const upstream = fillDefaults(UpstreamSchema, {
      url: proxy.url,
      ack: 'consumer',
      keepaliveS: 5,
      commands: { hmacKeyFile: keyFile },
      ...o.upstream,
      backfill: {
        startDelayMaxS: 0,
        bytesPerS: 50_000_000,
        msgsPerS: 100_000,
        ...o.upstream?.backfill,
      },
    }) as UpstreamConfig;
    const clock = o.storeClock ?? new SystemClock({ evidence: 'trust-os' });
    const store = new Store({
      file: join(dir, 'gw.db'),
      clock,
      log: o.log ?? silentLog(),
      consumerAck: upstream.ack === 'consumer',
    });
    await store.start();
    return new SyncRig(broker, proxy, store, upstream, clock, o);
  }

  get gatewayId(): string {
    return this.o.gatewayId ?? GW;
  }

  /** Summary rows of `recs` records each, in one transaction. */
  enqueue(
    n: number,
    o: { recs?: number; createdMs?: number; windowMs?: number; pad?: number } = {},
  ): number[] {
    const clock = this.clock;
    return this.store.transaction(() =>
      Array.from({ length: n }, () => {
        const t0 = 1_767_225_600_000 + this.nextT0++ * 300_000;
        const recs = Array.from({ length: o.recs ?? 1 }, (_, i) =>
          summaryRecord(t0, `m${i}`, o.pad ?? 0),
        );
        return this.store.outbox.enqueue(
          'summary',
          PRIORITY.live,
          o.createdMs ?? clock.wallMs(),
          JSON.stringify(recs),
          { windowMs: o.windowMs ?? 300_000, t0 },
        );
      }),
    );
  }

  async startSender(extra: { maxInFlight?: number } = {}): Promise<OutboxSender> {
    this.sender = new OutboxSender({
      store: this.store,
      clock: new SystemClock({ evidence: 'trust-os' }),
      log: this.o.log ?? silentLog(),
      upstream: this.upstream,
      gatewayId: this.gatewayId,
      ackTimeoutMs: this.o.ackTimeoutMs ?? 3_000,
      birth: () => ({ devices: [{ id: 'lamp1', metrics: [{ name: 'power', unit: 'WTT' }] }] }),
      ...extra,
    });
    await this.sender.start();
    return this.sender;
  }

  async startConsumer(): Promise<ReferenceConsumer> {
    this.consumer = new ReferenceConsumer({
      brokerUrl: this.broker.url,
      dbFile: this.consumerDbFile,
      replayAfterMs: 2_000,
      commandKey: { hmacKey: Buffer.from(HMAC_KEY) },
    });
    await this.consumer.start();
    return this.consumer;
  }

  /** Every seq this store ever handed out (data, gap records, alarms). */
  committed(): number[] {
    return Array.from({ length: this.store.outbox.headSeq() }, (_, i) => i + 1);
  }

  /**
   * The invariant: every committed (epoch, seq) is stored at the consumer, or covered by a gap
   * record, and the consumer's cursor has reached the head.
   */
  async assertAllAccounted(timeoutMs = 30_000): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('no consumer');
    let missing: number[] = [];
    try {
      await waitFor(
        async () => {
          await consumer.settled();
          missing = await consumer.db.unaccounted(
            this.gatewayId,
            this.store.epoch,
            this.committed(),
          );
          return missing.length === 0;
        },
        'every committed seq stored or explained at the consumer',
        timeoutMs,
      );
    } catch (err) {
      throw new Error(
        `${missing.length} of ${this.committed().length} seqs unaccounted (first ${missing.slice(0, 10).join(', ')}); sender ${JSON.stringify(this.sender?.stats())}`,
        { cause: err },
      );
    }
    // Each batch once: a batch key is a primary key, so copies are counted, never stored twice.
    const dupRows = consumer.sqlite?.query<{ n: number }>(
      'SELECT count(*) AS n FROM (SELECT gw, epoch, seq FROM batches GROUP BY gw, epoch, seq HAVING count(*) > 1)',
    );
    expect(dupRows?.[0]?.n ?? 0).toBe(0);
    await waitFor(
      async () =>
        ((await consumer.db.cursor(this.gatewayId, this.store.epoch)) ?? 0) ===
        this.store.outbox.headSeq(),
      'the consumer cursor at the head',
      timeoutMs,
    );
  }

  /** Stops the sender and the store, lets `damage` do something to the file, and opens it
   * again (a restart of the gateway). */
  async restartStore(damage: (file: string) => void = () => undefined): Promise<void> {
    await this.sender?.stop();
    this.sender = undefined;
    await this.store.stop();
    damage(this.store.file);
    this.store = new Store({
      file: this.store.file,
      clock: this.clock,
      log: this.o.log ?? silentLog(),
      consumerAck: this.upstream.ack === 'consumer',
    });
    await this.store.start();
  }

  async stop(): Promise<void> {
    await this.sender?.stop();
    await this.consumer?.stop();
    await this.store.stop();
    await this.proxy.stop();
    if (this.ownsBroker) await this.broker.stop();
  }
}

/** Heap in use after a full collection, in MB (vitest runs with --expose-gc). */
export function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
