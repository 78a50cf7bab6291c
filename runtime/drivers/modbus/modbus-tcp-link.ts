import { Socket } from 'node:net';
import modbusSerial from 'modbus-serial';
import type { RegisterKind } from '../../devices/profile-schema.js';

// modbus-serial is CommonJS; under Node's ESM interop its class is the module's `default`.
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

/** Why a transaction failed, as the scheduler needs to know it. */
export type ModbusFailure =
  { kind: 'timeout' } | { kind: 'exception'; code: number } | { kind: 'link'; message: string };

export class ModbusError extends Error {
  constructor(readonly failure: ModbusFailure) {
    super(
      failure.kind === 'timeout'
        ? 'no answer in time'
        : failure.kind === 'exception'
          ? `exception ${failure.code}`
          : failure.message,
    );
    this.name = 'ModbusError';
  }
}

function classify(err: unknown): ModbusFailure {
  const e = err as { modbusCode?: number; errno?: string; code?: string; message?: string };
  if (typeof e.modbusCode === 'number') return { kind: 'exception', code: e.modbusCode };
  if (e.errno === 'ETIMEDOUT' || e.message === 'Timed out') return { kind: 'timeout' };
  return { kind: 'link', message: e.message ?? String(err) };
}

/**
 * One Modbus TCP connection, one transaction at a time. The socket is ours (modbus-serial runs
 * on top of it), so closing it is awaited to the end and leaves no handle behind, and a read
 * in flight when the link drops is settled rather than left hanging.
 */
export class ModbusTcpLink {
  private socket?: Socket;
  private client?: ModbusClient;
  private closedReject?: (err: ModbusError) => void;
  private closedPromise?: Promise<never>;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  async connect(): Promise<void> {
    await this.close();
    const socket = new Socket();
    this.socket = socket;
    this.closedPromise = new Promise<never>((_, reject) => {
      this.closedReject = reject;
    });
    this.closedPromise.catch(() => undefined);
    socket.once('close', () =>
      this.closedReject?.(new ModbusError({ kind: 'link', message: 'connection closed' })),
    );
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
    client.setTimeout(this.timeoutMs);
    this.client = client;
  }

  /** Reads `count` registers and returns their bytes as they came off the wire. */
  async read(
    register: RegisterKind,
    unitId: number,
    address: number,
    count: number,
  ): Promise<Buffer> {
    const client = this.client;
    if (!client || !this.closedPromise || !this.isOpen)
      throw new ModbusError({ kind: 'link', message: 'not connected' });
    client.setID(unitId);
    const request =
      register === 'input'
        ? client.readInputRegisters(address, count)
        : client.readHoldingRegisters(address, count);
    try {
      const result = await Promise.race([request, this.closedPromise]);
      return result.buffer;
    } catch (err) {
      if (err instanceof ModbusError) throw err;
      throw new ModbusError(classify(err));
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    const client = this.client;
    this.socket = undefined;
    this.client = undefined;
    if (client) client.destroy(() => undefined); // cancels modbus-serial's transaction timers
    if (!socket) return;
    if (!socket.destroyed || !socket.closed) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      if (!socket.closed) await closed;
    }
  }
}
