import modbusSerial from 'modbus-serial';
import type { RegisterKind } from '../../devices/profile-schema.js';
import type { CloseSignal } from './close-signal.js';
import { classifyModbusSerialError, ModbusError, type ModbusFailure } from './modbus-link.js';

// modbus-serial is CommonJS; under Node's ESM interop its class is the module's `default`.
export const ModbusRTU = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/**
 * One register read through a modbus-serial client, as both links do it: address the unit, set
 * the timeout, race the request against the link closing, and turn whatever modbus-serial throws
 * into a ModbusError. `refine` lets a link say more about a failure (a timeout with bytes in the
 * buffer is a truncated answer).
 */
export async function clientRead(
  client: ModbusClient,
  closed: CloseSignal,
  request: {
    register: RegisterKind;
    unitId: number;
    address: number;
    count: number;
    timeoutMs: number;
  },
  refine: (failure: ModbusFailure) => ModbusFailure = (f) => f,
): Promise<Buffer> {
  client.setID(request.unitId);
  client.setTimeout(request.timeoutMs);
  const pending =
    request.register === 'input'
      ? client.readInputRegisters(request.address, request.count)
      : client.readHoldingRegisters(request.address, request.count);
  try {
    return (await closed.race(pending)).buffer;
  } catch (err) {
    if (err instanceof ModbusError) throw err;
    throw new ModbusError(refine(classifyModbusSerialError(err)));
  }
}
