import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** A system user's uid and gid, from /etc/passwd (Node has no getpwnam). */
export function lookupUser(name: string, passwd = '/etc/passwd'): { uid: number; gid: number } {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${passwd} to find user ${name}: ${(e as Error).message}`);
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    `there is no user "${name}" on this machine (scripts/install.sh creates edge-gw)`,
  );
}

/** A folder with exactly `mode` (the umask can only take bits away; this sets them). */
export function ensureDir(dir: string, mode: number, owner?: { uid: number; gid: number }): void {
  mkdirSync(dir, { recursive: true, mode });
  chmodSync(dir, mode);
  if (owner) chownSync(dir, owner.uid, owner.gid);
}

/** Writes a whole file atomically (temp file, rename) with exactly `mode`, never leaving a
 * half-written key behind after a power cut. */
export function writeFileExact(
  file: string,
  content: string,
  mode: number,
  owner?: { uid: number; gid: number },
): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  if (owner) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, file);
}
