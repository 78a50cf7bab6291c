import mqtt, { type MqttClient } from 'mqtt';
import type { SummaryRecord } from '../../runtime/windows/summary-records.js';

export interface ReceivedEnvelope {
  v: number;
  gw: string;
  epoch: string;
  seq: number;
  kind: string;
  sent: number;
  recs: SummaryRecord[];
}

/** The record key a consumer upserts on. */
export const recordKey = (gw: string, r: SummaryRecord): string =>
  `${gw}|${r.dev}|${r.m}|${r.w}|${r.t0}`;

/**
 * A minimal consumer for tests: subscribes to summaries, keeps every message, and upserts every
 * record by its key, remembering whether a duplicate ever differed from the first copy.
 */
export class SummaryCollector {
  readonly envelopes: ReceivedEnvelope[] = [];
  readonly byKey = new Map<string, SummaryRecord>();
  readonly conflicts: string[] = [];
  readonly properties: { contentType?: string; userProperties?: Record<string, unknown> }[] = [];
  private client?: MqttClient;
  private subscribed = false;

  constructor(
    private readonly url: string,
    private readonly topic: string,
  ) {}

  static async start(url: string, topic = 'egw/v1/+/data/summary'): Promise<SummaryCollector> {
    const collector = new SummaryCollector(url, topic);
    await collector.connect();
    return collector;
  }

  get ready(): boolean {
    return this.subscribed;
  }

  private async connect(): Promise<void> {
    const client = mqtt.connect(this.url, {
      protocolVersion: 5,
      clientId: `collector-${process.pid}-${Math.random().toString(16).slice(2)}`,
      reconnectPeriod: 100,
    });
    this.client = client;
    client.on('close', () => {
      this.subscribed = false;
    });
    // A clean session loses its subscription with the broker: subscribe on every connect.
    client.on('connect', () => {
      client.subscribe(this.topic, { qos: 1 }, (err) => {
        if (!err) this.subscribed = true;
      });
    });
    client.on('message', (_topic, payload, packet) => {
      const env = JSON.parse(payload.toString()) as ReceivedEnvelope;
      this.envelopes.push(env);
      this.properties.push({
        contentType: packet.properties?.contentType,
        userProperties: packet.properties?.userProperties,
      });
      for (const r of env.recs) {
        const key = recordKey(env.gw, r);
        const seen = this.byKey.get(key);
        if (seen && JSON.stringify(seen) !== JSON.stringify(r)) this.conflicts.push(key);
        if (!seen || r.rev >= seen.rev) this.byKey.set(key, r);
      }
    });
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.subscribed) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
  }

  /** Distinct window starts received for one device point. */
  t0s(dev: string, m: string): number[] {
    return [...this.byKey.values()]
      .filter((r) => r.dev === dev && r.m === m)
      .map((r) => r.t0)
      .sort((a, b) => a - b);
  }

  recordsReceived(): number {
    return this.envelopes.reduce((n, e) => n + e.recs.length, 0);
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}
