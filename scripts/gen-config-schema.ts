/**
 * Writes docs/site-config.schema.json from the TypeBox schema in runtime/config (the one source
 * of truth). A test fails when the checked-in file is stale: run `npm run schema` after changing
 * the config schema.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileJsonSchema } from '../runtime/config/schema.js';
import { packageRoot } from '../runtime/shared/package-root.js';

export function configSchemaDocument(): string {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/edge-gw/edge-gw/docs/site-config.schema.json',
    title: 'edge-gw site config, version 1',
    ...(fileJsonSchema() as object),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = join(packageRoot(), 'docs', 'site-config.schema.json');
  writeFileSync(file, configSchemaDocument());
  console.log(`wrote ${file}`);
}
