import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { stampNow, type Clock, type TimerHandle } from '../clock/clock.js';
import type { UpstreamConfig } from '../config/schema.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { fullJitterDelay } from '../shared/backoff.js';
import type { OutboxRow } from '../store/outbox-table.js';
import type { Store } from '../store/store.js';
import { buildEnvelope } from './envelope.js';
import { mqttOptions } from './mqtt-options.js';
import { reasonName, refusalFor } from './reason-codes.js';
import { gatewayTopics, type GatewayTopics } from './topics.js';

export interface OutboxSenderOptions {
  store: Store;
  clock: Clock;
  log: Log;
  upstream: UpstreamConfig;
  gatewayId: string;
  /** Most messages awaiting PUBACK at once; the broker's Receive Maximum lowers it further. */
  maxInFlight?: number;
  /** A PUBACK not back within this time means the link is dead, whatever TCP says. */
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Injected for tests of option building; the real mqtt.connect otherwise. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export type UpstreamState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface SenderStats {
  state: UpstreamState;
  connects: number;
  published: number;
  acked: number;
  refused: number;
  /** Rows parked in the dead-letter table after a refusal that retrying cannot change. */
  deadLettered: number;
  ackTimeouts: number;
  inFlight: number;
}

interface Connection {
  client: MqttClient;
  ready: boolean;
}

const RECONNECT_BASE_MS = 1_000;
const RECONNECT_CAP_MS = 60_000;
const STOP_FLUSH_MS = 2_000;

/**
 * Sends the outbox upstream over MQTT, QoS 1, in sequence order, with a bounded window of
 * messages in flight. A row stops being pending only once the broker's PUBACK accepts it (the
 * store keeps it for replay, then purges it); after every new connection every pending row is
 * sent again from the lowest seq, so a lost
 * link or a lost PUBACK costs a duplicate (the consumer dedupes by key), never a window.
 */
export class OutboxSender implements Component {
  readonly name = 'sync';
  private readonly topics: GatewayTopics;
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private conn?: Connection;
  private state: UpstreamState = 'idle';
  private window = 1;
  /** Highest seq sent on the current connection; the next send takes rows after it. */
  private cursor = 0;
  private readonly inFlight = new Map<number, TimerHandle>();
  private readonly ackedToMark: number[] = [];
  private ackFlushScheduled?: NodeJS.Immediate;
  private reconnectTimer?: TimerHandle;
  private attempt = 0;
  /** `topic reason` pairs already alarmed (see deadLetter). */
  private readonly refusalsAlarmed = new Set<string>();
  private lastError?: string;
  private readonly counters = {
    connects: 0,
    published: 0,
    acked: 0,
    refused: 0,
    deadLettered: 0,
    ackTimeouts: 0,
  };

  constructor(private readonly o: OutboxSenderOptions) {
    this.topics = gatewayTopics(o.upstream.prefix, o.gatewayId);
    this.maxInFlight = o.maxInFlight ?? 16;
    this.ackTimeoutMs = o.ackTimeoutMs ?? 15_000;
  }

  async start(): Promise<void> {
    // The gateway starts whether or not upstream is reachable: data waits in the outbox.
    this.connect();
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.reconnectTimer?.cancel();
    const conn = this.conn;
    this.conn = undefined;
    this.clearInFlight();
    this.flushAcks();
    if (!conn) return;
    if (conn.ready) await this.publishOffline(conn.client);
    await this.endGracefully(conn.client);
  }

  /**
   * Ends with a DISCONNECT, so the broker does not publish the Will over the "stopped" status.
   * mqtt.js holds a graceful end until its in-flight messages are acknowledged, with no limit;
   * give them a moment, then force (the Will is then the truth: the broker stopped acking).
   */
  private async endGracefully(client: MqttClient): Promise<void> {
    const pending = (): boolean => Object.keys(client.outgoing).length > 0;
    if (pending()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => client.once('outgoingEmpty', () => resolve())),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_FLUSH_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => client.end(pending(), {}, () => resolve()));
  }

  /** Tells the sender the outbox has new rows. */
  wake(): void {
    this.pump();
  }

  stats(): SenderStats {
    return { state: this.state, inFlight: this.inFlight.size, ...this.counters };
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    const { upstream, gatewayId } = this.o;
    const options = mqttOptions(
      upstream,
      { gatewayId, statusTopic: this.topics.status },
      this.o.connectTimeoutMs ?? 10_000,
    );
    const client = (this.o.connect ?? mqtt.connect)(upstream.url, options);
    const conn: Connection = { client, ready: false };
    this.conn = conn;
    client.on('connect', (connack) => {
      if (this.conn !== conn) return;
      conn.ready = true;
      this.state = 'connected';
      this.counters.connects++;
      this.attempt = 0;
      this.lastError = undefined;
      const receiveMaximum = connack.properties?.receiveMaximum;
      this.window = Math.max(1, Math.min(this.maxInFlight, receiveMaximum ?? this.maxInFlight));
      this.cursor = 0;
      const { pending } = this.o.store.outbox.stats();
      this.o.log.info({ url: upstream.url, window: this.window, pending }, 'upstream connected');
      this.publishOnline(client);
      this.pump();
    });
    client.on('error', (err) => {
      // Connection refusals (bad credentials, unreachable) arrive here, then 'close' follows.
      if (err.message !== this.lastError)
        this.o.log.warn({ url: upstream.url, err: err.message }, 'upstream error');
      this.lastError = err.message;
    });
    client.on('close', () => this.lost(conn, 'connection closed'));
  }

  /** Gives up on `conn` (if it is still the current one) and schedules a new attempt. */
  private lost(conn: Connection, reason: string): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.clearInFlight();
    conn.client.removeAllListeners('close');
    conn.client.on('error', () => undefined);
    conn.client.end(true);
    if (this.state === 'stopped') return;
    if (conn.ready)
      this.o.log.warn(
        { reason, pending: this.o.store.outbox.stats().pending },
        'upstream lost; rows wait in the outbox',
      );
    this.state = 'backoff';
    const delay = 250 + fullJitterDelay(this.attempt++, RECONNECT_BASE_MS, RECONNECT_CAP_MS);
    this.reconnectTimer = this.o.clock.setTimer(delay, () => this.connect());
  }

  private pump(): void {
    const conn = this.conn;
    if (!conn?.ready) return;
    while (this.inFlight.size < this.window) {
      const rows = this.o.store.outbox.after(this.cursor, this.window - this.inFlight.size);
      if (rows.length === 0) return;
      for (const row of rows) this.send(conn, row);
    }
  }

  private send(conn: Connection, row: OutboxRow): void {
    this.cursor = row.seq;
    const payload = buildEnvelope(row, {
      gatewayId: this.o.gatewayId,
      epoch: this.o.store.epoch,
      sentMs: this.o.clock.wallMs(),
    });
    const options: IClientPublishOptions = { qos: 1 };
    if (this.o.upstream.protocol === '5')
      options.properties = {
        contentType: 'application/json',
        userProperties: { schema: `egw.${row.kind}.v1` },
      };
    const timer = this.o.clock.setTimer(this.ackTimeoutMs, () => {
      if (this.conn !== conn || !this.inFlight.has(row.seq)) return;
      this.counters.ackTimeouts++;
      this.lost(conn, `no PUBACK for seq ${row.seq} within ${this.ackTimeoutMs} ms`);
    });
    this.inFlight.set(row.seq, timer);
    this.counters.published++;
    conn.client.publish(this.topics.data(row.kind), payload, options, (err) => {
      timer.cancel();
      const current = this.conn === conn;
      if (current) this.inFlight.delete(row.seq);
      if (!err) {
        this.counters.acked++;
        if (this.refusalsAlarmed.size > 0) this.clearRefusals(this.topics.data(row.kind));
        this.markAckedSoon(row.seq);
        if (current) this.pump();
        return;
      }
      // A callback error on a connection we already dropped only means "not acknowledged".
      if (!current) return;
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') {
        this.counters.refused++;
        if (refusalFor(code) === 'dead-letter') {
          this.deadLetter(row, code);
          this.pump();
          return;
        }
        this.o.log.warn(
          { seq: row.seq, reasonCode: reasonName(code) },
          'broker refused a message; backing off',
        );
      }
      this.lost(conn, err.message);
    });
  }

  private clearRefusals(topic: string): void {
    for (const key of this.refusalsAlarmed)
      if (key.startsWith(`${topic} `)) this.refusalsAlarmed.delete(key);
  }

  /** Parks a row the broker will never accept, with an alarm that says which and why; the
   * rest of the outbox keeps flowing. */
  private deadLetter(row: OutboxRow, code: number): void {
    if (this.state === 'stopped') return;
    const { store, clock } = this.o;
    const reason = reasonName(code);
    const topic = this.topics.data(row.kind);
    // One alarm per topic and reason until that topic is accepted again: the alarm travels on
    // data/event, which may be refused too, and must not feed itself.
    const alarmKey = `${topic} ${reason}`;
    const raise = !this.refusalsAlarmed.has(alarmKey);
    this.refusalsAlarmed.add(alarmKey);
    store.transaction(() => {
      if (!store.outbox.deadLetter(row.seq, reason, clock.wallMs()) || !raise) return;
      store.events.add(
        'upstream_refused',
        'alarm',
        stampNow(clock),
        { seq: row.seq, kind: row.kind, topic, reason },
        clock.wallMs(),
      );
    });
    this.counters.deadLettered++;
    this.o.log.error(
      { seq: row.seq, topic, reason },
      'broker refused a message for good; parked it in the dead-letter table',
    );
  }

  /** Marks acknowledged rows in one transaction per event-loop turn rather than one each (the
   * store keeps them for replay, then purges them). */
  private markAckedSoon(seq: number): void {
    // After stop the store may be closed; the row stays and is sent again next time.
    if (this.state === 'stopped') return;
    this.ackedToMark.push(seq);
    this.ackFlushScheduled ??= setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    if (this.ackFlushScheduled) clearImmediate(this.ackFlushScheduled);
    this.ackFlushScheduled = undefined;
    if (this.ackedToMark.length === 0) return;
    const seqs = this.ackedToMark.splice(0);
    const now = this.o.clock.wallMs();
    this.o.store.transaction(() => {
      for (const seq of seqs) this.o.store.outbox.markAcked(seq, now);
    });
  }

  private clearInFlight(): void {
    for (const timer of this.inFlight.values()) timer.cancel();
    this.inFlight.clear();
  }

  private publishOnline(client: MqttClient): void {
    const body = {
      online: true,
      gw: this.o.gatewayId,
      epoch: this.o.store.epoch,
      boot: this.o.clock.bootId,
      since: this.o.clock.wallMs(),
    };
    client.publish(
      this.topics.status,
      JSON.stringify(body),
      { qos: 1, retain: true },
      () => undefined,
    );
  }

  /** A graceful stop says so itself (the Will is for a stop nobody saw), waiting briefly. */
  private async publishOffline(client: MqttClient): Promise<void> {
    const body = JSON.stringify({ online: false, gw: this.o.gatewayId, reason: 'stopped' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_FLUSH_MS);
      client.publish(this.topics.status, body, { qos: 1, retain: true }, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
