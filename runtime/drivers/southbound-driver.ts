import type { Component } from '../lifecycle/component.js';
import type { DeviceHealth } from './device-health.js';

/** The state of the physical link a driver uses (a TCP connection, a serial port). */
export type LinkState = 'connecting' | 'connected' | 'backoff' | 'stopped';

/** What every driver offers the rest of the runtime besides its lifecycle. */
export interface SouthboundDriver extends Component {
  linkState(): LinkState;
  deviceHealth(): Record<string, DeviceHealth>;
  /**
   * Changes how often a device on this driver is polled, from now on (a platform command, or
   * an integrator's flow). Returns false when the device is not on this driver. Not persisted:
   * a restart goes back to the config.
   */
  setPollInterval(deviceId: string, ms: number): boolean;
}
