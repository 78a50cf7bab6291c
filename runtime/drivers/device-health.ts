/** How a device is doing, as the rest of the runtime (status page, birth, alarms) sees it. */
export type DeviceState = 'unknown' | 'online' | 'offline';

export interface DeviceHealth {
  state: DeviceState;
  requests: number;
  responses: number;
  timeouts: number;
  exceptions: number;
  linkErrors: number;
  consecutiveFailures: number;
  lastOkWallMs: number | null;
}

export function newDeviceHealth(): DeviceHealth {
  return {
    state: 'unknown',
    requests: 0,
    responses: 0,
    timeouts: 0,
    exceptions: 0,
    linkErrors: 0,
    consecutiveFailures: 0,
    lastOkWallMs: null,
  };
}

/** Polls in a row that must fail before a device is called offline; one lost frame on a noisy
 * bus should not raise an alarm. */
export const OFFLINE_AFTER_FAILURES = 3;
