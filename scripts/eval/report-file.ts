import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes an evaluation's figures (`<name>.json`) and its report (`<name>.md`, which names the
 * command and the date) to `outDir`. */
export function writeReport(
  outDir: string,
  name: string,
  title: string,
  command: string,
  figures: Record<string, unknown>,
  body: string,
): void {
  // A folder given with --out may not exist yet; the run's figures must not be lost to that.
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(
    join(outDir, `${name}.md`),
    `# ${title}\n\n\`${command}\`, ${new Date().toISOString().slice(0, 10)}. Raw figures: [${name}.json](${name}.json).\n\n${body}\n`,
  );
}
