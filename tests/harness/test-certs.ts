import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export interface CertSet {
  dir: string;
  /** The CA that signed the broker's and the client's certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: a client trusting only it must refuse the broker. */
  otherCa: string;
  /** A client certificate signed by `otherCa`: a broker trusting `ca` must refuse it. */
  strangerCert: string;
  strangerKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir: string, name: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${name}`,
    ]),
  );
}

function signed(dir: string, name: string, caName: string, cn: string, ext: string): void {
  openssl(
    dir,
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`].concat([
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ]),
  );
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`].concat(
      ['-CAkey', `${caName}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`],
      ['-extfile', `${name}.ext`],
    ),
  );
}

/**
 * Certificates made at test time with openssl (never checked in, valid two days): a CA, a broker
 * certificate for 127.0.0.1 and localhost, a client certificate for gateway `lp1`, and a second
 * CA with its own client certificate for the refusal cases.
 */
export function makeTestCerts(): CertSet {
  const dir = tempDir('certs-');
  ca(dir, 'ca');
  ca(dir, 'other-ca');
  signed(dir, 'server', 'ca', 'broker', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  signed(dir, 'client', 'ca', 'lp1', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'stranger', 'other-ca', 'lp1', 'extendedKeyUsage=clientAuth\n');
  const f = (n: string): string => join(dir, n);
  return {
    dir,
    ca: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    otherCa: f('other-ca.crt'),
    strangerCert: f('stranger.crt'),
    strangerKey: f('stranger.key'),
  };
}
