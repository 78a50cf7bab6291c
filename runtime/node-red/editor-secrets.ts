import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureDir, writeFileExact } from '../shared/private-files.js';

/** The Node-RED editor's login and the key its flow credentials are encrypted with. */
export interface EditorSecrets {
  username: string;
  password: string;
  /** Encrypts the credentials of the site's flows (flows_cred.json): one per gateway. */
  credentialSecret: string;
}

/** Where a gateway keeps them: readable by the gateway's user only. */
export function editorSecretsFile(dataDir: string): string {
  return join(dataDir, 'secrets', 'node-red.json');
}

/**
 * The gateway's editor secrets, generated on first use when there are none (there is never a
 * default password), in a file of mode 0600 in a folder of mode 0700. A file that others can
 * read is still used, and `loosePermissions` says so, for the caller to warn about.
 */
export function ensureEditorSecrets(dataDir: string): {
  secrets: EditorSecrets;
  file: string;
  created: boolean;
  loosePermissions: boolean;
} {
  const file = editorSecretsFile(dataDir);
  if (existsSync(file)) {
    const secrets = parseSecrets(file, readFileSync(file, 'utf8'));
    return { secrets, file, created: false, loosePermissions: (statSync(file).mode & 0o077) !== 0 };
  }
  const secrets: EditorSecrets = {
    username: 'admin',
    password: newPassword(),
    credentialSecret: randomBytes(32).toString('hex'),
  };
  writeSecrets(file, secrets);
  return { secrets, file, created: true, loosePermissions: false };
}

/** 18 random bytes: 24 characters a field engineer can still type from a phone. */
const newPassword = (): string => randomBytes(18).toString('base64url');

function writeSecrets(
  file: string,
  secrets: EditorSecrets,
  owner?: { uid: number; gid: number },
): void {
  ensureDir(dirname(file), 0o700, owner);
  writeFileExact(file, `${JSON.stringify(secrets, null, 2)}\n`, 0o600, owner);
}

/**
 * A new editor password (re-provisioning), or new secrets where there are none. The key the
 * flows' credentials are encrypted with is kept, so the site's flows keep their credentials.
 */
export function renewEditorPassword(
  dataDir: string,
  owner?: { uid: number; gid: number },
): { secrets: EditorSecrets; file: string } {
  const file = editorSecretsFile(dataDir);
  const old = existsSync(file) ? parseSecrets(file, readFileSync(file, 'utf8')) : undefined;
  const secrets: EditorSecrets = {
    username: old?.username ?? 'admin',
    password: newPassword(),
    credentialSecret: old?.credentialSecret ?? randomBytes(32).toString('hex'),
  };
  writeSecrets(file, secrets, owner);
  return { secrets, file };
}

function parseSecrets(file: string, text: string): EditorSecrets {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `${file} is not JSON (${(e as Error).message}); move it away to generate new editor secrets`,
    );
  }
  const r = raw as Partial<Record<keyof EditorSecrets, unknown>>;
  for (const key of ['username', 'password', 'credentialSecret'] as const)
    if (typeof r[key] !== 'string' || r[key].length < (key === 'username' ? 1 : 12))
      throw new Error(
        `${file}: "${key}" is missing or too short; move the file away to generate new editor secrets (flow credentials encrypted with the old key will need re-entering)`,
      );
  return r as EditorSecrets;
}
