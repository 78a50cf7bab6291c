import type { RegisterKind } from '../../devices/profile-schema.js';
import {
  rtuReadBytes,
  silentIntervalMs,
  wireMs,
  type LineSettings,
} from '../serial/line-timing.js';
import { clientRead, ModbusRTU, type ModbusClient } from './modbus-client.js';
import { ModbusError, type ModbusLink } from './modbus-link.js';
import { CloseSignal } from './close-signal.js';
import { RtuFramePort } from './rtu-frame-port.js';

/** How long a healthy slave takes to start answering (typical meters: 5–50 ms). */
const FAST_ANSWER_MS = 50;

/** Modbus RTU over a serial line (RS-485 adapter, or a pseudo-terminal in tests). modbus-serial
 * builds the requests and checks CRCs and exceptions; RtuFramePort does the framing. */
export class ModbusRtuLink implements ModbusLink {
  readonly description: string;
  readonly silentIntervalMs: number;
  readonly lateReplyGuardMs: number;
  private client?: ModbusClient;
  private port?: RtuFramePort;
  private closeSignal = new CloseSignal();

  constructor(
    readonly path: string,
    readonly line: LineSettings,
    private readonly timeoutMs: number,
  ) {
    const parity = line.parity === 'none' ? 'N' : line.parity === 'even' ? 'E' : 'O';
    this.description = `${path} ${line.baudRate} 8${parity}${line.stopBits}`;
    this.silentIntervalMs = silentIntervalMs(line);
    // A slave that answers late answers within about its own processing time; a fifth of the
    // timeout (at least 20 ms) covers the simulators' and real meters' late replies.
    this.lateReplyGuardMs = Math.max(20, timeoutMs / 5);
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** Noise and stale bytes seen on the line so far. */
  get lineStats(): { noiseBytes: number; staleBytes: number } {
    return { noiseBytes: this.port?.noiseBytes ?? 0, staleBytes: this.port?.staleBytes ?? 0 };
  }

  /** When the line was last busy (performance.now()), for the silent interval. */
  get lastActivity(): number {
    return this.port?.lastActivity ?? 0;
  }

  async connect(): Promise<void> {
    await this.close();
    const port = new RtuFramePort(this.path, this.line);
    const signal = new CloseSignal();
    this.closeSignal = signal;
    port.on('error', () => undefined); // surfaced as failed transactions and a closed port
    port.on('close', () => signal.fire(`${this.path} closed`));
    const client = new ModbusRTU(port);
    await new Promise<void>((resolve, reject) => {
      client.open((err: unknown) => {
        if (err)
          reject(
            new ModbusError({
              kind: 'link',
              message: `cannot open ${this.path}: ${(err as Error).message}`,
            }),
          );
        else resolve();
      });
    });
    this.port = port;
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
    const port = this.port;
    if (!client || !port?.isOpen)
      throw new ModbusError({ kind: 'link', message: `${this.path} is not open` });
    const timeout = timeoutMs ?? this.transactionTimeoutMs(count);
    return clientRead(
      client,
      this.closeSignal,
      { register, unitId, address, count, timeoutMs: timeout },
      (failure) => {
        if (!port.isOpen) return { kind: 'link', message: `${this.path} closed` };
        // Bytes that never made a frame: a truncated answer, not silence.
        if (failure.kind === 'timeout' && port.pendingBytes > 0)
          return { kind: 'framing', bytes: port.pendingBytes };
        return failure;
      },
    );
  }

  /** The device's own allowance plus the time the request and answer spend on the wire. */
  transactionTimeoutMs(count: number): number {
    const { request, response } = rtuReadBytes(count);
    return Math.ceil(
      this.timeoutMs + wireMs(this.line, request + response) + this.silentIntervalMs,
    );
  }

  minimumTimeoutMs(count: number): number {
    const { request, response } = rtuReadBytes(count);
    return Math.ceil(
      FAST_ANSWER_MS + wireMs(this.line, request + response) + this.silentIntervalMs,
    );
  }

  /** A late answer may still be on its way: give it time to pass (the port drops it). */
  async recover(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(this.lateReplyGuardMs)));
  }

  async close(): Promise<void> {
    const port = this.port;
    const client = this.client;
    this.port = undefined;
    this.client = undefined;
    this.closeSignal.fire(`${this.path} closed`);
    if (!port) return;
    client?.destroy(() => undefined); // cancels modbus-serial's transaction timers
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
