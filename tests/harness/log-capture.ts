import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Log } from '../../runtime/log/logger.js';

/** A logger whose lines a test can read back. */
export function capturedLog(): {
  log: Log;
  lines: { msg: string; level: number; [k: string]: unknown }[];
} {
  const lines: { msg: string; level: number; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as { msg: string; level: number });
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}
