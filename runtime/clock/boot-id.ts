import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const KERNEL_BOOT_ID = '/proc/sys/kernel/random/boot_id';

/** The kernel's boot id (a fresh UUID every boot). Where there is none (not Linux, or a sandbox
 * hiding /proc), a random id per process: monotonic times are then scoped to the process, which
 * is stricter than needed but never wrong. */
export function readBootId(path = KERNEL_BOOT_ID): string {
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  } catch {
    // fall through to a per-process id
  }
  return randomUUID();
}
