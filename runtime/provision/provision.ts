import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { renewEditorPassword } from '../node-red/editor-secrets.js';
import { ensureDir, writeFileExact } from '../shared/private-files.js';
import { certificateRequest, selfSignedCertificate } from './x509.js';

/** The files of a gateway's identity, in `<dataDir>/identity/`. */
export function identityFiles(dataDir: string): {
  dir: string;
  key: string;
  csr: string;
  cert: string;
  commandKey: string;
  manifest: string;
} {
  const dir = join(dataDir, 'identity');
  return {
    dir,
    key: join(dir, 'gateway.key'),
    csr: join(dir, 'gateway.csr'),
    cert: join(dir, 'gateway.crt'),
    commandKey: join(dir, 'command-key.pem'),
    manifest: join(dir, 'identity.json'),
  };
}

export interface ProvisionRequest {
  gatewayId: string;
  dataDir: string;
  /** A self-signed certificate (test sites) instead of a request for the platform's CA. */
  selfSigned: boolean;
  days: number;
  organization?: string;
  /** The platform's Ed25519 public key that signs commands to this gateway (PEM file). */
  commandKeyFile?: string;
  /** Replace an existing identity (the old one is kept in identity/previous-<time>/). */
  force: boolean;
  owner?: { uid: number; gid: number };
  now: Date;
}

export interface ProvisionResult {
  written: { file: string; mode: number; what: string }[];
  /** sha256 of the public key (SubjectPublicKeyInfo DER), hex: how the platform can pin it. */
  publicKeySha256: string;
  /** Where an earlier identity was moved to, with --force. */
  previous?: string;
  editor: { file: string; username: string; password: string };
}

/** Thrown for a request that cannot be carried out, with what to do about it. */
export class ProvisionError extends Error {}

function readCommandKey(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProvisionError(`--command-key: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const key = createPublicKey(text);
    if (key.asymmetricKeyType !== 'ed25519')
      throw new ProvisionError(
        `--command-key: ${file} is a ${key.asymmetricKeyType ?? 'unknown'} key; commands are signed with Ed25519`,
      );
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch (e) {
    if (e instanceof ProvisionError) throw e;
    throw new ProvisionError(
      `--command-key: ${file} is not a PEM public key (${(e as Error).message}); ask the platform for its command-signing public key`,
    );
  }
}

/**
 * Makes the gateway's identity: an EC P-256 key (0600), a certificate signing request or a
 * self-signed certificate, the platform's command key, and a new editor password, all under the
 * data directory. An existing identity is never overwritten without `force`, and even then it
 * is moved aside, not deleted: the platform may still know the gateway by it.
 */
export function provision(req: ProvisionRequest): ProvisionResult {
  const files = identityFiles(req.dataDir);
  // Checked before anything is written, so a bad key file leaves the gateway as it was.
  const commandKey = req.commandKeyFile ? readCommandKey(req.commandKeyFile) : undefined;
  let previous: string | undefined;
  if (existsSync(files.key)) {
    if (!req.force)
      throw new ProvisionError(
        `${files.key} exists: this gateway already has an identity, which the platform may know it by. Use --force to make a new one (the old files are kept in ${files.dir}/previous-<time>/)`,
      );
    previous = join(files.dir, `previous-${req.now.toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(previous, { mode: 0o700 });
    for (const f of readdirSync(files.dir))
      if (!f.startsWith('previous-')) renameSync(join(files.dir, f), join(previous, f));
  }
  // A data directory that exists keeps its mode: it may hold more than this gateway's files.
  if (!existsSync(req.dataDir)) ensureDir(req.dataDir, 0o750, req.owner);
  ensureDir(files.dir, 0o700, req.owner);
  // A new key does not change who signs the commands: keep the platform's key unless given.
  const keptCommandKey =
    !commandKey && previous && existsSync(join(previous, 'command-key.pem'))
      ? readFileSync(join(previous, 'command-key.pem'), 'utf8')
      : undefined;

  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const written: ProvisionResult['written'] = [];
  const write = (file: string, content: string, mode: number, what: string): void => {
    writeFileExact(file, content, mode, req.owner);
    written.push({ file, mode, what });
  };
  write(
    files.key,
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    0o600,
    'private key (EC P-256); never leaves the gateway',
  );
  const subject = {
    commonName: req.gatewayId,
    ...(req.organization ? { organization: req.organization } : {}),
  };
  if (req.selfSigned)
    write(
      files.cert,
      selfSignedCertificate(subject, publicKey, privateKey, req.now, req.days),
      0o644,
      `self-signed client certificate, valid ${req.days} days (test sites)`,
    );
  else
    write(
      files.csr,
      certificateRequest(subject, publicKey, privateKey),
      0o644,
      `certificate signing request: have the platform's CA sign it, save the certificate as ${files.cert}`,
    );
  if (commandKey ?? keptCommandKey)
    write(
      files.commandKey,
      commandKey ?? keptCommandKey ?? '',
      0o644,
      `the platform's command-signing public key${commandKey ? '' : ' (kept)'}`,
    );
  const publicKeySha256 = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  write(
    files.manifest,
    `${JSON.stringify(
      {
        gatewayId: req.gatewayId,
        created: req.now.toISOString(),
        key: 'EC P-256',
        publicKeySha256,
        certificate: req.selfSigned ? 'self-signed' : 'request',
        commandKey: (commandKey ?? keptCommandKey) ? 'command-key.pem' : null,
      },
      null,
      2,
    )}\n`,
    0o644,
    'what was provisioned, and when',
  );
  const editor = renewEditorPassword(req.dataDir, req.owner);
  written.push({ file: editor.file, mode: 0o600, what: 'Node-RED editor and status page login' });
  return {
    written,
    publicKeySha256,
    ...(previous ? { previous } : {}),
    editor: {
      file: editor.file,
      username: editor.secrets.username,
      password: editor.secrets.password,
    },
  };
}
