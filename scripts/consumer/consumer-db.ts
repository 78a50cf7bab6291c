import type { Envelope } from '../../runtime/sync/message-schema.js';
import type { Applied, ConsumerStore } from './consumer-store.js';

/** What the reference consumer needs from its database, SQLite or PostgreSQL. */
export interface ConsumerDb {
  readonly kind: 'sqlite' | 'postgres';
  apply(env: Envelope, nowMs: number): Promise<Applied>;
  explainRange(gw: string, epoch: string, lo: number, hi: number, reason: string): Promise<Applied>;
  firstMissing(gw: string, epoch: string): Promise<number | undefined>;
  cursor(gw: string, epoch: string): Promise<number | undefined>;
  unaccounted(gw: string, epoch: string, seqs: readonly number[]): Promise<number[]>;
  reject(nowMs: number, topic: string, reason: string, payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

export function sqliteConsumerDb(store: ConsumerStore): ConsumerDb {
  return {
    kind: 'sqlite',
    apply: (env, now) => Promise.resolve(store.apply(env, now)),
    explainRange: (gw, epoch, lo, hi, reason) =>
      Promise.resolve(store.explainRange(gw, epoch, lo, hi, reason)),
    firstMissing: (gw, epoch) => Promise.resolve(store.firstMissing(gw, epoch)),
    cursor: (gw, epoch) => Promise.resolve(store.cursor(gw, epoch)),
    unaccounted: (gw, epoch, seqs) => Promise.resolve(store.unaccounted(gw, epoch, seqs)),
    reject: (now, topic, reason, payload) => {
      store.reject(now, topic, reason, payload);
      return Promise.resolve();
    },
    close: () => {
      store.close();
      return Promise.resolve();
    },
  };
}
