/**
 * Writes docs/site-config.schema.json from the TypeBox schema in runtime/config (the one source
 * of truth). A test fails when the checked-in file is stale: run `npm run schema` after changing
 * the config schema.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileJsonSchema } from '../runtime/config/schema.js';
import { packageRoot } from '../runtime/shared/package-root.js';
import { COMMAND_ARGS, CommandEnvelopeSchema } from '../runtime/sync/commands/command-specs.js';
import {
  CrowdRecordSchema,
  CustomRecordSchema,
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
      crowd: CrowdRecordSchema,
      custom: CustomRecordSchema,
    },
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Commands a platform sends on `cmd/<name>`: the envelope, and in `$defs` the `args` of each
 * command by name. The signature travels in the MQTT 5 user property `sig` (docs/northbound.md). */
export function commandsSchemaDocument(): string {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/edge-gw/edge-gw/docs/commands.schema.json',
    title: 'edge-gw command (cmd/<name>), version 1',
    ...(JSON.parse(JSON.stringify(CommandEnvelopeSchema)) as object),
    $defs: JSON.parse(JSON.stringify(COMMAND_ARGS)) as object,
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
  const cmd = join(packageRoot(), 'docs', 'commands.schema.json');
  writeFileSync(cmd, commandsSchemaDocument());
  console.log(`wrote ${cmd}`);
}
