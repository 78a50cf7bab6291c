import mqtt, { type MqttClient } from 'mqtt';
import type { CrowdFlowRecord } from '../../runtime/crowd/crowd-flow.js';
import { unitSymbol } from '../../runtime/shared/units.js';

interface SummaryRecord {
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
}

interface EventRecord {
  kind: string;
  severity: string;
  data: { subject?: string; state?: string; evidence?: Record<string, unknown> };
}

interface Envelope {
  gw: string;
  seq: number;
  kind: string;
  recs: unknown[];
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
    if (env.kind === 'summary') this.received++;
    for (const line of describeMessage(env, now)) this.print(line);
  }
}

/** The lines a data message prints as: a summary as a small table, an event (an alarm) or a
 * crowd window as one line each, anything else (gaps) as its kind and size. */
export function describeMessage(env: Envelope, now: string): string[] {
  const head = `${now}  upstream ← ${env.gw} ${env.kind} seq ${String(env.seq)}`;
  if (env.kind === 'event')
    return (env.recs as EventRecord[]).map((e) => {
      const evidence = e.data.evidence ? ` ${JSON.stringify(e.data.evidence)}` : '';
      return `${head}: ${e.kind} ${e.data.state ?? ''} (${e.data.subject ?? '?'}, ${e.severity})${evidence}`;
    });
  if (env.kind === 'crowd')
    return (env.recs as CrowdFlowRecord[]).map(
      (c) =>
        `${head}: CrowdFlowObserved ${c.id}, window ${hhmmss(c.t0)}Z + ${c.w}: up to ${String(c.peopleCountMax)} people (mean ${c.peopleCountAvg.toFixed(1)}), ${c.densityMax.toFixed(2)} per m², level of service ${c.levelOfService}${c.congested ? ', congested' : ''}`,
    );
  if (env.kind !== 'summary') return [`${head}, ${String(env.recs.length)} records`];
  const recs = env.recs as SummaryRecord[];
  const first = recs[0];
  const window = first ? `window ${hhmmss(first.t0)}Z + ${first.w}` : 'no records';
  return [
    `${head}, ${window}, ${String(recs.length)} records:`,
    ...recs.map(
      (r) =>
        `            ${r.dev} ${r.m.padEnd(14)} mean ${fmt(r.mean).padStart(9)} ${unitSymbol(r.u).padEnd(4)} min ${fmt(r.min).padStart(9)}  max ${fmt(r.max).padStart(9)}  n ${String(r.n)}`,
    ),
  ];
}
