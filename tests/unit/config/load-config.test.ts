import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../runtime/config/load-config.js';
import { fileJsonSchema } from '../../../runtime/config/schema.js';
import { DocumentError } from '../../../runtime/shared/document.js';
import { tempDir } from '../../harness/temp-dir.js';

const fixtures = join(import.meta.dirname, '../../fixtures/config');

/** Each bad fixture states what its error must say: `# expect:` lines, or a `.expect` file
 * beside it for JSON (which has no comments). */
function expectations(file: string): string[] {
  const sidecar = `${file}.expect`;
  const text = existsSync(sidecar) ? readFileSync(sidecar, 'utf8') : readFileSync(file, 'utf8');
  const lines = existsSync(sidecar)
    ? text.split('\n')
    : text
        .split('\n')
        .flatMap((l) => (l.startsWith('# expect: ') ? [l.slice('# expect: '.length)] : []));
  return lines.map((l) => l.trim()).filter(Boolean);
}

const badFiles = readdirSync(join(fixtures, 'bad'))
  .filter((f) => !f.endsWith('.expect'))
  .sort();

describe('loading a site config', () => {
  it('has at least ten distinct bad files to check', () => {
    expect(badFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(badFiles)(
    'rejects %s naming the file, line, field, problem and what is allowed',
    (name) => {
      const file = join(fixtures, 'bad', name);
      const expected = expectations(file);
      expect(expected.length).toBeGreaterThan(0);
      let error: unknown;
      try {
        loadConfig(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DocumentError);
      const message = (error as DocumentError).message;
      expect(message.split('\n')[0]).toContain(`${file} is not a valid site config`);
      for (const fragment of expected) {
        // A leading ":line:col" pins the location: it must follow the file name.
        expect(message).toContain(fragment.startsWith(':') ? `${file}${fragment}` : fragment);
      }
    },
  );

  it("fills defaults into a minimal file and resolves paths from the file's folder", () => {
    const config = loadConfig(join(fixtures, 'good/minimal.yaml'));
    expect(config.gateway.dataDir).toBe(join(fixtures, 'good/data'));
    expect(config.windows.lengths).toEqual(['PT1M']);
    expect(config.upstream.protocol).toBe('5');
    expect(config.upstream.prefix).toBe('egw/v1');
    expect(config.clock.sync).toBe('timesyncd');
    expect(config.store.commitIntervalMs).toBe(1000);
    expect(config.nodeRed.enabled).toBe(false);
    // Defaults inside the chosen variant of a tagged union, too.
    expect(config.buses[0]).toMatchObject({ type: 'modbus-tcp', port: 502, timeoutMs: 1000 });
  });

  it('reads JSON as well as YAML', () => {
    const config = loadConfig(join(fixtures, 'good/full.json'));
    expect(config.devices[0]?.points).toEqual(['activePower', 'importEnergy']);
    expect(config.buses[1]).toMatchObject({ type: 'modbus-rtu', stopBits: 1, timeoutMs: 1000 });
  });

  it('fills an unusual alarm from its defaults', () => {
    const file = join(tempDir(), 'unusual.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'gateway: { id: lp1, dataDir: d }',
        'buses: [{ id: tcp0, type: modbus-tcp, host: 127.0.0.1 }]',
        'devices: [{ id: lamp1, bus: tcp0, profile: eastron-sdm120 }]',
        'upstream: { url: "mqtt://127.0.0.1" }',
        'windows: { lengths: [PT5M] }',
        'alarms: [{ type: unusual, id: lamp-power, stream: lamp1/activePower }]',
      ].join('\n'),
    );
    expect(loadConfig(file).alarms[0]).toEqual({
      type: 'unusual',
      id: 'lamp-power',
      stream: 'lamp1/activePower',
      window: 'PT5M',
      above: 0.55,
    });
  });

  it('reports a missing file and an empty file plainly', () => {
    const dir = tempDir();
    expect(() => loadConfig(join(dir, 'nope.yaml'))).toThrow(
      /nope\.yaml is not a valid site config \(1 problem\):\n.*file not found/,
    );
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '\n');
    expect(() => loadConfig(empty)).toThrow(/the file is empty/);
  });

  it('lists every problem of one stage at once, top to bottom', () => {
    const dir = tempDir();
    const file = join(dir, 'many.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'gateway: { id: "A", dataDir: d, extra: 1 }',
        'buses: []',
        'devices: []',
        'upstream: { url: "http://x" }',
      ].join('\n'),
    );
    const message = (() => {
      try {
        loadConfig(file);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    const lines = message.split('\n').slice(1);
    expect(lines.length).toBe(5);
    expect(message).toMatch(/gateway\.id: "A" is not of the required form/);
    expect(message).toMatch(/gateway\.extra: unknown field "extra"/);
    expect(message).toMatch(/buses: needs at least 1 item/);
    expect(message).toMatch(/devices: needs at least 1 item/);
    expect(message).toMatch(
      /upstream\.url: "http:\/\/x" is not of the required form; allowed: mqtt:\/\/host:port/,
    );
    const lineNumbers = lines.map((l) => Number(/:(\d+):\d+ /.exec(l)?.[1]));
    expect(lineNumbers).toEqual([...lineNumbers].sort((a, b) => a - b));
  });

  it('publishes a JSON Schema in which defaulted fields are optional', () => {
    const schema = fileJsonSchema() as {
      required: string[];
      properties: Record<string, { required?: string[] }>;
    };
    expect(schema.required).toEqual(['version', 'gateway', 'buses', 'devices', 'upstream']);
    expect(schema.properties.store?.required).toBeUndefined();
  });
});

describe('filling defaults', () => {
  it('picks a tagged union variant only by a tag the variant really has', async () => {
    const { Type } = await import('@sinclair/typebox');
    const { fillDefaults } = await import('../../../runtime/shared/fill-defaults.js');
    const A = Type.Object({ kind: Type.Literal('a'), x: Type.Number({ default: 1 }) });
    const B = Type.Object({ kind: Type.Literal('b'), y: Type.Number({ default: 2 }) });
    // Neither variant has a `type` field; an untagged lookup must not match the first one.
    expect(fillDefaults(Type.Union([A, B]), { kind: 'b' })).toEqual({ kind: 'b', y: 2 });
    expect(fillDefaults(Type.Union([A, B]), { kind: 'c' })).toEqual({ kind: 'c' });
  });
});
