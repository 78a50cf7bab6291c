import type { RegisterKind } from '../../devices/profile-schema.js';

/** Why a transaction failed, as the scheduler and the device counters need to know it. */
export type ModbusFailure =
  | { kind: 'timeout' }
  | { kind: 'exception'; code: number }
  | { kind: 'crc' }
  /** Bytes arrived but never made a whole frame (truncated, or noise). */
  | { kind: 'framing'; bytes: number }
  | { kind: 'link'; message: string };

export class ModbusError extends Error {
  constructor(readonly failure: ModbusFailure) {
    super(describeFailure(failure));
    this.name = 'ModbusError';
  }
}

export function describeFailure(f: ModbusFailure): string {
  switch (f.kind) {
    case 'timeout':
      return 'no answer in time';
    case 'exception':
      return `exception ${f.code}${EXCEPTION_NAMES[f.code] ? ` (${EXCEPTION_NAMES[f.code]})` : ''}`;
    case 'crc':
      return 'answer with a bad CRC';
    case 'framing':
      return `incomplete answer (${f.bytes} bytes)`;
    case 'link':
      return f.message;
  }
}

export const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'slave device failure',
  5: 'acknowledge',
  6: 'slave device busy',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** Classifies an error thrown by modbus-serial. */
export function classifyModbusSerialError(err: unknown): ModbusFailure {
  const e = err as { modbusCode?: number; errno?: string; message?: string };
  if (typeof e.modbusCode === 'number') return { kind: 'exception', code: e.modbusCode };
  if (e.errno === 'ETIMEDOUT' || e.message === 'Timed out') return { kind: 'timeout' };
  if (e.message === 'CRC error') return { kind: 'crc' };
  if (e.message?.startsWith('Data length error')) return { kind: 'framing', bytes: 0 };
  return { kind: 'link', message: e.message ?? String(err) };
}

/**
 * One physical path to Modbus devices: a TCP connection or a serial line. One transaction at a
 * time; the scheduler above it decides which and when.
 */
export interface ModbusLink {
  /** For logs and the status page: `tcp 10.0.0.20:502`, `/dev/ttyUSB0 9600 8N1`. */
  readonly description: string;
  readonly isOpen: boolean;
  /** Silence the line needs between transactions, ms (the RTU 3.5-character gap; 0 on TCP). */
  readonly silentIntervalMs: number;
  /** After a timeout, how long to leave for a late answer to pass before the next request, so
   * it cannot be taken for the answer to that request. */
  readonly lateReplyGuardMs: number;
  /** The longest a read of `count` registers may take before it counts as unanswered. */
  transactionTimeoutMs(count: number): number;
  /** Puts the link back in a known state after a timeout or a corrupted answer. */
  recover(): Promise<void>;
  /** performance.now() of the last byte on the line (0 where the line needs no silence). */
  readonly lastActivity: number;
  connect(): Promise<void>;
  /** The shortest timeout worth trying: the wire time plus a fast device's answer time. */
  minimumTimeoutMs(count: number): number;
  /** Reads `count` registers; returns their bytes as they came off the wire. Throws ModbusError.
   * `timeoutMs` overrides transactionTimeoutMs for this read (a probe squeezed into free time). */
  read(
    register: RegisterKind,
    unitId: number,
    address: number,
    count: number,
    timeoutMs?: number,
  ): Promise<Buffer>;
  close(): Promise<void>;
}
