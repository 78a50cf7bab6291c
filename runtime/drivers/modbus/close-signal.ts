import { ModbusError } from './modbus-link.js';

/**
 * A promise that rejects once a link closes, for racing against a transaction in flight:
 * modbus-serial cancels its own timeout when a link is destroyed and leaves that transaction's
 * promise unsettled, which would hang a stop that waits for the poll cycle.
 */
export class CloseSignal {
  readonly closed: Promise<never>;
  private rejectFn: (err: ModbusError) => void = () => undefined;

  constructor() {
    this.closed = new Promise<never>((_, reject) => {
      this.rejectFn = reject;
    });
    this.closed.catch(() => undefined);
  }

  fire(message: string): void {
    this.rejectFn(new ModbusError({ kind: 'link', message }));
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.closed]);
  }
}
