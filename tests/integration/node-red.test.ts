/**
 * Node-RED embedded in a whole Gateway: the editor's admin API answers 401 without the
 * gateway's generated login and 200 with it; a deploy is saved to the site's flow file; a port
 * already taken is reported while the gateway goes on collecting. A real Node-RED 4.1 on a real
 * port, a real store, GPIO simulated. Node-RED starts once per process, so each file that
 * starts one holds one scenario that does (node-red-broken-flows.test.ts is another).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editorSecretsFile, type EditorSecrets } from '../../runtime/node-red/editor-secrets.js';
import { freePort, gatewayWithNodeRed, token } from '../harness/node-red-site.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Node-RED in the gateway', () => {
  it('reports a port already taken, and the gateway goes on collecting without the editor', async () => {
    const taken = await freePort(true);
    cleanups.push(() => new Promise((r) => taken.server?.close(r)));
    const { gateway, clock } = await gatewayWithNodeRed(taken.port);
    cleanups.push(() => gateway.stop());
    expect(gateway.status().nodeRed).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/EADDRINUSE/) as unknown,
    });
    for (let s = 0; s < 62; s++) await clock.advance(1000);
    expect(gateway.store.summaries.count()).toBeGreaterThan(0);
  });
  it('asks for the generated login, and saves a deploy to the site flow file', async () => {
    const { port } = await freePort();
    const { gateway, config, dir } = await gatewayWithNodeRed(port);
    cleanups.push(() => gateway.stop());
    const status = gateway.status().nodeRed;
    expect(status).toMatchObject({ state: 'running', url: `http://127.0.0.1:${String(port)}/` });
    const base = status?.url ?? '';
    expect((await fetch(`${base}flows`)).status).toBe(401);

    const secretsFile = editorSecretsFile(config.gateway.dataDir);
    expect(status?.secretsFile).toBe(secretsFile);
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as EditorSecrets;
    expect(secrets.password.length).toBeGreaterThanOrEqual(20);
    expect((await token(base, secrets.username, 'admin')).ok).toBe(false);
    const answer = await token(base, secrets.username, secrets.password);
    expect(answer.status).toBe(200);
    const { access_token: access } = (await answer.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${access}` };
    expect((await fetch(`${base}flows`, { headers: auth })).status).toBe(200);

    const flow = [
      { id: 't1', type: 'tab', label: 'site' },
      { id: 'i1', type: 'inject', z: 't1', name: 'tick', wires: [[]] },
    ];
    const deployed = await fetch(`${base}flows`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'node-red-deployment-type': 'full' },
      body: JSON.stringify(flow),
    });
    expect(deployed.status).toBe(204);
    const saved = JSON.parse(readFileSync(join(dir, 'flows.json'), 'utf8')) as { id: string }[];
    expect(saved.map((n) => n.id)).toEqual(['t1', 'i1']);
  });
});
