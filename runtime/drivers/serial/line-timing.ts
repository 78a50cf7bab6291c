/**
 * Time on a serial line. One character is a start bit, 8 data bits, an optional parity bit and
 * 1 or 2 stop bits. Modbus RTU separates frames by at least 3.5 character times of silence; above
 * 19200 baud the spec fixes that gap at 1.75 ms. The scheduler, the simulators and the bus
 * benchmark all use these functions, so the limit the benchmark reports is the one the
 * simulator imposes.
 */
export type Parity = 'none' | 'even' | 'odd';

export interface LineSettings {
  baudRate: number;
  parity: Parity;
  stopBits: 1 | 2;
}

export function bitsPerChar(line: LineSettings): number {
  return 1 + 8 + (line.parity === 'none' ? 0 : 1) + line.stopBits;
}

/** Milliseconds to send `bytes` characters. */
export function wireMs(line: LineSettings, bytes: number): number {
  return (bytes * bitsPerChar(line) * 1000) / line.baudRate;
}

/** The minimum silence between two Modbus RTU frames, ms. */
export function silentIntervalMs(line: LineSettings): number {
  return line.baudRate > 19200 ? 1.75 : wireMs(line, 3.5);
}

/** Bytes of an RTU request and of its normal response for reading `count` registers. */
export function rtuReadBytes(count: number): { request: number; response: number } {
  return { request: 8, response: 5 + 2 * count };
}

/** Wire time of one RTU read transaction: request, gap, response, gap. */
export function rtuReadTransactionMs(line: LineSettings, count: number): number {
  const { request, response } = rtuReadBytes(count);
  return wireMs(line, request + response) + 2 * silentIntervalMs(line);
}
