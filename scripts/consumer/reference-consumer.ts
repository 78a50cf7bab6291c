/**
 * The reference consumer: what a central platform runs (or copies) to receive gateway data.
 * It shares the load with its other copies through an MQTT 5 shared subscription, checks every
 * message against the schema, upserts it idempotently (so at-least-once delivery has an
 * exactly-once effect), publishes the retained ack cursor per gateway once the batches are
 * stored, and asks a gateway to replay from the first sequence number it still owes.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { ConsumerStore } from './consumer-store.js';
import { checkMessage } from './message-schema.js';

export interface ReferenceConsumerOptions {
  brokerUrl: string;
  /** SQLite file for the consumer's own database. */
  dbFile: string;
  prefix?: string;
  /** Shared-subscription group: copies in one group split the messages between them. */
  group?: string;
  clientId?: string;
  /** A hole in the sequence older than this asks the gateway for a replay. */
  replayAfterMs?: number;
}

export interface ConsumerStats {
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
  acksPublished: number;
  replaysRequested: number;
}

export class ReferenceConsumer {
  readonly store: ConsumerStore;
  readonly stats: ConsumerStats = {
    received: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    acksPublished: 0,
    replaysRequested: 0,
  };
  private client?: MqttClient;
  private readonly prefix: string;
  /** When each (gw, epoch) was first seen missing a seq. */
  private readonly holes = new Map<string, { since: number; from: number }>();
  private replayTimer?: NodeJS.Timeout;

  constructor(private readonly o: ReferenceConsumerOptions) {
    this.store = new ConsumerStore(o.dbFile);
    this.prefix = o.prefix ?? 'egw/v1';
  }

  async start(): Promise<void> {
    const client = mqtt.connect(this.o.brokerUrl, {
      protocolVersion: 5,
      clientId: this.o.clientId ?? `egw-consumer-${process.pid}-${Date.now() % 100_000}`,
      clean: true,
      reconnectPeriod: 1_000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    // Subscribing on every (re)connect: with a clean session the broker forgets it.
    const subscribe = (): Promise<unknown> =>
      client.subscribeAsync(`$share/${this.o.group ?? 'egw-consumers'}/${this.prefix}/+/data/+`, {
        qos: 1,
      });
    client.on('connect', () => void subscribe());
    await subscribe();
    this.replayTimer = setInterval(() => this.requestReplays(), 1_000);
  }

  async stop(): Promise<void> {
    if (this.replayTimer) clearInterval(this.replayTimer);
    await this.client?.endAsync();
    this.client = undefined;
    this.store.close();
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.stats.received++;
    const now = Date.now();
    const checked = checkMessage(payload);
    if (!checked.ok) {
      this.stats.rejected++;
      this.store.reject(now, topic, checked.reason, payload);
      return;
    }
    const env = checked.envelope;
    const applied = this.store.apply(env, now);
    if (applied.duplicate) {
      this.stats.duplicates++;
      return;
    }
    this.stats.stored++;
    if (applied.cursorMoved) {
      // Retained, so a gateway that connects later learns how far the platform has stored.
      this.client?.publish(
        `${this.prefix}/${env.gw}/ack`,
        JSON.stringify({ epoch: env.epoch, seq: applied.cursor }),
        { qos: 1, retain: true },
      );
      this.stats.acksPublished++;
    }
    const key = `${env.gw}\u0000${env.epoch}`;
    const from = this.store.firstMissing(env.gw, env.epoch);
    if (from === undefined) this.holes.delete(key);
    else if (this.holes.get(key)?.from !== from) this.holes.set(key, { since: now, from });
  }

  /** Asks for a replay of holes that have stayed open longer than a re-send would take. */
  private requestReplays(): void {
    const now = Date.now();
    for (const [key, hole] of this.holes) {
      if (now - hole.since < (this.o.replayAfterMs ?? 30_000)) continue;
      const [gw, epoch] = key.split('\u0000');
      this.client?.publish(
        `${this.prefix}/${gw}/cmd/replay`,
        JSON.stringify({ epoch, from: hole.from }),
        { qos: 1 },
      );
      this.stats.replaysRequested++;
      hole.since = now;
    }
  }
}
