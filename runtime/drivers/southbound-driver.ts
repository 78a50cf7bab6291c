import type { Component } from '../lifecycle/component.js';
import type { DeviceHealth } from './device-health.js';

/** The state of the physical link a driver uses (a TCP connection, a serial port). */
export type LinkState = 'connecting' | 'connected' | 'backoff' | 'stopped';

/** What every driver offers the rest of the runtime besides its lifecycle. */
export interface SouthboundDriver extends Component {
  linkState(): LinkState;
  deviceHealth(): Record<string, DeviceHealth>;
}
