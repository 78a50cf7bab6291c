import { CONFIG_KIND, loadConfig } from '../config/load-config.js';
import type { SiteConfig } from '../config/schema.js';
import type { DeviceCatalogue } from '../devices/catalogue.js';
import { unsupportedByThisBuild } from '../gateway/build-support.js';
import { DocumentError, formatIssue, readDocument } from '../shared/document.js';

export type SiteLoad = { ok: true; config: SiteConfig } | { ok: false; message: string };

/**
 * Loads a site config the way every command needs it: valid, and runnable by this build. A
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
  const unsupported = unsupportedByThisBuild(config);
  if (unsupported.length === 0) return { ok: true, config };
  const doc = readDocument(file, CONFIG_KIND);
  return {
    ok: false,
    message: [
      `${file} is a valid site config, but this build cannot run all of it:`,
      ...unsupported.map(
        (issue) => `  ${formatIssue(file, { ...issue, ...doc.locate(issue.path) })}`,
      ),
    ].join('\n'),
  };
}
