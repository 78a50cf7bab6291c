/**
 * One lifecycle for every part of the gateway: the constructor only assigns, `start()` acquires
 * (connects, opens, schedules), `stop()` releases everything it acquired. A stopped component
 * leaves no timers, sockets or file handles behind; tests check that.
 */
export interface Component {
  /** Short, stable name used in logs and stop reports (`store`, `bus:tcp0`, `sync`). */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
