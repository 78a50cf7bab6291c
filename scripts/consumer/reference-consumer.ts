/**
 * The reference consumer: what a central platform runs (or copies) to receive gateway data.
 * It shares the load with its other copies through an MQTT 5 shared subscription, checks every
 * message against the schema, upserts it idempotently (so at-least-once delivery has an
 * exactly-once effect), publishes the retained ack cursor per gateway once the batches are
 * stored, and asks a gateway to replay from the first sequence number it still owes.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { signCommand } from '../../runtime/sync/commands/command-auth.js';
import { checkMessage } from '../../runtime/sync/message-schema.js';
import { sqliteConsumerDb, type ConsumerDb } from './consumer-db.js';
import { ConsumerStore } from './consumer-store.js';

export type CommandSigningKey = { hmacKey: Buffer } | { ed25519PrivateKeyPem: string | Buffer };

export interface ReferenceConsumerOptions {
  brokerUrl: string;
  /** SQLite file for the consumer's own database (when `db` is not given). */
  dbFile?: string;
  /** Another database, e.g. PgConsumerStore. */
  db?: ConsumerDb;
  prefix?: string;
  /** Shared-subscription group: copies in one group split the messages between them. */
  group?: string;
  clientId?: string;
  /** A hole in the sequence older than this asks the gateway for a replay. */
  replayAfterMs?: number;
  /** Signs replay requests (`cmd/replay`); without it the consumer cannot ask for replays. */
  commandKey?: CommandSigningKey;
}

export interface ConsumerStats {
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
  acksPublished: number;
  replaysRequested: number;
  replayAnswers: number;
}

export class ReferenceConsumer {
  readonly db: ConsumerDb;
  /** The SQLite store when the consumer uses one (for tests and tools that query it). */
  readonly sqlite?: ConsumerStore;
  readonly stats: ConsumerStats = {
    received: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    acksPublished: 0,
    replaysRequested: 0,
    replayAnswers: 0,
  };
  private client?: MqttClient;
  private readonly prefix: string;
  private readonly clientId: string;
  /** When each (gw, epoch) was first seen missing a seq. */
  private readonly holes = new Map<string, { since: number; from: number }>();
  private replayTimer?: NodeJS.Timeout;
  /** Messages are applied one at a time, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly responseTopic: string;

  constructor(private readonly o: ReferenceConsumerOptions) {
    if (o.db) this.db = o.db;
    else {
      // With a signing key the consumer can learn what a gateway no longer holds, so it owes
      // itself everything from seq 1; without one it starts where it joins.
      this.sqlite = new ConsumerStore(o.dbFile ?? 'consumer.db', o.commandKey !== undefined);
      this.db = sqliteConsumerDb(this.sqlite);
    }
    this.prefix = o.prefix ?? 'egw/v1';
    this.clientId = o.clientId ?? `egw-consumer-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.responseTopic = `${this.prefix}/_consumers/${this.clientId}/replies`;
  }

  async start(): Promise<void> {
    const client = mqtt.connect(this.o.brokerUrl, {
      protocolVersion: 5,
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: 1_000,
    });
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      this.chain = this.chain
        .then(() => this.onMessage(topic, payload, packet))
        .catch((err: unknown) => {
          console.error(`consumer: ${topic}: ${(err as Error).message}`);
        });
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    // Subscribing on every (re)connect: with a clean session the broker forgets it.
    const subscribe = (): Promise<unknown> =>
      client.subscribeAsync({
        [`$share/${this.o.group ?? 'egw-consumers'}/${this.prefix}/+/data/+`]: { qos: 1 },
        // Retained: on (re)connect each gateway's status says how far its sequence has gone.
        [`${this.prefix}/+/status`]: { qos: 1 },
        [this.responseTopic]: { qos: 1 },
      });
    client.on('connect', () => void subscribe());
    await subscribe();
    this.replayTimer = setInterval(() => this.requestReplays(), 250);
  }

  async stop(): Promise<void> {
    if (this.replayTimer) clearInterval(this.replayTimer);
    await this.client?.endAsync();
    this.client = undefined;
    await this.chain;
    await this.db.close();
  }

  /** Waits until every message received so far is applied. */
  async settled(): Promise<void> {
    await this.chain;
  }

  private async onMessage(topic: string, payload: Buffer, packet: IPublishPacket): Promise<void> {
    if (topic === this.responseTopic) return this.onReplayAnswer(payload, packet);
    if (topic.endsWith('/status')) return this.onStatus(payload);
    this.stats.received++;
    const now = Date.now();
    const props = packet.properties;
    const enc = props?.userProperties?.enc;
    const checked = checkMessage(payload, {
      contentType: props?.contentType,
      enc: Array.isArray(enc) ? enc[0] : enc,
    });
    if (!checked.ok) {
      this.stats.rejected++;
      await this.db.reject(now, topic, checked.reason, payload);
      return;
    }
    const env = checked.envelope;
    const applied = await this.db.apply(env, now);
    if (applied.duplicate) {
      this.stats.duplicates++;
      return;
    }
    this.stats.stored++;
    if (applied.cursorMoved) this.publishAck(env.gw, env.epoch, applied.cursor);
    await this.noteHoles(env.gw, env.epoch, now);
  }

  private publishAck(gw: string, epoch: string, cursor: number): void {
    // Retained, so a gateway that connects later learns how far the platform has stored.
    this.client?.publish(`${this.prefix}/${gw}/ack`, JSON.stringify({ epoch, seq: cursor }), {
      qos: 1,
      retain: true,
    });
    this.stats.acksPublished++;
  }

  private async noteHoles(
    gw: string,
    epoch: string,
    now: number,
    owedFrom?: number,
  ): Promise<void> {
    const key = `${gw}\u0000${epoch}`;
    const from = owedFrom ?? (await this.db.firstMissing(gw, epoch));
    if (from === undefined) this.holes.delete(key);
    else if (this.holes.get(key)?.from !== from) this.holes.set(key, { since: now, from });
  }

  /** A gateway's status names its newest seq: anything after our cursor is owed to us (the
   * consumer may have been away while the broker had no one to deliver to). */
  private async onStatus(payload: Buffer): Promise<void> {
    let s: { online?: unknown; gw?: unknown; epoch?: unknown; head?: unknown };
    try {
      s = JSON.parse(payload.toString('utf8')) as typeof s;
    } catch {
      return;
    }
    if (s.online !== true || typeof s.gw !== 'string' || typeof s.epoch !== 'string') return;
    if (typeof s.head !== 'number') return;
    // The head is as of the gateway's last connect, and this consumer may have been away for
    // longer: it asks for anything after its cursor whenever it (re)connects and sees the
    // status; the answer says what the gateway holds, and an empty replay costs one message.
    const cursor = await this.db.cursor(s.gw, s.epoch);
    const start = cursor ?? (this.o.commandKey ? 0 : undefined);
    if (start === undefined || (cursor === undefined && start >= s.head)) return;
    // Due at once: the gateway already holds it, nothing is in flight to wait for.
    await this.noteHoles(s.gw, s.epoch, Date.now() - (this.o.replayAfterMs ?? 30_000), start + 1);
  }

  /** Asks for a replay of holes that have stayed open longer than a re-send would take. */
  private requestReplays(): void {
    const client = this.client;
    const key = this.o.commandKey;
    if (!client || !key) return;
    const now = Date.now();
    for (const [hk, hole] of this.holes) {
      if (now - hole.since < (this.o.replayAfterMs ?? 30_000)) continue;
      const [gw = '', epoch = ''] = hk.split('\u0000');
      const topic = `${this.prefix}/${gw}/cmd/replay`;
      const payload = Buffer.from(
        JSON.stringify({ id: randomUUID(), issued: now, args: { epoch, from: hole.from } }),
      );
      client.publish(topic, payload, {
        qos: 1,
        properties: {
          responseTopic: this.responseTopic,
          correlationData: Buffer.from(JSON.stringify({ gw, epoch, from: hole.from })),
          userProperties: { sig: signCommand(topic, payload, key) },
        },
      });
      this.stats.replaysRequested++;
      hole.since = now;
    }
  }

  /** The gateway's answer names the first seq it still holds: the ones before it are gone for
   * good (acked and purged, or covered by gap records we may have missed with them), and are
   * recorded as explained so the cursor does not wait for them forever. */
  private async onReplayAnswer(payload: Buffer, packet: IPublishPacket): Promise<void> {
    this.stats.replayAnswers++;
    let a: { ok?: unknown; result?: { firstHeld?: unknown; head?: unknown } };
    try {
      a = JSON.parse(payload.toString('utf8')) as typeof a;
    } catch {
      return;
    }
    if (a.ok !== true) return;
    const { firstHeld, head } = a.result ?? {};
    const corr = parseCorrelation(packet.properties?.correlationData);
    if (!corr) return;
    const notHeldThrough =
      typeof firstHeld === 'number' ? firstHeld - 1 : typeof head === 'number' ? head : undefined;
    if (notHeldThrough === undefined || notHeldThrough < corr.from) return;
    const applied = await this.db.explainRange(
      corr.gw,
      corr.epoch,
      corr.from,
      notHeldThrough,
      'not_held_by_gateway',
    );
    if (applied.cursorMoved) this.publishAck(corr.gw, corr.epoch, applied.cursor);
    await this.noteHoles(corr.gw, corr.epoch, Date.now());
  }
}

function parseCorrelation(
  data: Buffer | undefined,
): { gw: string; epoch: string; from: number } | undefined {
  if (!data) return undefined;
  try {
    const c = JSON.parse(data.toString('utf8')) as {
      gw?: unknown;
      epoch?: unknown;
      from?: unknown;
    };
    if (typeof c.gw === 'string' && typeof c.epoch === 'string' && typeof c.from === 'number')
      return { gw: c.gw, epoch: c.epoch, from: c.from };
  } catch {
    // Not one of ours.
  }
  return undefined;
}
