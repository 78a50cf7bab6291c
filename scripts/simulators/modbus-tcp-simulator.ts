import { createServer, type Server, type Socket } from 'node:net';
import { distort, FaultInjector, type FaultKind } from './faults.js';
import { slaveAnswer } from './modbus-frames.js';
import type { RegisterDevice } from './register-device.js';

export interface ModbusTcpSimulatorOptions {
  host?: string;
  /** 0 for a free port (see `port` after start). */
  port: number;
  devices: readonly RegisterDevice[];
  faults?: FaultInjector;
}

/** Faults that exist on a TCP stream; CRCs belong to serial lines. */
export const TCP_FAULTS: readonly FaultKind[] = [
  'silence',
  'late',
  'exception',
  'garbage',
  'truncated',
];

/**
 * A Modbus TCP server (MBAP framing) for one or more unit ids: a meter with an Ethernet port,
 * or a TCP-to-RS485 gateway with several devices behind it. A unit id it does not host gets no
 * answer, as behind a real gateway whose slave is dead. Injects the faults in TCP_FAULTS.
 */
export class ModbusTcpSimulator {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly devices: Map<number, RegisterDevice>;
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly faults: FaultInjector;
  requests = 0;
  connections = 0;
  port: number;

  constructor(private readonly o: ModbusTcpSimulatorOptions) {
    this.devices = new Map(o.devices.map((d) => [d.unitId, d]));
    this.faults = o.faults ?? new FaultInjector();
    this.port = o.port;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address !== 'string') this.port = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private serve(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 7) {
        const length = buf.readUInt16BE(4);
        if (buf.length < 6 + length) break;
        const adu = buf.subarray(0, 6 + length);
        buf = buf.subarray(6 + length);
        this.answer(socket, adu);
      }
    });
  }

  private answer(socket: Socket, adu: Buffer): void {
    this.requests++;
    const unitId = adu[6] ?? 0;
    const answer = slaveAnswer(this.devices, unitId, adu.subarray(7), this.faults);
    if (!answer) return;
    const { pdu, fault } = answer;
    const header = Buffer.alloc(7);
    adu.copy(header, 0, 0, 4); // transaction and protocol ids
    header.writeUInt16BE(pdu.length + 1, 4);
    header[6] = unitId;
    // TCP has no checksum to break: `bad-crc` is not among TCP_FAULTS.
    const out = distort(Buffer.concat([header, pdu]), fault, (frame) => frame);
    const send = (): void => {
      if (!socket.destroyed) socket.write(out);
    };
    if (fault?.kind === 'late') this.later(fault.lateMs ?? 2000, send);
    else send();
  }
}
