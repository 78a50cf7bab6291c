import { createRequire } from 'node:module';
import type { AlarmTransition } from '../../runtime/anomaly/alarm.js';
import {
  Fanout,
  type CustomRecord,
  type GatewayLink,
} from '../../runtime/node-red/gateway-link.js';
import type { Reading } from '../../runtime/shared/reading.js';
import type { CommandResult } from '../../runtime/sync/commands/command-specs.js';
import type { SummaryRecord } from '../../runtime/windows/summary-records.js';

const require = createRequire(import.meta.url);

/** A node under node-red-node-test-helper, with the calls its spies report. */
export interface TestNode {
  on(event: 'input', fn: (msg: Record<string, unknown>) => void): void;
  on(event: 'call:error' | 'call:warn', fn: (call: { args: unknown[] }) => void): void;
  receive(msg: Record<string, unknown>): void;
}

/** The parts of node-red-node-test-helper the tests use. */
export interface Helper {
  init(runtimePath: string): void;
  settings(s: Record<string, unknown>): void;
  load(nodes: unknown[], flow: unknown[]): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode;
}

export const helper = require('node-red-node-test-helper') as Helper;

/** The gateway's node modules (nodes/), as Node-RED loads them. */
export const edgeNodes: unknown[] = [
  'edge-gateway',
  'edge-readings',
  'edge-windows',
  'edge-alarms',
  'edge-command',
  'edge-record-out',
  'edge-model',
  'edge-status',
].map((n) => require(`../../nodes/${n}/${n}.js`) as unknown);

/** Node-RED's own core node modules, for flows that use them. */
export const coreNode = (path: string): unknown => require(`@node-red/nodes/core/${path}`);

export const nodeRedPath = (): string => require.resolve('node-red');

/**
 * A GatewayLink as the gateway builds it, on the runtime's own Fanout, with what devices were
 * asked to do recorded (`lamp 40`, `valve off`). The device path behind the commands is
 * covered in tests/integration/node-red-lamp-pole.test.ts.
 */
export function fakeLink() {
  const rethrow = (e: unknown): never => {
    throw e;
  };
  const readings = new Fanout<Reading>(rethrow);
  const alarms = new Fanout<AlarmTransition>(rethrow);
  const windows = new Fanout<readonly SummaryRecord[]>(rethrow);
  const records: CustomRecord[] = [];
  const asked: string[] = [];
  const l: GatewayLink = {
    gatewayId: 'lp1',
    onReading: (fn) => readings.add(fn),
    onAlarm: (fn) => alarms.add(fn),
    onWindow: (fn) => windows.add(fn),
    infer: (model, input) =>
      model === 'lamp-ae' && input.length === 3
        ? Promise.resolve({ score: input[0] ?? 0, threshold: 0.5, version: 'v1' })
        : Promise.reject(new Error(`no running model "${model}" on this gateway`)),
    enqueue: (r) => {
      if (r.key.length > 200)
        throw new Error('record not sent: key must be a string of 1 to 200 characters');
      records.push(r);
      return records.length;
    },
    status: () => ({ devices: { lamp1: { state: 'online' } } }),
    setLampLevel: (device, level): CommandResult => {
      asked.push(`${device} ${String(level)}`);
      return device === 'lamp'
        ? { ok: true, result: { device, requested: level, applied: level > 0 ? 100 : 0 } }
        : { ok: false, reason: `device "${device}" is not a lamp` };
    },
    setRelay: (device, on): CommandResult => {
      asked.push(`${device} ${on ? 'on' : 'off'}`);
      return { ok: true, result: { device, on } };
    },
  };
  return { l, readings, alarms, windows, records, asked };
}
