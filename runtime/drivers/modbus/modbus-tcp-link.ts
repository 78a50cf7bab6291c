import { Socket } from 'node:net';
import type { RegisterKind } from '../../devices/profile-schema.js';
import { CloseSignal } from './close-signal.js';
import { clientRead, ModbusRTU, type ModbusClient } from './modbus-client.js';
import { ModbusError, type ModbusLink } from './modbus-link.js';

/**
 * One Modbus TCP connection, one transaction at a time. The socket is ours (modbus-serial runs
 * on top of it), so closing it is awaited to the end and leaves no handle behind, and a read in
 * flight when the link drops is settled rather than left hanging.
 */
export class ModbusTcpLink implements ModbusLink {
  readonly description: string;
  readonly silentIntervalMs = 0;
  // MBAP transaction ids tell answers apart, so a late answer cannot be mistaken.
  readonly lateReplyGuardMs = 0;
  readonly lastActivity = 0;
  private socket?: Socket;
  private client?: ModbusClient;
  private closeSignal = new CloseSignal();

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.description = `tcp ${host}:${port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  async connect(): Promise<void> {
    await this.close();
    const socket = new Socket();
    const signal = new CloseSignal();
    this.socket = socket;
    this.closeSignal = signal;
    socket.once('close', () => signal.fire('connection closed'));
    socket.on('error', () => undefined); // reported through 'close' and the failed transaction
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new ModbusError({
            kind: 'link',
            message: `connect to ${this.host}:${this.port} timed out`,
          }),
        );
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(
          new ModbusError({ kind: 'link', message: `cannot connect to ${this.host}:${this.port}` }),
        );
      });
      socket.connect({ host: this.host, port: this.port });
    });
    socket.setNoDelay(true);
    const client = new ModbusRTU();
    await client.connectTCP(this.host, { port: this.port, socket });
    this.client = client;
  }

  async read(
    register: RegisterKind,
    unitId: number,
    address: number,
    count: number,
    timeoutMs?: number,
  ): Promise<Buffer> {
    const client = this.client;
    if (!client || !this.isOpen) throw new ModbusError({ kind: 'link', message: 'not connected' });
    return clientRead(client, this.closeSignal, {
      register,
      unitId,
      address,
      count,
      timeoutMs: timeoutMs ?? this.timeoutMs,
    });
  }

  transactionTimeoutMs(): number {
    return this.timeoutMs;
  }

  minimumTimeoutMs(): number {
    return Math.min(this.timeoutMs, 50);
  }

  /** After a timeout the MBAP stream may hold half an answer; only a new connection is sure to
   * be aligned again. A failed reconnect shows up as a lost link on the next read. */
  async recover(): Promise<void> {
    try {
      await this.connect();
    } catch {
      await this.close();
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    const client = this.client;
    this.socket = undefined;
    this.client = undefined;
    this.closeSignal.fire('connection closed');
    if (client) client.destroy(() => undefined); // cancels modbus-serial's transaction timers
    if (!socket || socket.closed) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.destroy();
    await closed;
  }
}
