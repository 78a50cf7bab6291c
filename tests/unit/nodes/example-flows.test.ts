/**
 * The parking-lot and water-meter example flows (flows/*.json) deployed as they ship into
 * Node-RED's node runtime (node-red-node-test-helper, with Node-RED's own core nodes), on a
 * GatewayLink whose relays are recorded: each does what its description says. The lamp-pole
 * flow runs in a whole gateway in tests/integration/node-red-lamp-pole.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmTransition } from '../../../runtime/anomaly/alarm.js';
import type { Reading } from '../../../runtime/shared/reading.js';
import { packageRoot } from '../../../runtime/shared/package-root.js';
import {
  coreNode,
  edgeNodes,
  fakeLink,
  helper,
  nodeRedPath,
} from '../../harness/node-red-helper.js';
import { waitFor } from '../../harness/wait-for.js';

const nodes = [
  ...edgeNodes,
  coreNode('function/10-function.js'),
  coreNode('function/rbe.js'),
  coreNode('common/20-inject.js'),
  coreNode('common/21-debug.js'),
];
const flow = (name: string): unknown[] =>
  JSON.parse(readFileSync(join(packageRoot(), 'flows', `${name}.json`), 'utf8')) as unknown[];

function link() {
  const { asked, ...rest } = fakeLink();
  return { ...rest, relays: asked };
}
/** Waits for the n-th relay command. Node-RED delivers along a flow in order, so what a test
 * checks did not happen is followed by a message that must arrive after it (a sentinel). */
const commands = (relays: string[], n: number): Promise<void> =>
  waitFor(() => relays.length >= n, `${String(n)} relay commands`, 5_000);

beforeAll(() => {
  helper.init(nodeRedPath());
});
afterEach(async () => {
  await helper.unload();
});

describe('the parking-lot flow', () => {
  it('counts the bays and lights FULL when none is free, switching the sign only on changes', async () => {
    const { l, readings, relays } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, flow('parking-lot'));
    const distance = (bay: number, mm: number): Reading => ({
      device: `bay-${String(bay)}`,
      point: 'distance',
      value: mm,
      quality: 'good',
      wallMs: 0,
      monoNs: 0n,
      bootId: 'b',
      clockState: 'synced',
    });
    // Four empty bays (the ground at 2.4 m), then cars park one by one.
    for (const bay of [1, 2, 3, 4]) readings.emit(distance(bay, 2400));
    for (const bay of [1, 2, 3]) readings.emit(distance(bay, 900));
    // The fourth car: FULL (only changes reach the sign, so the three before sent nothing).
    readings.emit(distance(4, 1100));
    readings.emit(distance(4, 1080));
    await commands(relays, 2);
    expect(relays).toEqual(['sign off', 'sign on']);
    // Another point of a bay changes nothing; then a car leaves: free again.
    readings.emit({ ...distance(2, 2390), point: 'temperature' });
    readings.emit(distance(2, 2390));
    await commands(relays, 3);
    expect(relays).toEqual(['sign off', 'sign on', 'sign off']);
  });
});

describe('the water-meter flow', () => {
  const burst = (state: 'raised' | 'cleared'): AlarmTransition => ({
    name: 'burst',
    subject: 'meter-3',
    state,
    severity: 'alarm',
    atMs: 0,
    evidence: { litresPerHour: 1400 },
  });

  it('closes the valve on a burst, and does not reopen it when the burst clears', async () => {
    const { l, alarms, relays } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, flow('water-meter'));
    alarms.emit({ ...burst('raised'), name: 'leak' });
    alarms.emit(burst('raised'));
    alarms.emit(burst('cleared'));
    alarms.emit(burst('raised')); // the sentinel: a cleared burst must not have reopened
    await commands(relays, 2);
    expect(relays).toEqual(['valve off', 'valve off']);
    // Someone checked the main: reopen.
    helper.getNode('wm-reopen')?.receive({ payload: 'on' });
    await commands(relays, 3);
    expect(relays).toEqual(['valve off', 'valve off', 'valve on']);
  });

  it('keeps the valve open through a burst while an operator overrides', async () => {
    const { l, alarms, relays } = link();
    helper.settings({ edgeGateway: l });
    await helper.load(nodes, flow('water-meter'));
    const warned: string[] = [];
    helper.getNode('wm-decide')?.on('call:warn', (c) => warned.push(String(c.args[0])));
    helper.getNode('wm-override-on')?.receive({ payload: true });
    await commands(relays, 1);
    alarms.emit(burst('raised'));
    await waitFor(() => warned.length > 0, 'the override warning', 5_000);
    expect(warned).toEqual(['burst on meter-3: the valve stays open (operator override)']);
    expect(relays).toEqual(['valve on']);
    helper.getNode('wm-override-off')?.receive({ payload: false });
    alarms.emit(burst('raised'));
    await commands(relays, 2);
    expect(relays).toEqual(['valve on', 'valve off']);
  });
});
