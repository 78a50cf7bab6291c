import modbusSerial from 'modbus-serial';
import type { Clock } from '../../runtime/clock/clock.js';
import type { DeviceProfile } from '../../runtime/devices/profile-schema.js';
import { encodeRegisters } from '../../runtime/drivers/modbus/register-codec.js';
import {
  LampCircuitModel,
  type LampCircuitOptions,
  type LampCircuitState,
} from './lamp-circuit-model.js';

/** Register blocks the SDM120 answers for; a read outside them gets exception 2, as on the
 * real meter. Unmapped registers inside a block read as zero. */
const ANSWERED_BLOCKS: readonly [number, number][] = [
  [0x0000, 0x0050],
  [0x0156, 0x0158],
];

export interface Sdm120SimulatorOptions {
  profile: DeviceProfile;
  clock: Clock;
  host?: string;
  port: number;
  unitId?: number;
  circuit?: LampCircuitOptions;
}

/** modbus-serial's server answers an Error carrying `modbusErrorCode` with that exception. */
type ModbusFault = Error & { modbusErrorCode: number };

const illegalAddress = (): ModbusFault =>
  Object.assign(new Error('Illegal data address'), { modbusErrorCode: 0x02 });

/**
 * An Eastron SDM120 as a Modbus TCP server on loopback: function 04 over its input register
 * map, float32 ABCD, answering only its own unit id. Values come from a lamp-circuit model
 * driven by the injected clock.
 */
export class Sdm120Simulator {
  private server?: InstanceType<typeof modbusSerial.ServerTCP>;
  readonly circuit: LampCircuitModel;
  /** The state behind each answered request, oldest first (the last 100), for tests to
   * compare decoded readings with. */
  readonly answered: LampCircuitState[] = [];
  private readonly unitId: number;

  constructor(private readonly o: Sdm120SimulatorOptions) {
    this.circuit = new LampCircuitModel(o.circuit);
    this.unitId = o.unitId ?? 1;
  }

  get port(): number {
    return this.o.port;
  }

  /** Input register values for a request, computed from the circuit state at this instant. */
  registers(address: number, length: number): number[] | ModbusFault {
    const end = address + length;
    if (!ANSWERED_BLOCKS.some(([from, to]) => address >= from && end <= to))
      return illegalAddress();
    const state = this.circuit.at(this.o.clock.wallMs());
    this.answered.push(state);
    if (this.answered.length > 100) this.answered.shift();
    const map = new Map<number, number>();
    const values: Record<string, number> = {
      ...(state as unknown as Record<keyof LampCircuitState, number>),
      totalEnergy: state.importEnergy + state.exportEnergy,
    };
    for (const point of this.o.profile.points) {
      const v = values[point.name];
      if (v === undefined) continue;
      const bytes = encodeRegisters(v, point.type, point.order, point.scale);
      for (let i = 0; i < bytes.length / 2; i++)
        map.set(point.address + i, bytes.readUInt16BE(i * 2));
    }
    return Array.from({ length }, (_, i) => map.get(address + i) ?? 0);
  }

  async start(): Promise<void> {
    const vector = {
      getMultipleInputRegisters: (
        address: number,
        length: number,
        unitId: number,
        cb: (err: ModbusFault | null, values: number[]) => void,
      ) => {
        const result = this.registers(address, length);
        if (Array.isArray(result)) cb(null, result);
        else cb(result, []);
      },
      getInputRegister: (
        address: number,
        unitId: number,
        cb: (err: ModbusFault | null, value: number) => void,
      ) => {
        const result = this.registers(address, 1);
        if (Array.isArray(result)) cb(null, result[0] ?? 0);
        else cb(result, 0);
      },
    };
    const server = new modbusSerial.ServerTCP(vector, {
      host: this.o.host ?? '127.0.0.1',
      port: this.o.port,
      unitID: this.unitId,
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('serverError', (err: unknown) =>
        reject(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
