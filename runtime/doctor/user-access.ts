import { readFileSync, statSync } from 'node:fs';

export interface Account {
  name: string;
  uid: number;
  /** The primary group and every group that lists the user. */
  gids: number[];
}

function lines(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** A system account as the kernel will see it when the service runs, or undefined. */
export function account(
  name: string,
  passwd = '/etc/passwd',
  group = '/etc/group',
): Account | undefined {
  const p = lines(passwd).find((f) => f[0] === name);
  if (!p || p[2] === undefined || p[3] === undefined) return undefined;
  const gids = [Number(p[3])];
  for (const g of lines(group))
    if (g[2] !== undefined && (g[3] ?? '').split(',').includes(name)) gids.push(Number(g[2]));
  return { name, uid: Number(p[2]), gids };
}

/** The name of a group id, for the fix to print. */
export function groupName(gid: number, group = '/etc/group'): string {
  return lines(group).find((g) => Number(g[2]) === gid)?.[0] ?? String(gid);
}

/** Whether `who` may read and write `file` by its owner, group and mode (root may always). */
export function mayReadWrite(file: string, who: Account): { ok: boolean; gid: number } {
  const s = statSync(file);
  if (who.uid === 0) return { ok: true, gid: s.gid };
  const bits =
    s.uid === who.uid
      ? (s.mode >> 6) & 0o6
      : who.gids.includes(s.gid)
        ? (s.mode >> 3) & 0o6
        : s.mode & 0o6;
  return { ok: bits === 0o6, gid: s.gid };
}
