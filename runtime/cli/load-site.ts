import { loadConfig } from '../config/load-config.js';
import type { SiteConfig } from '../config/schema.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import { DocumentError } from '../shared/document.js';

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
