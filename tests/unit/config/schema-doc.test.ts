import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../runtime/shared/package-root.js';
import {
  commandsSchemaDocument,
  configSchemaDocument,
  northboundSchemaDocument,
} from '../../../scripts/gen-config-schema.js';

describe('docs/site-config.schema.json', () => {
  it('is what the config schema generates (run `npm run schema` after changing it)', () => {
    const checkedIn = readFileSync(join(packageRoot(), 'docs', 'site-config.schema.json'), 'utf8');
    expect(checkedIn).toBe(configSchemaDocument());
  });
});

describe('docs/northbound.schema.json', () => {
  it('is what the message schema generates (run `npm run schema` after changing it)', () => {
    const checkedIn = readFileSync(join(packageRoot(), 'docs', 'northbound.schema.json'), 'utf8');
    expect(checkedIn).toBe(northboundSchemaDocument());
  });
});

describe('docs/commands.schema.json', () => {
  it('is what the command specs generate (run `npm run schema` after changing them)', () => {
    const checkedIn = readFileSync(join(packageRoot(), 'docs', 'commands.schema.json'), 'utf8');
    expect(checkedIn).toBe(commandsSchemaDocument());
  });
});
