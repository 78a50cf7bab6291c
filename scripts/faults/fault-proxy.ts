/**
 * A TCP proxy that sits between the gateway and the broker and misbehaves on request, so the
 * sync tests can produce the failures of a real cellular link: a reset in the middle of a
 * backlog, a half-open connection that nobody notices, a slow or lossy line, a broker that
 * stops answering PUBACKs. It forwards bytes unchanged unless told otherwise; for packet faults
 * it reads the MQTT framing (fixed header and remaining length) of each direction, so it can
 * drop whole packets without corrupting the stream.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

export type Direction = 'up' | 'down';

/** MQTT control packet types by number (the high nibble of the first byte). */
export const MQTT_PACKET = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  SUBSCRIBE: 8,
  SUBACK: 9,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

/** Decides per packet: true drops it. `up` is client → broker, `down` broker → client. */
export type PacketFilter = (direction: Direction, type: number, packet: Buffer) => boolean;

export interface FaultProxyStats {
  connections: number;
  open: number;
  bytesUp: number;
  bytesDown: number;
  packetsDropped: number;
  refused: number;
}

interface Pipe {
  client: Socket;
  server: Socket;
  /** Unparsed bytes per direction, kept only while a packet filter is set. */
  partial: Record<Direction, Buffer>;
  /** When each direction's line is next free (bandwidth pacing and delay keep order). */
  freeAt: Record<Direction, number>;
}

export class FaultProxy {
  private server?: Server;
  private readonly pipes = new Set<Pipe>();
  private blackholed = false;
  private accepting = true;
  private delayMs = 0;
  private bytesPerS = 0;
  private filter?: PacketFilter;
  readonly stats: FaultProxyStats = {
    connections: 0,
    open: 0,
    bytesUp: 0,
    bytesDown: 0,
    packetsDropped: 0,
    refused: 0,
  };

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on a free loopback port and forwards to `targetHost:targetPort`. */
  static async start(targetHost: string, targetPort: number, port = 0): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort);
    const server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    proxy.server = server;
    return proxy;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Closes every connection with a TCP reset, as a NAT box or a modem restart does. */
  reset(): void {
    for (const p of this.pipes) {
      p.client.resetAndDestroy();
      p.server.destroy();
    }
  }

  /** Silently swallows everything both ways, without closing anything: a half-open link. */
  blackhole(on: boolean): void {
    this.blackholed = on;
  }

  /** Refuses new connections (accepted, then reset at once) while false. */
  setAccepting(on: boolean): void {
    this.accepting = on;
  }

  /** Holds every chunk this long before forwarding it (order is kept). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Caps each direction at this many bytes per second (0: no cap). */
  setBandwidth(bytesPerS: number): void {
    this.bytesPerS = bytesPerS;
  }

  /** Drops the MQTT packets the filter picks; undefined forwards everything. */
  setPacketFilter(filter: PacketFilter | undefined): void {
    this.filter = filter;
  }

  async stop(): Promise<void> {
    for (const p of this.pipes) {
      p.client.destroy();
      p.server.destroy();
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (!this.accepting) {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    this.stats.connections++;
    this.stats.open++;
    const server = new Socket();
    const pipe: Pipe = {
      client,
      server,
      partial: { up: Buffer.alloc(0), down: Buffer.alloc(0) },
      freeAt: { up: 0, down: 0 },
    };
    this.pipes.add(pipe);
    client.setNoDelay(true);
    server.setNoDelay(true);
    const close = (): void => {
      if (!this.pipes.delete(pipe)) return;
      this.stats.open--;
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
    client.on('close', close);
    server.on('close', close);
    client.on('data', (chunk: Buffer) => this.forward(pipe, 'up', chunk));
    server.on('data', (chunk: Buffer) => this.forward(pipe, 'down', chunk));
    server.connect(this.targetPort, this.targetHost);
  }

  private forward(pipe: Pipe, direction: Direction, chunk: Buffer): void {
    if (this.blackholed) return;
    const out = this.filter ? this.filterPackets(pipe, direction, chunk) : chunk;
    if (out.length === 0) return;
    const target = direction === 'up' ? pipe.server : pipe.client;
    if (direction === 'up') this.stats.bytesUp += out.length;
    else this.stats.bytesDown += out.length;
    const now = performance.now();
    const wire = this.bytesPerS > 0 ? (out.length / this.bytesPerS) * 1000 : 0;
    const start = Math.max(now + this.delayMs, pipe.freeAt[direction]);
    pipe.freeAt[direction] = start + wire;
    const due = start + wire - now;
    if (due <= 0) {
      target.write(out);
      return;
    }
    setTimeout(() => {
      if (!target.destroyed) target.write(out);
    }, due);
  }

  /** Splits a direction's stream into MQTT packets and keeps the ones the filter passes. */
  private filterPackets(pipe: Pipe, direction: Direction, chunk: Buffer): Buffer {
    let buf = Buffer.concat([pipe.partial[direction], chunk]);
    const kept: Buffer[] = [];
    for (;;) {
      const length = packetLength(buf);
      if (length === undefined || buf.length < length) break;
      const packet = buf.subarray(0, length);
      buf = buf.subarray(length);
      const type = (packet[0] ?? 0) >> 4;
      if (this.filter?.(direction, type, packet)) this.stats.packetsDropped++;
      else kept.push(packet);
    }
    pipe.partial[direction] = Buffer.from(buf);
    return Buffer.concat(kept);
  }
}

/** Total length of the MQTT packet at the start of `buf`, or undefined while the fixed header
 * is incomplete (remaining length: a varint of up to four bytes after the first byte). */
export function packetLength(buf: Buffer): number | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 1; i <= 4; i++) {
    const b = buf[i];
    if (b === undefined) return undefined;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return 1 + i + value;
    scale *= 128;
  }
  throw new Error('malformed MQTT remaining length (more than four bytes)');
}
