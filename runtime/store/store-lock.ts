import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Store files open in this process (a lock file cannot tell two users in one process apart). */
const openHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One writer per store: `<file>.lock` holds the pid of the process using it. A lock left by a
 * process that no longer runs (a crash, a power cut) is taken over; one held by a running
 * process, or by this process already, refuses the second opener with who holds it. SQLite
 * would let two processes write the same file in turn, and two gateways on one outbox would
 * send each other's rows under one epoch.
 */
export function lockStore(file: string): () => void {
  const path = resolve(file);
  if (openHere.has(path))
    throw new Error(`the store ${file} is already open in this process: one writer per store`);
  const lock = `${path}.lock`;
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
      throw new Error(
        `the store ${file} is in use by process ${holder}: one writer per store (stop that gateway first)`,
        { cause: err },
      );
    writeFileSync(lock, String(process.pid), { mode: 0o600 });
  }
  openHere.add(path);
  return () => {
    openHere.delete(path);
    rmSync(lock, { force: true });
  };
}

/** The live process holding a store's lock (a running gateway), or undefined. */
export function storeHolder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(`${resolve(file)}.lock`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
