import { ModbusError, describeFailure, type ModbusLink } from '../drivers/modbus/modbus-link.js';
import { waitUntil } from '../shared/wait-until.js';
import { EXIT } from './exit-codes.js';
import { modbusLinkFrom, UsageError, type LinkOptions } from './link-options.js';
import { ProgressBar } from './progress-bar.js';

export interface ScanOptions extends LinkOptions {
  from: string;
  to: string;
}

export interface ScanHit {
  unitId: number;
  answer: string;
}

/**
 * Asks every unit id in a range for holding register 0 and lists who answers. An exception is
 * an answer too: the device is there, it just has no such register. Silence means nobody.
 */
export async function scanUnits(
  link: ModbusLink,
  from: number,
  to: number,
  onProgress: (unitId: number, hits: ScanHit[]) => void,
): Promise<ScanHit[]> {
  const hits: ScanHit[] = [];
  await link.connect();
  try {
    for (let unitId = from; unitId <= to; unitId++) {
      await waitUntil(link.lastActivity + link.silentIntervalMs);
      try {
        const bytes = await link.read('holding', unitId, 0, 1);
        hits.push({ unitId, answer: `holding register 0 = 0x${bytes.toString('hex')}` });
      } catch (err) {
        if (!(err instanceof ModbusError)) throw err;
        const f = err.failure;
        if (f.kind === 'exception')
          hits.push({ unitId, answer: `present (${describeFailure(f)})` });
        else if (f.kind === 'crc' || f.kind === 'framing')
          hits.push({
            unitId,
            answer: `something answered, garbled (${describeFailure(f)}): check baud rate and parity`,
          });
        else if (f.kind === 'link') throw err;
        else await link.recover();
      }
      onProgress(unitId, hits);
    }
  } finally {
    await link.close();
  }
  return hits;
}

/** `edge-gw scan`: finds the unit ids on a bus. */
export async function scanCommand(
  o: ScanOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const from = Number(o.from);
  const to = Number(o.to);
  let link: ModbusLink;
  try {
    if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to <= 247 && from <= to))
      throw new UsageError(`--from ${o.from} --to ${o.to}: unit ids go from 1 to 247`);
    link = modbusLinkFrom(o, { baud: 9600, timeoutMs: 100 });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`edge-gw scan: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  out(`scanning unit ids ${from}..${to} on ${link.description}`);
  const bar = new ProgressBar('scan', to - from + 1);
  let reported = 0;
  try {
    const hits = await scanUnits(link, from, to, (unitId, found) => {
      bar.update(
        unitId - from + 1,
        `found: ${found.map((h) => h.unitId).join(', ') || 'none yet'}`,
      );
      // Without a progress bar (a pipe), say each find as it comes.
      if (!process.stderr.isTTY)
        for (const h of found.slice(reported)) out(`  unit ${h.unitId}: ${h.answer}`);
      reported = found.length;
    });
    bar.done();
    if (process.stderr.isTTY) for (const h of hits) out(`  unit ${h.unitId}: ${h.answer}`);
    out(
      hits.length === 0
        ? 'no device answered: check wiring (A/B), baud rate, parity and termination'
        : `${hits.length} device${hits.length === 1 ? '' : 's'} found`,
    );
    return hits.length > 0 ? EXIT.ok : EXIT.failed;
  } catch (e) {
    bar.done();
    err(`edge-gw scan: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failed;
  }
}
