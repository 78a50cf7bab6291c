import { dirname, resolve } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { CONFIG_KIND, loadConfig } from '../config/load-config.js';
import { GatewaySchema } from '../config/schema.js';
import { schemaIssues } from '../shared/schema-issues.js';
import type { SiteConfig } from '../config/schema.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import { DocumentError, readDocument } from '../shared/document.js';

export type SiteLoad = { ok: true; config: SiteConfig } | { ok: false; message: string };

/**
 * Loads a site config the way every command needs it: valid. A
 * problem comes back as the text to print (file:line, field, what was wrong, what is allowed);
 * anything else is a bug and is thrown.
 */
export function loadRunnableSite(file: string, catalogue: DeviceCatalogue): SiteLoad {
  let config: SiteConfig;
  try {
    config = loadConfig(file, { catalogue });
  } catch (e) {
    if (e instanceof DocumentError) return { ok: false, message: e.message };
    throw e;
  }
  return { ok: true, config };
}

export type SetupLoad =
  { ok: true; gateway: { id: string; dataDir: string } } | { ok: false; message: string };

/**
 * Only the `gateway` part of a site config (its id and data directory), for the commands that
 * prepare a gateway before the whole config can pass: `provision` makes the very files that
 * `upstream.tls` points at, so the rest of the config may still name files that do not exist.
 */
export function loadSiteForSetup(file: string): SetupLoad {
  try {
    const doc = readDocument(file, CONFIG_KIND);
    const gateway = (doc.data as { gateway?: unknown } | null)?.gateway;
    const issues = schemaIssues(GatewaySchema, gateway).map((i) => ({
      ...i,
      path: ['gateway', ...i.path],
    }));
    if (issues.length > 0)
      throw new DocumentError(
        file,
        CONFIG_KIND,
        issues.map((i) => ({ ...i, ...doc.locate(i.path, i.atKey) })),
      );
    const g = gateway as Static<typeof GatewaySchema>;
    return { ok: true, gateway: { id: g.id, dataDir: resolve(dirname(resolve(file)), g.dataDir) } };
  } catch (e) {
    if (e instanceof DocumentError) return { ok: false, message: e.message };
    throw e;
  }
}
