import type { AlarmTransition } from '../anomaly/alarm.js';
import type { Reading } from '../shared/reading.js';
import type { CommandResult } from '../sync/commands/command-specs.js';
import type { SummaryRecord } from '../windows/summary-records.js';

/** A record a flow sends upstream (`data/custom`): the platform keeps one per `key`. */
export interface CustomRecord {
  /** The idempotency key: the same key sent twice is the same record, kept once upstream. */
  key: string;
  /** What the record is (`lot_counts`, `dimming_plan`): the flow's own name for it. */
  name: string;
  /** Wall time the record is about, ms. */
  t: number;
  data: Record<string, unknown>;
}

/**
 * What the gateway's own Node-RED nodes (nodes/) reach the runtime through: passed to Node-RED
 * in its settings (`RED.settings.edgeGateway`), in-process. Nodes subscribe and never block:
 * listeners are called synchronously with the runtime's own objects, which nodes must not change.
 */
export interface GatewayLink {
  readonly gatewayId: string;
  /** Every reading the gateway takes in (devices and crowd zones), as it arrives. */
  onReading(listener: (r: Readonly<Reading>) => void): () => void;
  /** Each closed window's summaries (as they go upstream), once they are stored. */
  onWindow(listener: (records: readonly SummaryRecord[]) => void): () => void;
  /** Stores a flow's record and queues it upstream (`data/custom`), in one transaction; its
   * outbox sequence number. Throws with the reason for a record that cannot go. */
  enqueue(record: CustomRecord): number;
  /** Alarm transitions (raised, cleared), once they are stored and queued upstream. */
  onAlarm(listener: (t: Readonly<AlarmTransition>) => void): () => void;
  /** Scores `input` (window rows of the model's features, row by row) with a running learned
   * detector (`models[].name`), in the model worker. Rejects with the reason. */
  infer(
    model: string,
    input: readonly number[],
  ): Promise<{ score: number; threshold: number; version: string }>;
  /** The gateway's status, as `edge-gw status` shows it. */
  status(): unknown;
  /** A lamp's level, percent (0 switches off): only a relay declared `controls: lamp`. */
  setLampLevel(device: string, level: number): CommandResult;
  /** Switches any relay output (a lamp, a valve) on or off. */
  setRelay(device: string, on: boolean): CommandResult;
}

/** A set of listeners where one that throws cannot stop the others or the data path. */
export class Fanout<T> {
  private readonly listeners = new Set<(item: Readonly<T>) => void>();

  constructor(private readonly onError: (err: unknown) => void) {}

  add(listener: (item: Readonly<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(r: Readonly<T>): void {
    for (const l of this.listeners)
      try {
        l(r);
      } catch (err) {
        this.onError(err);
      }
  }

  get size(): number {
    return this.listeners.size;
  }
}
