/**
 * A site flow file that is not JSON: Node-RED starts with no flows and says why, the file is
 * left for the integrator to mend, and the gateway goes on collecting and syncing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, gatewayWithNodeRed } from '../harness/node-red-site.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Node-RED with a broken flow file', () => {
  it('reports a flow file that is not JSON, and the gateway goes on collecting', async () => {
    const { port } = await freePort();
    const { gateway, clock, dir } = await gatewayWithNodeRed(port, '[{"id": "t1", "type": "tab"');
    cleanups.push(() => gateway.stop());
    expect(gateway.status().nodeRed?.state).toBe('running');
    expect(gateway.status().nodeRed?.problems.join('\n')).toMatch(/not valid json/i);
    for (let s = 0; s < 62; s++) await clock.advance(1000);
    expect(gateway.store.summaries.count()).toBeGreaterThan(0);
    // The broken file is left as it was, for the integrator to mend.
    expect(readFileSync(join(dir, 'flows.json'), 'utf8')).toBe('[{"id": "t1", "type": "tab"');
  });
});
