import { DeviceCatalogue } from '../devices/catalogue.js';
import { CODECS } from '../devices/codecs.js';
import type { FramedProfile, ModbusProfile } from '../devices/profile-schema.js';
import { describeFailure, ModbusError } from '../drivers/modbus/modbus-link.js';
import { planReads } from '../drivers/modbus/read-plan.js';
import { decodePoint } from '../drivers/modbus/register-codec.js';
import type { DecodedFrame } from '../drivers/serial/frame-codec.js';
import { wireMs } from '../drivers/serial/line-timing.js';
import { closeSerialPort, openSerialPort } from '../drivers/serial/serial-port.js';
import { closestMatch } from '../shared/closest-match.js';
import { unitSymbol } from '../shared/units.js';
import { waitUntil } from '../shared/wait-until.js';
import { EXIT } from './exit-codes.js';
import {
  lineSettings,
  modbusLinkFrom,
  timeoutOption,
  UsageError,
  type LinkOptions,
} from './link-options.js';
import { formatValue, table } from './table.js';

export interface ReadOptions extends LinkOptions {
  unit?: string;
}

type Out = (line: string) => void;

async function readModbus(profile: ModbusProfile, o: ReadOptions, out: Out): Promise<number> {
  const unitId = o.unit === undefined ? profile.defaults.unitId : Number(o.unit);
  if (!(Number.isInteger(unitId) && unitId >= 1 && unitId <= 247))
    throw new UsageError(`--unit ${o.unit}: allowed 1 to 247`);
  const link = modbusLinkFrom(o, { baud: profile.defaults.baudRate ?? 9600, timeoutMs: 1000 });
  out(`${profile.id} (${profile.vendor} ${profile.model}), unit ${unitId}, on ${link.description}`);
  const rows: string[][] = [];
  let failed = 0;
  await link.connect();
  try {
    for (const read of planReads(profile.points, profile.readPlan)) {
      await waitUntil(link.lastActivity + link.silentIntervalMs);
      try {
        const bytes = await link.read(read.register, unitId, read.address, read.count);
        for (const point of read.points) {
          const { value, rawHex } = decodePoint(bytes, read.address, point);
          rows.push([
            point.name,
            formatValue(value),
            unitSymbol(point.unit),
            `${point.register} ${point.address}: ${rawHex}`,
            point.attribute,
          ]);
        }
      } catch (err) {
        if (!(err instanceof ModbusError)) throw err;
        failed++;
        for (const point of read.points)
          rows.push([
            point.name,
            `(${describeFailure(err.failure)})`,
            unitSymbol(point.unit),
            `${point.register} ${point.address}`,
            point.attribute,
          ]);
        if (err.failure.kind === 'link') break;
        await link.recover();
      }
    }
  } finally {
    await link.close();
  }
  for (const line of table(['point', 'value', 'unit', 'registers', 'attribute'], rows)) out(line);
  return failed === 0 ? EXIT.ok : EXIT.failed;
}

async function readFramed(profile: FramedProfile, o: ReadOptions, out: Out): Promise<number> {
  if (o.tcp || !o.serial)
    throw new UsageError(`${profile.id} is a serial device: give --serial PATH`);
  const codec = CODECS.get(profile.codec);
  if (!codec) throw new Error(`no codec ${profile.codec}`);
  const line = lineSettings(o, profile.defaults.baudRate ?? codec.defaultBaudRate);
  const timeoutMs = timeoutOption(o, 2000);
  out(`${profile.id} (${profile.vendor} ${profile.model}) on ${o.serial} ${line.baudRate} baud`);
  const port = await openSerialPort(o.serial, line);
  const parser = codec.createParser();
  try {
    const frame = await new Promise<DecodedFrame | undefined>((resolve) => {
      const timer = setTimeout(
        () => resolve(undefined),
        timeoutMs + wireMs(line, codec.maxFrameBytes),
      );
      port.on('data', (chunk: Buffer) => {
        const withFields = parser.push(chunk).find((f) => Object.keys(f.fields).length > 0);
        if (withFields) {
          clearTimeout(timer);
          resolve(withFields);
        }
      });
      for (const bytes of codec.setup) port.write(bytes);
      if (codec.pollRequest) port.write(codec.pollRequest);
    });
    if (!frame) {
      out(
        `no frame within ${timeoutMs} ms (${parser.stats.checksumErrors} with a bad checksum, ${parser.stats.noiseBytes} noise bytes): check wiring and baud rate`,
      );
      return EXIT.failed;
    }
    const rows = profile.points.map((p) => [
      p.name,
      formatValue((frame.fields[p.field] ?? NaN) * p.scale),
      unitSymbol(p.unit),
      p.field,
      p.attribute,
    ]);
    for (const l of table(['point', 'value', 'unit', 'field', 'attribute'], rows)) out(l);
    if (frame.image)
      out(`(and a ${frame.image.width}×${frame.image.height} image, which stays on the box)`);
    return EXIT.ok;
  } finally {
    await closeSerialPort(port);
  }
}

/** `edge-gw read PROFILE`: one read of every point of one device, as a table. */
export async function readCommand(
  profileId: string,
  o: ReadOptions,
  out: Out,
  err: Out,
): Promise<number> {
  const catalogue = DeviceCatalogue.load();
  const profile = catalogue.get(profileId);
  try {
    if (!profile) {
      const guess = closestMatch(profileId, catalogue.ids());
      throw new UsageError(
        `no profile "${profileId}"${guess ? ` (did you mean "${guess}"?)` : ''}; profiles: ${catalogue.ids().join(', ')}`,
      );
    }
    if (profile.kind === 'gpio')
      throw new UsageError(`${profile.id} is a GPIO line; the gateway reads it (edge-gw run)`);
    return profile.kind === 'modbus'
      ? await readModbus(profile, o, out)
      : await readFramed(profile, o, out);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`edge-gw read: ${e.message}`);
      return EXIT.usage;
    }
    err(`edge-gw read: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  }
}
