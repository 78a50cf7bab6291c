import { randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  octetString,
  oid,
  pem,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from './der.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export interface Subject {
  /** The gateway id: what the platform's broker sees as the certificate's CN. */
  commonName: string;
  organization?: string;
}

function name(s: Subject): Buffer {
  const rdn = (type: string, value: string): Buffer => set(sequence(oid(type), utf8String(value)));
  return sequence(
    ...(s.organization ? [rdn(OID.organization, s.organization)] : []),
    rdn(OID.commonName, s.commonName),
  );
}

const ecdsaSha256 = (): Buffer => sequence(oid(OID.ecdsaWithSha256));

/** A client certificate's extensions: not a CA, signs (TLS handshakes), for client auth. */
function clientExtensions(): Buffer {
  const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
    sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
  return sequence(
    ext(OID.basicConstraints, true, sequence()),
    // digitalSignature is bit 0: one byte 0x80 with 7 unused bits.
    ext(OID.keyUsage, true, tlv(0x03, Buffer.from([0x07, 0x80]))),
    ext(OID.extKeyUsage, false, sequence(oid(OID.clientAuth))),
  );
}

function signed(tbs: Buffer, privateKey: KeyObject): Buffer {
  // Node gives ECDSA signatures as DER ECDSA-Sig-Value by default: what X.509 carries.
  const signature = sign('sha256', tbs, privateKey);
  return sequence(tbs, ecdsaSha256(), bitString(signature));
}

/** A PKCS#10 certificate signing request (RFC 2986) for an EC key, PEM. */
export function certificateRequest(
  subject: Subject,
  publicKey: KeyObject,
  privateKey: KeyObject,
): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const attributes = tlv(0xa0, sequence(oid(OID.extensionRequest), set(clientExtensions())));
  const info = sequence(smallInteger(0), name(subject), spki, attributes);
  return pem('CERTIFICATE REQUEST', signed(info, privateKey));
}

/** A self-signed X.509 v3 client certificate (for test sites whose broker trusts it by
 * fingerprint or by a CA file holding it), PEM. */
export function selfSignedCertificate(
  subject: Subject,
  publicKey: KeyObject,
  privateKey: KeyObject,
  notBefore: Date,
  days: number,
): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(randomBytes(16)),
    ecdsaSha256(),
    name(subject),
    sequence(time(notBefore), time(notAfter)),
    name(subject),
    spki,
    explicit(3, clientExtensions()),
  );
  return pem('CERTIFICATE', signed(tbs, privateKey));
}
