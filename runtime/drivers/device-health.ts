/** How a device is doing, as the rest of the runtime (status page, birth, alarms) sees it:
 * `online` answered its last poll cleanly; `degraded` answered, but with retries, exceptions or
 * missing reads; `offline` its circuit breaker is open after polls in a row got no answer. */
export type DeviceState = 'unknown' | 'online' | 'degraded' | 'offline';

export interface DeviceHealth {
  state: DeviceState;
  requests: number;
  responses: number;
  timeouts: number;
  crcErrors: number;
  /** Answers that never made a whole frame (truncated, or noise on the line). */
  framingErrors: number;
  exceptions: number;
  linkErrors: number;
  retries: number;
  /** Times the circuit breaker opened. */
  breakerOpens: number;
  consecutiveFailures: number;
  lastOkWallMs: number | null;
}

export function newDeviceHealth(): DeviceHealth {
  return {
    state: 'unknown',
    requests: 0,
    responses: 0,
    timeouts: 0,
    crcErrors: 0,
    framingErrors: 0,
    exceptions: 0,
    linkErrors: 0,
    retries: 0,
    breakerOpens: 0,
    consecutiveFailures: 0,
    lastOkWallMs: null,
  };
}

/** Polls in a row that must fail before a device is called offline; one lost frame on a noisy
 * bus should not raise an alarm. */
export const OFFLINE_AFTER_FAILURES = 3;
