import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Serial ports this machine has now, stable names first: offered at the prompt. */
export function serialPorts(dev = '/dev'): string[] {
  const found: string[] = [];
  try {
    for (const f of readdirSync(join(dev, 'serial', 'by-id')))
      found.push(join(dev, 'serial', 'by-id', f));
  } catch {
    // No USB serial adapter plugged in.
  }
  try {
    for (const f of readdirSync(dev))
      if (/^tty(USB|ACM|AMA|S[0-3]$)/.test(f)) found.push(join(dev, f));
  } catch {
    // Not a Linux /dev.
  }
  return found;
}
