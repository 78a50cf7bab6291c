import mqtt, {
  type IClientOptions,
  type IClientPublishOptions,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import { stampNow, type Clock, type TimerHandle } from '../clock/clock.js';
import type { UpstreamConfig } from '../config/schema.js';
import type { Component } from '../lifecycle/component.js';
import type { Log } from '../log/logger.js';
import { fullJitterDelay } from '../shared/backoff.js';
import { PRIORITY, type OutboxRow } from '../store/outbox-table.js';
import type { Store } from '../store/store.js';
import { CommandHandler, type CommandActions } from './commands/command-handler.js';
import { loadCommandKeys } from './commands/command-auth.js';
import type { CommandResult } from './commands/command-specs.js';
import {
  messagesForRow,
  MQTT_MAX_PACKET,
  publishPacketBytes,
  type OutgoingMessage,
} from './message-parts.js';
import { mqttOptions } from './mqtt-options.js';
import { reasonName, refusalFor } from './reason-codes.js';
import { TokenBucket, type BucketRates } from './token-bucket.js';
import { gatewayTopics, type GatewayTopics } from './topics.js';
import { upstreamErrorHint } from './upstream-errors.js';

/** Device actions commands may ask for; the gateway wires them to its drivers. */
export interface DeviceCommandActions {
  setLampLevel(device: string, level: number): CommandResult | Promise<CommandResult>;
  setPollInterval(device: string, ms: number): CommandResult | Promise<CommandResult>;
}

/** The learned detectors' half of platform commands: two versions side by side. */
export interface ModelCommandActions {
  model(
    name: string,
    action: 'shadow' | 'promote' | 'rollback',
    bundle: string | undefined,
  ): Promise<CommandResult>;
}

export interface OutboxSenderOptions {
  store: Store;
  clock: Clock;
  log: Log;
  upstream: UpstreamConfig;
  gatewayId: string;
  /** Overrides upstream.maxInFlight (tests). */
  maxInFlight?: number;
  /** Overrides upstream.ackTimeoutS: a PUBACK not back within this time means the link is dead. */
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** The retained catalogue published on `birth` after every connect and on `cmd/rebirth`. */
  birth?: () => Record<string, unknown>;
  devices?: DeviceCommandActions;
  /** Runs `model` commands; without it they are refused. */
  models?: ModelCommandActions;
  /** Injected for tests of option building; the real mqtt.connect otherwise. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
  /** Injected for tests: the backfill start delay draws from it. */
  random?: () => number;
}

export type UpstreamState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface SenderStats {
  state: UpstreamState;
  attempts: number;
  connects: number;
  /** Messages published (parts of a split row count one each). */
  published: number;
  /** Rows whose every part the broker accepted. */
  acked: number;
  refused: number;
  /** Rows parked in the dead-letter table after a refusal that retrying cannot change. */
  deadLettered: number;
  /** Rows sent in more than one part to stay under the broker's Maximum Packet Size. */
  split: number;
  ackTimeouts: number;
  /** Times the broker closed a working connection: DISCONNECT 0x8E, or a clean close without
   * an error (Mosquitto 2.0 sends no DISCONNECT when another client takes the id). */
  takeovers: number;
  inFlight: number;
  /** The window in use: min(upstream.maxInFlight, the broker's Receive Maximum). */
  window: number;
  maxPacketBytes: number;
  backfill: BucketRates;
  /** Milliseconds until backfill may start after the last connect (0 once it has). */
  backfillDelayMs: number;
  commands: number;
}

interface Connection {
  client: MqttClient;
  ready: boolean;
  connectedAtMs: number;
  /** The transport reported an error (reset, timeout) before closing. */
  errored: boolean;
  /** Already counted as taken over (a DISCONNECT 0x8E, then the close). */
  takenOver: boolean;
}

/** A row being sent on the current connection: how many of its parts still await PUBACK. */
interface OpenRow {
  row: OutboxRow;
  remaining: number;
}

const RECONNECT_BASE_MS = 1_000;
const RECONNECT_CAP_MS = 60_000;
const STOP_FLUSH_MS = 2_000;
const PREFETCH_ROWS = 256;
/** Acknowledgement marks wait at most this long, or until this many are waiting. */
const ACK_FLUSH_MS = 20;
const ACK_FLUSH_ROWS = 1_024;
/** A summary older than this when a connection comes up is backlog, not live. */
const LIVE_AGE_MS = 60_000;
/** Takeovers closer together than this are one ping-pong with another client. */
const TAKEOVER_WINDOW_MS = 60_000;
const TAKEOVER_ALARM_AFTER = 3;
/** Server DISCONNECT reason: another connection took this client id. */
const SESSION_TAKEN_OVER = 0x8e;

/**
 * Sends the outbox upstream over MQTT, QoS 1, with a bounded window of messages in flight, most
 * urgent first: alarms and state, live summaries, then backlog (coarse windows before fine),
 * each class in sequence order. Backlog goes through a token bucket and starts after a random
 * delay once connected. A row stops being pending only once the broker's PUBACK accepts every
 * part of it; after every new connection each pending row is sent again, so a lost link or a
 * lost PUBACK costs a duplicate (the consumer dedupes by key), never a window. With an acking
 * consumer (upstream.ack = "consumer") rows are deleted at its retained cursor only.
 */
export class OutboxSender implements Component {
  readonly name = 'sync';
  private readonly topics: GatewayTopics;
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private readonly bucket: TokenBucket;
  private readonly commands: CommandHandler;
  private readonly random: () => number;
  private conn?: Connection;
  private state: UpstreamState = 'idle';
  private window = 1;
  private maxPacketBytes = MQTT_MAX_PACKET;
  private backfillAtMs = 0;
  /** Parts prepared for the current connection but not yet published (a row split wider than
   * the window goes out part by part). */
  private queue: OutgoingMessage[] = [];
  /** Pending rows read ahead in priority order, so a busy drain reads the outbox in batches
   * rather than once per message; dropped whenever something more urgent may have arrived. */
  private prefetch: OutboxRow[] = [];
  /** The last row read ahead, in (priority, seq) order. */
  private cursor?: { priority: number; seq: number; version: number };
  private readonly openRows = new Map<number, OpenRow>();
  /** Messages awaiting PUBACK, by `seq:part`, with when they were sent (monotonic ms), in
   * the order they were sent: the first is the oldest. */
  private readonly inFlight = new Map<string, number>();
  private pumpScheduled?: NodeJS.Immediate;
  /** One timer for every ack deadline: it fires at the oldest message's, not one per message. */
  private ackWatchdog?: TimerHandle;
  /** Status, birth and command answers awaiting PUBACK: they use the broker's Receive Maximum
   * too, so the data window leaves room for them. */
  private controlInFlight = 0;
  private readonly ackedToMark: number[] = [];
  private ackFlushScheduled?: NodeJS.Timeout;
  private reconnectTimer?: TimerHandle;
  private gateTimer?: TimerHandle;
  private attempt = 0;
  private takeoverStreak = 0;
  private lastTakeoverMs = -Infinity;
  private takeoverAlarmed = false;
  /** `topic reason` pairs already alarmed (see deadLetter). */
  private readonly refusalsAlarmed = new Set<string>();
  private lastError?: string;
  private readonly counters = {
    /** Connection attempts, successful or not: a refusing broker must not see a tight loop. */
    attempts: 0,
    connects: 0,
    published: 0,
    acked: 0,
    refused: 0,
    deadLettered: 0,
    split: 0,
    ackTimeouts: 0,
    takeovers: 0,
    commands: 0,
  };

  constructor(private readonly o: OutboxSenderOptions) {
    const up = o.upstream;
    this.topics = gatewayTopics(up.prefix, o.gatewayId);
    this.maxInFlight = o.maxInFlight ?? up.maxInFlight;
    this.ackTimeoutMs = o.ackTimeoutMs ?? up.ackTimeoutS * 1000;
    this.random = o.random ?? Math.random;
    this.bucket = new TokenBucket(
      { bytesPerS: up.backfill.bytesPerS, msgsPerS: up.backfill.msgsPerS },
      o.clock,
    );
    this.commands = new CommandHandler({
      store: o.store,
      clock: o.clock,
      log: o.log,
      keys: up.commands ? loadCommandKeys(up.commands) : {},
      maxAgeMs: (up.commands?.maxAgeS ?? 600) * 1000,
      actions: this.commandActions(),
    });
  }

  async start(): Promise<void> {
    this.o.store.outbox.useConsumerAck(this.o.upstream.ack === 'consumer');
    // The gateway starts whether or not upstream is reachable: data waits in the outbox.
    this.connect();
    await Promise.resolve();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.reconnectTimer?.cancel();
    this.gateTimer?.cancel();
    const conn = this.conn;
    this.conn = undefined;
    this.flushAcks();
    this.resetConnectionState();
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
    this.dropPrefetch();
    this.pump();
  }

  stats(): SenderStats {
    return {
      state: this.state,
      inFlight: this.inFlight.size,
      window: this.window,
      maxPacketBytes: this.maxPacketBytes,
      backfill: this.bucket.current,
      backfillDelayMs: Math.max(0, this.backfillAtMs - this.o.clock.wallMs()),
      ...this.counters,
    };
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    this.counters.attempts++;
    const { upstream, gatewayId } = this.o;
    const options = mqttOptions(
      upstream,
      { gatewayId, statusTopic: this.topics.status },
      this.o.connectTimeoutMs ?? 10_000,
    );
    const client = (this.o.connect ?? mqtt.connect)(upstream.url, options);
    const conn: Connection = {
      client,
      ready: false,
      connectedAtMs: 0,
      errored: false,
      takenOver: false,
    };
    this.conn = conn;
    client.on('connect', (connack) => {
      if (this.conn !== conn) return;
      this.onConnected(conn, connack.properties);
    });
    client.on('message', (topic, payload, packet) => {
      if (this.conn === conn) this.onMessage(conn, topic, payload, packet);
    });
    client.on('disconnect', (packet) => {
      if (this.conn !== conn || packet.reasonCode !== SESSION_TAKEN_OVER) return;
      conn.takenOver = true;
      this.tookOver('DISCONNECT 0x8e session taken over');
    });
    client.on('error', (err) => {
      conn.errored = true;
      // Connection refusals (bad credentials, unreachable) arrive here, then 'close' follows.
      if (err.message !== this.lastError)
        this.o.log.warn(
          { url: upstream.url, err: err.message, hint: upstreamErrorHint(err.message) },
          'upstream error',
        );
      this.lastError = err.message;
    });
    client.on('close', () => {
      // Mosquitto 2.0 closes a taken-over connection without a DISCONNECT: a clean close of a
      // working connection, by the broker, is the same evidence.
      if (this.conn === conn && conn.ready && !conn.errored && !conn.takenOver)
        this.tookOver('closed by the broker without an error');
      this.lost(conn, 'connection closed');
    });
  }

  private onConnected(
    conn: Connection,
    props: { receiveMaximum?: number; maximumPacketSize?: number } | undefined,
  ): void {
    const { store, clock, upstream } = this.o;
    conn.ready = true;
    conn.connectedAtMs = clock.wallMs();
    this.state = 'connected';
    this.counters.connects++;
    this.attempt = 0;
    this.lastError = undefined;
    this.window = Math.max(1, Math.min(this.maxInFlight, props?.receiveMaximum ?? Infinity));
    this.maxPacketBytes = props?.maximumPacketSize ?? MQTT_MAX_PACKET;
    this.resetConnectionState();
    // What waited out the outage queues behind alarms and fresh windows.
    const demoted = store.transaction(() =>
      store.outbox.demoteBacklog(conn.connectedAtMs - LIVE_AGE_MS),
    );
    this.backfillAtMs =
      conn.connectedAtMs + Math.floor(this.random() * upstream.backfill.startDelayMaxS * 1000);
    const { pending } = store.outbox.stats();
    this.o.log.info(
      {
        url: upstream.url,
        window: this.window,
        maxPacketBytes: this.maxPacketBytes,
        pending,
        backlog: demoted,
        backfillInMs: this.backfillAtMs - conn.connectedAtMs,
      },
      'upstream connected',
    );
    conn.client.subscribe([this.topics.ack, this.topics.cmd('+')], { qos: 1 }, (err) => {
      if (err) this.o.log.warn({ err: err.message }, 'could not subscribe to ack and commands');
    });
    this.publishOnline(conn);
    this.publishBirth(conn);
    this.pump();
  }

  /** Gives up on `conn` (if it is still the current one) and schedules a new attempt. */
  private lost(conn: Connection, reason: string): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    this.flushAcks();
    this.resetConnectionState();
    this.gateTimer?.cancel();
    this.gateTimer = undefined;
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
    // Two gateways sharing a client id knock each other off at every connect; backing off
    // harder with each round lets one of them hold the line instead of a storm for both.
    const attempt = Math.max(this.attempt++, this.takeoverStreak * 2);
    const delay = 250 + fullJitterDelay(attempt, RECONNECT_BASE_MS, RECONNECT_CAP_MS, this.random);
    this.reconnectTimer = this.o.clock.setTimer(delay, () => this.connect());
  }

  private tookOver(evidence: string): void {
    const now = this.o.clock.wallMs();
    this.counters.takeovers++;
    this.takeoverStreak =
      now - this.lastTakeoverMs < TAKEOVER_WINDOW_MS ? this.takeoverStreak + 1 : 1;
    this.lastTakeoverMs = now;
    this.o.log.warn(
      {
        clientId: this.o.upstream.clientId ?? this.o.gatewayId,
        streak: this.takeoverStreak,
        evidence,
      },
      'the broker closed this connection (another client with the same client id?)',
    );
    if (this.takeoverStreak < TAKEOVER_ALARM_AFTER || this.takeoverAlarmed) return;
    this.takeoverAlarmed = true;
    const { store, clock } = this.o;
    if (!store.isOpen) return;
    store.transaction(() =>
      store.events.add(
        'client_id_conflict',
        'alarm',
        stampNow(clock),
        {
          clientId: this.o.upstream.clientId ?? this.o.gatewayId,
          takeovers: this.takeoverStreak,
          evidence,
          advice:
            'two gateways use the same MQTT client id; give each its own (upstream.clientId or gateway.id)',
        },
        clock.wallMs(),
      ),
    );
  }

  private resetConnectionState(): void {
    // Rows the broker acknowledged are marked before the next connection picks rows to send.
    this.flushAcks();
    this.ackWatchdog?.cancel();
    this.ackWatchdog = undefined;
    if (this.pumpScheduled) clearImmediate(this.pumpScheduled);
    this.pumpScheduled = undefined;
    this.inFlight.clear();
    this.controlInFlight = 0;
    this.openRows.clear();
    this.queue = [];
    this.dropPrefetch();
  }

  private pump(): void {
    const conn = this.conn;
    if (!conn?.ready || this.state === 'stopped') return;
    while (this.inFlight.size + this.controlInFlight < this.window) {
      const next = this.queue.shift();
      if (next) {
        this.publish(conn, next);
        continue;
      }
      const row = this.nextRow();
      if (!row) return;
      const prepared = messagesForRow(row, {
        gatewayId: this.o.gatewayId,
        epoch: this.o.store.epoch,
        sentMs: this.o.clock.wallMs(),
        topic: this.topics.data(row.kind),
        encoding: this.o.upstream.encoding,
        mqtt5: this.o.upstream.protocol === '5',
        maxPacketBytes: this.maxPacketBytes,
      });
      if ('tooLarge' in prepared) {
        this.deadLetter(
          row,
          `0x95 packet too large (${prepared.tooLarge} bytes for one record; the broker takes ${this.maxPacketBytes})`,
        );
        continue;
      }
      if (row.priority >= PRIORITY.backfillCoarse && !this.backfillMayGo(prepared.messages)) {
        this.prefetch.unshift(row);
        return;
      }
      if (prepared.messages.length > 1) this.counters.split++;
      this.openRows.set(row.seq, { row, remaining: prepared.messages.length });
      this.queue.push(...prepared.messages);
    }
  }

  /** The most urgent pending row not already on its way on this connection. */
  private nextRow(): OutboxRow | undefined {
    // Rows read ahead before a change may now come after a more urgent one.
    if (this.cursor && this.cursor.version !== this.o.store.outbox.pendingVersion)
      this.dropPrefetch();
    for (;;) {
      if (this.prefetch.length === 0) this.refill();
      const row = this.prefetch.shift();
      if (!row) return undefined;
      if (!this.openRows.has(row.seq)) return row;
    }
  }

  /**
   * Reads the next rows ahead. After a reset, or when the outbox changed other than by acks
   * (new rows, perhaps more urgent, from anyone: ingest, the store budget, a dead letter's gap
   * record), it reads from the top, skipping rows already on their way; otherwise it goes on
   * from the last row read, so a draining backlog reads each row once instead of re-reading
   * every row still waiting for its PUBACK.
   */
  private refill(): void {
    const { outbox } = this.o.store;
    const version = outbox.pendingVersion;
    const rows =
      this.cursor?.version === version
        ? outbox.pendingAfter(this.cursor.priority, this.cursor.seq, PREFETCH_ROWS)
        : outbox.pending(this.openRows.size + PREFETCH_ROWS);
    const last = rows.at(-1);
    if (last) this.cursor = { priority: last.priority, seq: last.seq, version };
    this.prefetch = rows.filter((r) => !this.openRows.has(r.seq));
  }

  /** Forgets what was read ahead: new rows (perhaps more urgent), a replay, a new connection. */
  private dropPrefetch(): void {
    this.prefetch = [];
    this.cursor = undefined;
  }

  /** Backlog waits for the start delay and for the token bucket; live rows never do. */
  private backfillMayGo(messages: OutgoingMessage[]): boolean {
    const now = this.o.clock.wallMs();
    let waitMs = this.backfillAtMs - now;
    if (waitMs <= 0) {
      const bytes = messages.reduce((n, m) => n + m.packetBytes, 0);
      const taken = this.bucket.take(bytes);
      if (taken.ok) return true;
      waitMs = taken.waitMs;
    }
    if (!this.gateTimer)
      this.gateTimer = this.o.clock.setTimer(waitMs, () => {
        this.gateTimer = undefined;
        this.pump();
      });
    return false;
  }

  private publish(conn: Connection, m: OutgoingMessage): void {
    const key = `${m.seq}:${m.part}`;
    this.inFlight.set(key, this.monoMs());
    this.ackWatchdog ??= this.o.clock.setTimer(this.ackTimeoutMs, () => this.checkAcks(conn));
    this.counters.published++;
    conn.client.publish(m.topic, m.payload, m.options, (err) => {
      // A callback on a connection we already dropped only means "not acknowledged".
      if (this.conn !== conn || !this.inFlight.delete(key)) return;
      const open = this.openRows.get(m.seq);
      if (!err) {
        if (this.refusalsAlarmed.size > 0) this.clearRefusals(m.topic);
        if (open && --open.remaining === 0) {
          this.counters.acked++;
          this.markAckedSoon(m.seq);
        }
        this.pumpSoon();
        return;
      }
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') {
        this.counters.refused++;
        if (refusalFor(code) === 'dead-letter') {
          this.queue = this.queue.filter((q) => q.seq !== m.seq);
          this.openRows.delete(m.seq);
          if (open) this.deadLetter(open.row, reasonName(code));
          this.pump();
          return;
        }
        this.o.log.warn(
          { seq: m.seq, reasonCode: reasonName(code) },
          'broker refused a message; backing off',
        );
      }
      this.lost(conn, err.message);
    });
  }

  /**
   * Refills the window once the PUBACKs read in this turn of the event loop are all counted:
   * the freed slots then go out together in one socket write instead of one write each.
   */
  private pumpSoon(): void {
    this.pumpScheduled ??= setImmediate(() => {
      this.pumpScheduled = undefined;
      this.pump();
    });
  }

  /** At the oldest message's deadline: the link is dead if it is still unanswered, else the
   * watchdog waits for the next oldest. */
  private checkAcks(conn: Connection): void {
    this.ackWatchdog = undefined;
    if (this.conn !== conn) return;
    for (const [key, sentMs] of this.inFlight) {
      const overdue = this.monoMs() - sentMs;
      if (overdue >= this.ackTimeoutMs) {
        this.counters.ackTimeouts++;
        this.lost(conn, `no PUBACK for seq ${key.split(':')[0]} within ${this.ackTimeoutMs} ms`);
        return;
      }
      this.ackWatchdog = this.o.clock.setTimer(this.ackTimeoutMs - overdue, () =>
        this.checkAcks(conn),
      );
      return;
    }
  }

  private monoMs(): number {
    return Number(this.o.clock.monoNs() / 1_000_000n);
  }

  private clearRefusals(topic: string): void {
    for (const key of this.refusalsAlarmed)
      if (key.startsWith(`${topic} `)) this.refusalsAlarmed.delete(key);
  }

  /** Parks a row the broker will never accept, with an alarm that says which and why, and a
   * gap record so the consumer knows the seq will not come; the rest keeps flowing. */
  private deadLetter(row: OutboxRow, reason: string): void {
    if (this.state === 'stopped') return;
    const { store, clock } = this.o;
    const topic = this.topics.data(row.kind);
    // One alarm per topic and reason until that topic is accepted again: the alarm travels on
    // data/event, which may be refused too, and must not feed itself.
    const alarmKey = `${topic} ${reason}`;
    const raise = !this.refusalsAlarmed.has(alarmKey);
    this.refusalsAlarmed.add(alarmKey);
    store.transaction(() => {
      if (!store.outbox.deadLetter(row.seq, reason, clock.wallMs())) return;
      // A refused gap record is not explained by another gap record: that would loop.
      if (row.kind !== 'gap')
        store.gaps.record(
          {
            class: row.kind === 'event' ? 'event' : 'summary',
            reason: 'refused',
            from: null,
            to: null,
            rows: 1,
            seqs: [row.seq],
          },
          clock.wallMs(),
        );
      if (raise)
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

  /** Marks acknowledged rows in one transaction per few milliseconds rather than one each: a
   * draining backlog then writes each outbox page once per batch, not once per row (the store
   * keeps acked rows for replay, then purges them). Real time, not the gateway clock: this is
   * I/O batching, and a test's manual clock must not hold it up. */
  private markAckedSoon(seq: number): void {
    // After stop the store may be closed; the row stays and is sent again next time.
    if (this.state === 'stopped') return;
    this.ackedToMark.push(seq);
    if (this.ackedToMark.length >= ACK_FLUSH_ROWS) this.flushAcks();
    else this.ackFlushScheduled ??= setTimeout(() => this.flushAcks(), ACK_FLUSH_MS);
  }

  private flushAcks(): void {
    if (this.ackFlushScheduled) clearTimeout(this.ackFlushScheduled);
    this.ackFlushScheduled = undefined;
    if (this.ackedToMark.length === 0) return;
    const seqs = this.ackedToMark.splice(0);
    const now = this.o.clock.wallMs();
    if (!this.o.store.isOpen) return;
    this.o.store.relaxedTransaction(() => {
      for (const seq of seqs) this.o.store.outbox.markAcked(seq, now);
    });
    for (const seq of seqs) this.openRows.delete(seq);
  }

  private onMessage(
    conn: Connection,
    topic: string,
    payload: Buffer,
    packet: IPublishPacket,
  ): void {
    if (topic === this.topics.ack) {
      this.onAck(payload);
      return;
    }
    if (!topic.startsWith(this.topics.cmd(''))) return;
    this.counters.commands++;
    const props = packet.properties;
    const sig = props?.userProperties?.sig;
    void this.commands
      .handle({ topic, payload, sig: Array.isArray(sig) ? sig[0] : sig })
      .then((answer) => {
        if (this.conn !== conn || !conn.ready) return;
        const responseTopic = props?.responseTopic ?? `${topic}/result`;
        this.publishControl(conn, responseTopic, JSON.stringify(answer), {
          qos: 1,
          ...(props?.correlationData
            ? { properties: { correlationData: props.correlationData } }
            : {}),
        });
      });
  }

  /** The consumer's retained cursor: everything up to `seq` of `epoch` is stored there. */
  private onAck(payload: Buffer): void {
    if (payload.length === 0) return;
    let ack: { epoch?: unknown; seq?: unknown };
    try {
      ack = JSON.parse(payload.toString('utf8')) as { epoch?: unknown; seq?: unknown };
    } catch {
      this.o.log.warn({ topic: this.topics.ack }, 'ack cursor is not JSON; ignored');
      return;
    }
    const { store } = this.o;
    if (!store.isOpen || !store.outbox.consumerAckMode) return;
    // Another epoch's cursor (an old store's, or one moved aside) says nothing about this one.
    if (ack.epoch !== store.epoch || typeof ack.seq !== 'number' || !Number.isInteger(ack.seq))
      return;
    const seq = ack.seq;
    const deleted = store.transaction(() => store.outbox.ackedByConsumer(seq));
    if (deleted > 0) this.prefetch = this.prefetch.filter((r) => r.seq > seq);
    if (deleted > 0) this.o.log.debug({ through: seq, deleted }, 'consumer ack cursor moved');
  }

  private commandActions(): CommandActions {
    const refuse = (what: string): CommandResult => ({
      ok: false,
      reason: `${what} is not available on this gateway`,
    });
    return {
      replay: ({ epoch, from }) => {
        const { store } = this.o;
        if (epoch !== store.epoch)
          return { ok: false, reason: `epoch ${epoch} is not this store's (${store.epoch})` };
        this.flushAcks();
        this.dropPrefetch();
        const held = store.transaction(() => store.outbox.replayFrom(from));
        // Rows already on their way on this connection are not sent twice by the pump.
        this.pump();
        return {
          ok: true,
          result: {
            rows: held.rows,
            firstHeld: held.firstHeld,
            purgedThrough: store.outbox.purgedThrough(),
            head: store.outbox.headSeq(),
          },
        };
      },
      rebirth: () => {
        const conn = this.conn;
        if (!conn?.ready) return { ok: false, reason: 'not connected' };
        this.publishBirth(conn);
        return { ok: true };
      },
      'backfill-rate': ({ bytesPerS, msgsPerS }) => {
        const rates = { bytesPerS, msgsPerS: msgsPerS ?? this.bucket.current.msgsPerS };
        this.bucket.setRates(rates);
        this.pump();
        return { ok: true, result: { ...rates } };
      },
      'lamp-level': ({ device, level }) =>
        this.o.devices ? this.o.devices.setLampLevel(device, level) : refuse('lamp control'),
      'poll-interval': ({ device, ms }) =>
        this.o.devices ? this.o.devices.setPollInterval(device, ms) : refuse('poll control'),
      model: ({ name, action, bundle }) =>
        this.o.models ? this.o.models.model(name, action, bundle) : refuse('learned models'),
    };
  }

  /** A QoS 1 publish outside the outbox (status, birth, command answers), counted against the
   * broker's Receive Maximum and checked against its Maximum Packet Size. */
  private publishControl(
    conn: Connection,
    topic: string,
    body: string,
    options: IClientPublishOptions,
  ): void {
    const payload = Buffer.from(body);
    const size = publishPacketBytes(
      topic,
      payload.length,
      options,
      this.o.upstream.protocol === '5',
    );
    if (size > this.maxPacketBytes) {
      this.o.log.error(
        { topic, bytes: size, maxPacketBytes: this.maxPacketBytes },
        'message larger than the broker accepts; not sent',
      );
      return;
    }
    this.controlInFlight++;
    conn.client.publish(topic, payload, options, (err) => {
      if (this.conn !== conn) return;
      this.controlInFlight = Math.max(0, this.controlInFlight - 1);
      if (err) this.o.log.warn({ topic, err: err.message }, 'broker refused a control message');
      this.pump();
    });
  }

  private publishOnline(conn: Connection): void {
    const body = {
      online: true,
      gw: this.o.gatewayId,
      epoch: this.o.store.epoch,
      // The newest seq: a consumer that joins sees at once whether it is owed anything.
      head: this.o.store.outbox.headSeq(),
      boot: this.o.clock.bootId,
      since: this.o.clock.wallMs(),
    };
    this.publishControl(conn, this.topics.status, JSON.stringify(body), { qos: 1, retain: true });
  }

  private publishBirth(conn: Connection): void {
    const body = {
      v: 1,
      gw: this.o.gatewayId,
      epoch: this.o.store.epoch,
      sent: this.o.clock.wallMs(),
      encoding: this.o.upstream.encoding,
      ...(this.o.birth?.() ?? {}),
    };
    this.publishControl(conn, this.topics.birth, JSON.stringify(body), { qos: 1, retain: true });
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
