import { crc16Modbus } from '../../runtime/drivers/modbus/crc16.js';
import type { RegisterKind } from '../../runtime/devices/profile-schema.js';
import type { FaultInjector, FaultRule } from './faults.js';
import type { RegisterAnswer, RegisterDevice } from './register-device.js';

/** The PDU a slave answers a request PDU with (function code first), or undefined for a
 * function it does not know, which gets exception 1. */
export function answerPdu(device: RegisterDevice, pdu: Buffer, forcedException?: number): Buffer {
  const fc = pdu[0] ?? 0;
  const exception = (code: number): Buffer => Buffer.from([fc | 0x80, code]);
  if (forcedException !== undefined) return exception(forcedException);
  if ((fc !== 3 && fc !== 4) || pdu.length < 5) return exception(1);
  const address = pdu.readUInt16BE(1);
  const count = pdu.readUInt16BE(3);
  if (count < 1 || count > 125) return exception(3);
  const kind: RegisterKind = fc === 3 ? 'holding' : 'input';
  const answer: RegisterAnswer = device.read(kind, address, count);
  if (!Array.isArray(answer)) return exception(answer.exception);
  const out = Buffer.alloc(2 + 2 * count);
  out[0] = fc;
  out[1] = 2 * count;
  answer.forEach((v, i) => out.writeUInt16BE(v & 0xffff, 2 + 2 * i));
  return out;
}

/** An RTU frame: unit id, PDU, CRC low byte first. */
export function rtuFrame(unitId: number, pdu: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([unitId]), pdu]);
  const crc = crc16Modbus(body);
  return Buffer.concat([body, Buffer.from([crc & 0xff, crc >> 8])]);
}

/** Length of an RTU request from its first bytes, or undefined while more are needed. */
export function rtuRequestLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const fc = buf[1] ?? 0;
  if (fc >= 1 && fc <= 6) return 8;
  if (fc === 15 || fc === 16) return buf.length < 7 ? undefined : 9 + (buf[6] ?? 0);
  return undefined;
}

/** What a slave sends for one request, with the fault (if any) drawn for it; undefined when
 * nobody answers (no slave at that unit id, or a `silence` fault). */
export function slaveAnswer(
  devices: ReadonlyMap<number, RegisterDevice>,
  unitId: number,
  pdu: Buffer,
  faults: FaultInjector,
): { pdu: Buffer; fault: FaultRule | undefined } | undefined {
  const device = devices.get(unitId);
  if (!device) return undefined;
  const fault = faults.next(unitId);
  if (fault?.kind === 'silence') return undefined;
  return {
    pdu: answerPdu(
      device,
      pdu,
      fault?.kind === 'exception' ? (fault.exceptionCode ?? 4) : undefined,
    ),
    fault,
  };
}
