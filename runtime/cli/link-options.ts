import { ModbusRtuLink } from '../drivers/modbus/modbus-rtu-link.js';
import { ModbusTcpLink } from '../drivers/modbus/modbus-tcp-link.js';
import type { ModbusLink } from '../drivers/modbus/modbus-link.js';
import type { LineSettings, Parity } from '../drivers/serial/line-timing.js';

/** Where a command reaches a device: `--tcp host:port`, or `--serial PATH` with line settings. */
export interface LinkOptions {
  tcp?: string;
  serial?: string;
  baud?: string;
  parity?: string;
  stopBits?: string;
  timeout?: string;
}

export class UsageError extends Error {}

export function lineSettings(o: LinkOptions, defaultBaud: number): LineSettings {
  const baudRate = o.baud === undefined ? defaultBaud : Number(o.baud);
  if (!Number.isInteger(baudRate) || baudRate < 300)
    throw new UsageError(`--baud ${o.baud}: not a baud rate (e.g. 9600)`);
  const parity = (o.parity ?? 'none') as Parity;
  if (!['none', 'even', 'odd'].includes(parity))
    throw new UsageError(`--parity ${o.parity}: allowed none, even, odd`);
  const stopBits = Number(o.stopBits ?? 1);
  if (stopBits !== 1 && stopBits !== 2)
    throw new UsageError(`--stop-bits ${o.stopBits}: allowed 1 or 2`);
  return { baudRate, parity, stopBits };
}

export function timeoutOption(o: LinkOptions, fallback: number): number {
  const ms = o.timeout === undefined ? fallback : Number(o.timeout);
  if (!Number.isInteger(ms) || ms < 10 || ms > 60_000)
    throw new UsageError(`--timeout ${o.timeout}: allowed 10 to 60000 ms`);
  return ms;
}

/** The Modbus link the options describe; exactly one of --tcp and --serial. */
export function modbusLinkFrom(
  o: LinkOptions,
  defaults: { baud: number; timeoutMs: number },
): ModbusLink {
  if (Boolean(o.tcp) === Boolean(o.serial))
    throw new UsageError('give exactly one of --tcp HOST:PORT and --serial PATH');
  const timeoutMs = timeoutOption(o, defaults.timeoutMs);
  if (o.tcp) {
    const m = /^([^:]+):(\d{1,5})$/.exec(o.tcp);
    const port = Number(m?.[2]);
    if (!m?.[1] || !(port >= 1 && port <= 65535))
      throw new UsageError(`--tcp ${o.tcp}: expected HOST:PORT, e.g. 10.0.0.20:502`);
    return new ModbusTcpLink(m[1], port, timeoutMs);
  }
  return new ModbusRtuLink(o.serial ?? '', lineSettings(o, defaults.baud), timeoutMs);
}
