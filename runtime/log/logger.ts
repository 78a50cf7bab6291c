import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/** A namespaced structured logger. Messages are static strings; values go in the object, so
 * nothing is formatted unless the level is enabled. Nothing is logged per reading. */
export type Log = Logger;

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface RootLogOptions {
  level?: Level | 'silent';
  /** Defaults to stdout (JSON lines, one per event: what journald and log shippers expect). */
  destination?: DestinationStream;
}

export function createRootLog(options: RootLogOptions = {}): Log {
  const settings = {
    level: options.level ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials never reach a log line, whatever a caller passes in.
    redact: { paths: ['*.password', '*.*.password', 'password'], censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger for tests and tools that must stay quiet. */
export function silentLog(): Log {
  return pino({ level: 'silent' });
}

/** The child logger for one part of the runtime: every line carries `ns`. */
export function namespaced(parent: Log, ns: string): Log {
  return parent.child({ ns });
}
