import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding this package's package.json, found from this file whether it runs from
 * the TypeScript sources or from the built `dist/`. Data folders (devices/, models/, flows/)
 * are found from here. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'edge-gw') return (cached = dir);
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(
        'cannot find the edge-gw package root above ' + fileURLToPath(import.meta.url),
      );
    dir = parent;
  }
}

let version: string | undefined;

/** This edge-gw's version, from its package.json (read once: the status page asks per request). */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}
