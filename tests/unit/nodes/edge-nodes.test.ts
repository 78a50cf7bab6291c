/**
 * Each of the gateway's Node-RED nodes (nodes/) under node-red-node-test-helper: the helper runs
 * Node-RED's own node runtime, and the nodes reach a GatewayLink given in the settings, as in the
 * gateway. The link here is built on the runtime's own Fanout; the device path behind commands
 * is covered in tests/integration/node-red-lamp-pole.test.ts.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmTransition } from '../../../runtime/anomaly/alarm.js';
import type { SummaryRecord } from '../../../runtime/windows/summary-records.js';
import type { Reading } from '../../../runtime/shared/reading.js';
import {
  edgeNodes,
  fakeLink,
  helper,
  nodeRedPath,
  type TestNode,
} from '../../harness/node-red-helper.js';
import { waitFor } from '../../harness/wait-for.js';

const link = fakeLink;
const nodes = edgeNodes;

const reading = (device: string, point: string, value: number, quality = 'good'): Reading =>
  ({
    device,
    point,
    value,
    quality,
    wallMs: 1,
    monoNs: 1n,
    bootId: 'b',
    clockState: 'synced',
  }) as Reading;

/** The messages a helper node receives, and a promise for the n-th. */
function sink(node: TestNode) {
  const got: Record<string, unknown>[] = [];
  node.on('input', (msg) => got.push(msg));
  return got;
}
/**
 * Node-RED delivers a node's messages in order, a tick later. A test that checks something did
 * not arrive sends a message that must arrive after it (a sentinel) and waits for that.
 */
const arrived = (what: unknown[], n: number, name: string): Promise<void> =>
  waitFor(() => what.length >= n, name, 5_000);

beforeAll(() => {
  helper.init(nodeRedPath());
});
afterEach(async () => {
  await helper.unload();
});

describe('edge-readings', () => {
  it('sends the readings whose device and point match, good ones only, as copies', async () => {
    const { l, readings } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      {
        id: 'r',
        type: 'edge-readings',
        gateway: 'gw',
        device: 'lamp*',
        point: 'voltage',
        goodOnly: true,
        wires: [['out']],
      },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    const original = reading('lamp1', 'voltage', 230);
    readings.emit(original);
    readings.emit(reading('lamp1', 'current', 0.2));
    readings.emit(reading('lamp2', 'voltage', 0, 'bad'));
    readings.emit(reading('pole', 'voltage', 231));
    readings.emit(reading('lamp9', 'voltage', 229)); // the sentinel
    await arrived(got, 2, 'two readings');
    expect(got.map((m) => [m.topic, m.payload])).toEqual([
      ['lamp1/voltage', 230],
      ['lamp9/voltage', 229],
    ]);
    (got[0]?.reading as { value: number }).value = 0;
    expect(original.value).toBe(230);
    await helper.unload();
    // Closed: the node let go of the gateway.
    expect(readings.size).toBe(0);
  });

  it('shows a red ring without a gateway', async () => {
    helper.settings({ edgeGateway: undefined });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      { id: 'r', type: 'edge-readings', gateway: 'gw', wires: [[]] },
    ]);
    // The status was set while the node was made: read it from the node's own spy.
    const node = helper.getNode('r') as unknown as { status: { args: unknown[][] } };
    expect(node.status.args.flat()).toContainEqual({
      fill: 'red',
      shape: 'ring',
      text: 'no gateway',
    });
  });
});

describe('edge-alarms', () => {
  it('sends the alarms whose name matches, and counts what is raised', async () => {
    const { l, alarms } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      {
        id: 'a',
        type: 'edge-alarms',
        gateway: 'gw',
        alarm: 'burst',
        subject: '*',
        wires: [['out']],
      },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    const t = (name: string, state: 'raised' | 'cleared'): AlarmTransition => ({
      name,
      subject: 'meter-3',
      state,
      severity: 'alarm',
      atMs: 3_600_000,
      evidence: { litres: 850 },
    });
    alarms.emit(t('burst', 'raised'));
    alarms.emit(t('leak', 'raised'));
    alarms.emit(t('burst', 'cleared')); // after the leak: the sentinel
    await arrived(got, 2, 'two burst messages');
    expect(got.map((m) => [m.topic, (m.payload as { state: string }).state])).toEqual([
      ['burst/meter-3', 'raised'],
      ['burst/meter-3', 'cleared'],
    ]);
    expect((got[0]?.payload as { evidence: unknown }).evidence).toEqual({ litres: 850 });
    const node = helper.getNode('a') as unknown as { status: { args: unknown[][] } };
    expect(node.status.args.flat()).toContainEqual({
      fill: 'red',
      shape: 'dot',
      text: '1 raised: burst/meter-3',
    });
  });
});

describe('edge-command', () => {
  it('sets a lamp level or a relay, answers with the result, and fails with the reason', async () => {
    const { l, asked } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      {
        id: 'cmd-lamp',
        type: 'edge-command',
        gateway: 'gw',
        action: 'lamp-level',
        device: 'lamp',
        wires: [['out']],
      },
      {
        id: 'cmd-valve',
        type: 'edge-command',
        gateway: 'gw',
        action: 'relay',
        device: '',
        wires: [['out']],
      },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    const errors: unknown[] = [];
    for (const id of ['cmd-lamp', 'cmd-valve'])
      helper.getNode(id).on('call:error', (c) => errors.push(String(c.args[0])));
    helper.getNode('cmd-lamp').receive({ payload: 40 });
    helper.getNode('cmd-lamp').receive({ payload: 140 });
    helper.getNode('cmd-lamp').receive({ payload: 60, device: 'pump' });
    helper.getNode('cmd-valve').receive({ payload: 'off', device: 'valve' });
    helper.getNode('cmd-valve').receive({ payload: 'maybe', device: 'valve' });
    helper.getNode('cmd-valve').receive({ payload: true });
    await arrived(errors, 4, 'four refusals');
    await arrived(got, 2, 'two answers');
    expect(asked).toEqual(['lamp 40', 'pump 60', 'valve off']);
    expect(got.map((m) => m.payload)).toEqual([
      { ok: true, result: { device: 'lamp', requested: 40, applied: 100 } },
      { ok: true, result: { device: 'valve', on: false } },
    ]);
    expect(errors).toEqual([
      'Error: a lamp level is 0 to 100 % (got 140)',
      'Error: pump: device "pump" is not a lamp',
      'Error: a relay takes on/off, true/false or 1/0 (got "maybe")',
      'Error: no device: set one on the node or in msg.device',
    ]);
  });
});

describe('edge-status', () => {
  it("answers any message with the gateway's status", async () => {
    const { l } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      { id: 's', type: 'edge-status', gateway: 'gw', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    helper.getNode('s').receive({ payload: 'tick', topic: 'check' });
    await arrived(got, 1, 'the status');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      topic: 'check',
      payload: { devices: { lamp1: { state: 'online' } } },
    });
  });
});

describe('edge-windows', () => {
  it('sends the summaries of the streams and window length that match', async () => {
    const { l, windows } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      {
        id: 'w',
        type: 'edge-windows',
        gateway: 'gw',
        device: 'bay-*',
        point: '*',
        window: 'PT1M',
        wires: [['out']],
      },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    const rec = (dev: string, w: string, mean: number) =>
      ({ dev, m: 'distance', u: 'MMT', w, t0: 0, rev: 0, n: 60, mean }) as unknown as SummaryRecord;
    windows.emit([
      rec('bay-1', 'PT1M', 2400),
      rec('lamp1', 'PT1M', 230),
      rec('bay-2', 'PT1M', 900),
    ]);
    windows.emit([rec('bay-1', 'PT1H', 2300), rec('bay-3', 'PT1M', 1200)]); // the sentinel last
    await arrived(got, 3, 'three summaries');
    expect(got.map((m) => [m.topic, m.payload])).toEqual([
      ['bay-1/distance', 2400],
      ['bay-2/distance', 900],
      ['bay-3/distance', 1200],
    ]);
    expect(got[0]?.summary).toMatchObject({ w: 'PT1M', n: 60, u: 'MMT' });
  });
});

describe('edge-record-out', () => {
  it('queues the payload upstream under msg.key, and refuses a message without a key', async () => {
    const { l, records } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      { id: 'rec', type: 'edge-record-out', gateway: 'gw', record: 'lot_counts', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    const errors: string[] = [];
    helper.getNode('rec').on('call:error', (c) => errors.push(String(c.args[0])));
    helper.getNode('rec').receive({ key: 'lot/10:00', payload: { free: 3 }, t: 5 });
    helper.getNode('rec').receive({ key: 'lot/10:01', payload: 2 });
    helper.getNode('rec').receive({ payload: { free: 1 } });
    helper.getNode('rec').receive({ key: 'x'.repeat(201), payload: {} });
    await arrived(errors, 2, 'two refusals');
    await arrived(got, 2, 'two queued records');
    expect(records.map((r) => [r.key, r.name, r.data])).toEqual([
      ['lot/10:00', 'lot_counts', { free: 3 }],
      ['lot/10:01', 'lot_counts', { value: 2 }],
    ]);
    expect(records[0]?.t).toBe(5);
    expect(got.map((m) => m.seq)).toEqual([1, 2]);
    expect(errors).toEqual([
      'Error: no msg.key: the idempotency key (the same key twice is the same record upstream)',
      'Error: record not sent: key must be a string of 1 to 200 characters',
    ]);
  });
});

describe('edge-model', () => {
  it("scores msg.payload with the named model, and fails with the worker's reason", async () => {
    const { l } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, [
      { id: 'gw', type: 'edge-gateway' },
      { id: 'm', type: 'edge-model', gateway: 'gw', model: 'lamp-ae', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const got = sink(helper.getNode('out'));
    const errors: string[] = [];
    helper.getNode('m').on('call:error', (c) => errors.push(String(c.args[0])));
    helper.getNode('m').receive({ payload: [0.9, 1, 1] });
    helper.getNode('m').receive({ payload: [0.1, 1, 1] });
    helper.getNode('m').receive({ payload: [0.1, 1, 1], model: 'pump-ae' });
    helper.getNode('m').receive({ payload: 'not an array' });
    await arrived(errors, 2, 'two refusals');
    await arrived(got, 2, 'two scores');
    expect(got.map((m) => m.payload)).toEqual([
      { score: 0.9, threshold: 0.5, anomalous: true, version: 'v1' },
      { score: 0.1, threshold: 0.5, anomalous: false, version: 'v1' },
    ]);
    // The second error comes at once, the first when the worker answers: compare as a set.
    expect(errors.sort()).toEqual([
      "Error: msg.payload must be an array of numbers (the model's input window, row by row)",
      'Error: no running model "pump-ae" on this gateway',
    ]);
  });
});
