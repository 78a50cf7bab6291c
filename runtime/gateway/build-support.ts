import type { SiteConfig } from '../config/schema.js';
import type { SchemaIssue } from '../shared/schema-issues.js';

/**
 * Parts of a valid config that this build cannot run yet. The schema already describes them
 * (so a site file written for a later build still validates); `run` refuses them by name
 * rather than silently ignoring a part the site relies on.
 */
export function unsupportedByThisBuild(config: SiteConfig): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  if (config.statusPage.enabled)
    issues.push({
      path: ['statusPage', 'enabled'],
      problem: 'the status page is not supported by this build yet',
      allowed: 'false',
    });
  return issues;
}
