import mqtt, { type MqttClient } from 'mqtt';
import { unitSymbol } from '../../runtime/shared/units.js';

interface Envelope {
  gw: string;
  seq: number;
  kind: string;
  recs: {
    dev: string;
    m: string;
    u: string;
    w: string;
    t0: number;
    n: number;
    min: number | null;
    max: number | null;
    mean: number | null;
    last: number | null;
  }[];
}

const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

function fmt(v: number | null): string {
  if (v === null) return '—';
  const abs = Math.abs(v);
  return abs !== 0 && abs < 0.01 ? v.toExponential(2) : v.toFixed(abs >= 100 ? 1 : 3);
}

/** The demo's stand-in for a central platform: subscribes to what the gateway publishes and
 * prints each summary message as a small table. */
export class UpstreamPrinter {
  private client?: MqttClient;
  received = 0;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly protocolVersion: 4 | 5,
    private readonly print: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(this.url, {
      protocolVersion: this.protocolVersion,
      clientId: `edge-gw-demo-printer-${process.pid}`,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('message', (topic, payload) => this.show(topic, payload));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync([`${this.prefix}/+/data/#`, `${this.prefix}/+/status`], { qos: 1 });
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }

  private show(topic: string, payload: Buffer): void {
    const now = hhmmss(Date.now());
    if (topic.endsWith('/status')) {
      const status = JSON.parse(payload.toString()) as {
        online: boolean;
        gw: string;
        reason?: string;
      };
      this.print(
        `${now}  upstream ← ${status.gw} is ${status.online ? 'online' : `offline (${status.reason ?? 'unknown'})`}`,
      );
      return;
    }
    let env: Envelope;
    try {
      env = JSON.parse(payload.toString()) as Envelope;
    } catch {
      this.print(`${now}  upstream ← ${topic}: ${payload.length} bytes that are not JSON`);
      return;
    }
    this.received++;
    const first = env.recs[0];
    const window = first ? `window ${hhmmss(first.t0)}Z + ${first.w}` : 'no records';
    this.print(
      `${now}  upstream ← ${env.gw} ${env.kind} seq ${env.seq}, ${window}, ${env.recs.length} records:`,
    );
    for (const r of env.recs) {
      const unit = unitSymbol(r.u);
      this.print(
        `            ${r.dev} ${r.m.padEnd(14)} mean ${fmt(r.mean).padStart(9)} ${unit.padEnd(4)} min ${fmt(r.min).padStart(9)}  max ${fmt(r.max).padStart(9)}  n ${r.n}`,
      );
    }
  }
}
