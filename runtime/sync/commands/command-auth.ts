import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Who may command a gateway. A command is signed over `topic + "\n" + payload` (so a command
 * for one gateway or one command name cannot be replayed against another), and the signature
 * travels in the MQTT 5 user property `sig` as `hmac-sha256:<base64>` or `ed25519:<base64>`.
 * HMAC needs a secret shared with the platform; Ed25519 needs only the platform's public key
 * on the gateway, so a stolen gateway cannot sign commands for its neighbours.
 */
export interface CommandKeys {
  /** HMAC-SHA256 secret: the key file's bytes, without a trailing newline. */
  hmacKey?: Buffer;
  ed25519PublicKey?: KeyObject;
}

export function loadCommandKeys(files: {
  hmacKeyFile?: string | undefined;
  ed25519PublicKeyFile?: string | undefined;
}): CommandKeys {
  const keys: CommandKeys = {};
  if (files.hmacKeyFile) {
    const key = readFileSync(files.hmacKeyFile)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (key.length < 32)
      throw new Error(
        `${files.hmacKeyFile}: an HMAC key needs at least 32 characters (this one has ${key.length})`,
      );
    keys.hmacKey = Buffer.from(key, 'utf8');
  }
  if (files.ed25519PublicKeyFile) {
    const key = createPublicKey(readFileSync(files.ed25519PublicKeyFile));
    if (key.asymmetricKeyType !== 'ed25519')
      throw new Error(
        `${files.ed25519PublicKeyFile}: expected an Ed25519 public key, found ${key.asymmetricKeyType ?? 'a secret key'}`,
      );
    keys.ed25519PublicKey = key;
  }
  return keys;
}

function signedBytes(topic: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${topic}\n`, 'utf8'), payload]);
}

/** Checks a command's signature; returns why it is refused, or undefined when it is good. */
export function checkSignature(
  keys: CommandKeys,
  topic: string,
  payload: Buffer,
  sig: string | undefined,
): string | undefined {
  if (!keys.hmacKey && !keys.ed25519PublicKey)
    return 'no command authority is configured on this gateway (upstream.commands)';
  if (!sig) return 'unsigned: the user property "sig" is missing';
  const colon = sig.indexOf(':');
  const scheme = colon > 0 ? sig.slice(0, colon) : '';
  const given = Buffer.from(sig.slice(colon + 1), 'base64');
  const data = signedBytes(topic, payload);
  if (scheme === 'hmac-sha256') {
    if (!keys.hmacKey) return 'hmac-sha256 signatures are not accepted here (no HMAC key)';
    const want = createHmac('sha256', keys.hmacKey).update(data).digest();
    return given.length === want.length && timingSafeEqual(given, want)
      ? undefined
      : 'bad signature';
  }
  if (scheme === 'ed25519') {
    if (!keys.ed25519PublicKey)
      return 'ed25519 signatures are not accepted here (no Ed25519 public key)';
    return verify(null, data, keys.ed25519PublicKey, given) ? undefined : 'bad signature';
  }
  return `unknown signature scheme "${scheme}" (hmac-sha256 or ed25519)`;
}

/** The `sig` property for a command: what a platform (or the reference consumer) sends. */
export function signCommand(
  topic: string,
  payload: Buffer,
  key: { hmacKey: Buffer } | { ed25519PrivateKeyPem: string | Buffer },
): string {
  const data = signedBytes(topic, payload);
  if ('hmacKey' in key)
    return `hmac-sha256:${createHmac('sha256', key.hmacKey).update(data).digest('base64')}`;
  const privateKey = createPrivateKey(key.ed25519PrivateKeyPem);
  return `ed25519:${sign(null, data, privateKey).toString('base64')}`;
}
