/**
 * Writes docs/site-config.schema.json from the TypeBox schema in runtime/config (the one source
 * of truth). A test fails when the checked-in file is stale: run `npm run schema` after changing
 * the config schema.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileJsonSchema } from '../runtime/config/schema.js';
import { packageRoot } from '../runtime/shared/package-root.js';
import {
  EnvelopeSchema,
  EventRecordSchema,
  GapRecordSchema,
  SummaryRecordSchema,
} from '../runtime/sync/message-schema.js';

export function configSchemaDocument(): string {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/edge-gw/edge-gw/docs/site-config.schema.json',
    title: 'edge-gw site config, version 1',
    ...(fileJsonSchema() as object),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The upstream message schema (data/<kind>), JSON and CBOR alike: the envelope and the
 * records of each known kind. Consumers must ignore fields they do not know. */
export function northboundSchemaDocument(): string {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/edge-gw/edge-gw/docs/northbound.schema.json',
    title: 'edge-gw northbound message (data/<kind>), version 1',
    ...(JSON.parse(JSON.stringify(EnvelopeSchema)) as object),
    $defs: {
      summary: SummaryRecordSchema,
      gap: GapRecordSchema,
      event: EventRecordSchema,
    },
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = join(packageRoot(), 'docs', 'site-config.schema.json');
  writeFileSync(file, configSchemaDocument());
  console.log(`wrote ${file}`);
  const nb = join(packageRoot(), 'docs', 'northbound.schema.json');
  writeFileSync(nb, northboundSchemaDocument());
  console.log(`wrote ${nb}`);
}
