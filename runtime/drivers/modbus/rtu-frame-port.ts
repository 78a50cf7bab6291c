import { EventEmitter } from 'node:events';
import type { SerialPort } from 'serialport';
import { serialPort } from '../serial/serial-port.js';
import { crc16Modbus } from './crc16.js';
import { silentIntervalMs, type LineSettings } from '../serial/line-timing.js';

const EXCEPTION_LENGTH = 5;
const MAX_BUFFER = 512;

/**
 * The serial port under modbus-serial's RTU client: it writes requests and hands back whole
 * response frames. What it adds to modbus-serial's own buffered port:
 * - it drops whatever is still in the buffer when a request goes out (a late answer to the last
 *   request must not be taken for the answer to this one);
 * - it skips noise before a frame (and counts it), preferring a candidate whose CRC is good;
 * - a frame with a bad CRC is handed on only once the line has been silent for 3.5 characters,
 *   as RTU framing says a frame ends, so modbus-serial reports it as a CRC error;
 * - it remembers when the last byte arrived, for the silent interval before the next request.
 */
export class RtuFramePort extends EventEmitter {
  private readonly port: SerialPort;
  private buffer = Buffer.alloc(0);
  private expect?: { unitId: number; fc: number; length: number };
  private quietTimer?: NodeJS.Timeout;
  private readonly quietMs: number;
  /** performance.now() of the last byte received or sent. */
  lastActivity = 0;
  noiseBytes = 0;
  staleBytes = 0;
  // modbus-serial keys its transactions on these.
  _transactionIdRead = 1;
  _transactionIdWrite = 1;

  constructor(path: string, line: LineSettings) {
    super();
    this.quietMs = silentIntervalMs(line);
    this.port = serialPort(path, line);
    this.port.on('data', (chunk: Buffer) => this.onData(chunk));
    this.port.on('error', (err: Error) => this.emit('error', err));
    this.port.on('close', () => this.emit('close'));
  }

  get isOpen(): boolean {
    return this.port.isOpen;
  }

  /** Bytes received for the current request that have not made a frame yet. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  open(callback: (err?: Error | null) => void): void {
    this.port.open((err) => callback(err));
  }

  close(callback?: (err?: Error | null) => void): void {
    clearTimeout(this.quietTimer);
    if (!this.port.isOpen) {
      callback?.(null);
      return;
    }
    this.port.close((err) => callback?.(err));
  }

  write(data: Buffer): void {
    clearTimeout(this.quietTimer);
    this.staleBytes += this.buffer.length;
    this.buffer = Buffer.alloc(0);
    const unitId = data[0] ?? 0;
    const fc = data[1] ?? 0;
    this.expect = { unitId, fc, length: expectedLength(data) };
    this.lastActivity = performance.now();
    this.port.write(data);
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = performance.now();
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_BUFFER) this.buffer = this.buffer.subarray(-MAX_BUFFER);
    this.tryEmit(false);
  }

  /** Finds the answer in the buffer. With `lineQuiet`, a complete frame with a bad CRC is
   * handed on as it is (the answer was corrupted). */
  private tryEmit(lineQuiet: boolean): void {
    const want = this.expect;
    if (!want) return;
    let firstComplete: { start: number; length: number } | undefined;
    for (let i = 0; i + 1 < this.buffer.length; i++) {
      if (this.buffer[i] !== want.unitId) continue;
      const fc = this.buffer[i + 1] ?? 0;
      const length = fc === want.fc ? want.length : fc === (want.fc | 0x80) ? EXCEPTION_LENGTH : 0;
      if (length === 0 || i + length > this.buffer.length) continue;
      const frame = this.buffer.subarray(i, i + length);
      const crc = crc16Modbus(frame.subarray(0, length - 2));
      if (frame.readUInt16LE(length - 2) === crc) {
        this.deliver(i, length);
        return;
      }
      firstComplete ??= { start: i, length };
    }
    if (!firstComplete) return;
    if (lineQuiet) {
      this.deliver(firstComplete.start, firstComplete.length);
      return;
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.tryEmit(true), Math.max(1, this.quietMs));
  }

  private deliver(start: number, length: number): void {
    clearTimeout(this.quietTimer);
    this.noiseBytes += start;
    const frame = Buffer.from(this.buffer.subarray(start, start + length));
    this.buffer = Buffer.alloc(0);
    this.expect = undefined;
    this.emit('data', frame);
  }
}

/** Length of a normal answer to an RTU request. */
function expectedLength(request: Buffer): number {
  const fc = request[1] ?? 0;
  switch (fc) {
    case 1:
    case 2:
      return 5 + Math.ceil(request.readUInt16BE(4) / 8);
    case 3:
    case 4:
      return 5 + 2 * request.readUInt16BE(4);
    case 5:
    case 6:
    case 15:
    case 16:
      return 8;
    default:
      return 0;
  }
}
