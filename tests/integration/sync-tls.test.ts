import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamConfig } from '../../runtime/config/schema.js';
import { capturedLog } from '../harness/log-capture.js';
import { Mosquitto } from '../harness/mosquitto.js';
import { storeAndSender } from '../harness/real-time-sender.js';
import { tempDir } from '../harness/temp-dir.js';
import { makeTestCerts, type CertSet } from '../harness/test-certs.js';
import { waitFor } from '../harness/wait-for.js';

const ROWS = 12;

/** Runs a sender holding ROWS rows, with `upstream` added to the config, until `done` holds;
 * returns its stats, its log and what is still pending. */
async function runSender(
  url: string,
  upstream: Partial<UpstreamConfig>,
  done: (pending: number, lines: { msg: string }[]) => boolean,
  what: string,
) {
  const { log, lines } = capturedLog();
  const { store, sender } = await storeAndSender(url, Array<string>(ROWS).fill('[]'), 5_000, {
    upstream,
    log,
  });
  await sender.start();
  try {
    await waitFor(() => done(store.outbox.stats().pending, lines), what, 15_000);
    return { stats: sender.stats(), lines, pending: store.outbox.stats().pending };
  } finally {
    await sender.stop();
    await store.stop();
  }
}

/** Every row acknowledged by the broker. */
const deliver = (url: string, upstream: Partial<UpstreamConfig>) =>
  runSender(url, upstream, (pending) => pending === 0, 'every row to be acked');

/** A sender the broker must refuse: until the refusal is logged. */
const refused = (url: string, upstream: Partial<UpstreamConfig>) =>
  runSender(
    url,
    upstream,
    (_pending, lines) => lines.some((l) => l.msg === 'upstream error'),
    'the refusal to be logged',
  );

/** The errors the sender logged, each with the hint it gave. */
function errors(lines: { msg: string; [k: string]: unknown }[]): string[] {
  return lines
    .filter((l) => l.msg === 'upstream error')
    .map((l) => `${String(l.err)} | ${String(l.hint)}`);
}

describe('upstream over TLS with client certificates (mutual TLS)', () => {
  let certs: CertSet;
  let broker: Mosquitto;
  let url: string;
  beforeAll(async () => {
    certs = makeTestCerts();
    broker = await Mosquitto.start([
      `cafile ${certs.ca}`,
      `certfile ${certs.serverCert}`,
      `keyfile ${certs.serverKey}`,
      'require_certificate true',
    ]);
    url = `mqtts://127.0.0.1:${broker.port}`;
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('delivers every row with a client certificate the broker trusts', async () => {
    const { stats, lines } = await deliver(url, {
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    expect(stats.connects).toBe(1);
    expect(stats.acked).toBe(ROWS);
    expect(lines.some((l) => l.msg === 'upstream connected')).toBe(true);
  });

  it('is refused without a client certificate, and keeps every row', async () => {
    const r = await refused(url, { tls: { ca: certs.ca } });
    expect(errors(r.lines).join('\n')).toMatch(/requires a client certificate/);
    expect(r.stats.connects).toBe(0);
    expect(r.pending).toBe(ROWS);
  });

  it('is refused with a certificate from a CA the broker does not trust', async () => {
    const r = await refused(url, {
      tls: { ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey },
    });
    expect(errors(r.lines).join('\n')).toMatch(/does not trust the gateway's client certificate/);
    expect(r.stats.connects).toBe(0);
    expect(r.pending).toBe(ROWS);
  });

  it('refuses a broker whose certificate its CA did not sign, and says so', async () => {
    const r = await refused(url, {
      tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey },
    });
    expect(r.stats.connects).toBe(0);
    expect(r.pending).toBe(ROWS);
    expect(errors(r.lines).join('\n')).toMatch(/not signed by the CA in upstream.tls.ca/);
  });

  it('never writes key material to the log', async () => {
    const { lines } = await deliver(url, {
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain('PRIVATE KEY');
    expect(logged).not.toContain('BEGIN CERTIFICATE');
  });
});

describe('upstream with a user name and password', () => {
  const password = 'Lamp-pole-secret-7731';
  let broker: Mosquitto;
  let passwordFile: string;
  let wrongFile: string;
  beforeAll(async () => {
    const dir = tempDir('passwd-');
    const brokerPasswords = join(dir, 'broker.passwd');
    execFileSync('mosquitto_passwd', ['-b', '-c', brokerPasswords, 'lp1', password]);
    passwordFile = join(dir, 'upstream.password');
    // As `echo > file` leaves it: the trailing newline is not part of the password.
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    wrongFile = join(dir, 'wrong.password');
    writeFileSync(wrongFile, 'not-the-password', { mode: 0o600 });
    broker = await Mosquitto.start(['allow_anonymous false', `password_file ${brokerPasswords}`]);
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('delivers every row with the right password, and never logs it', async () => {
    const { stats, lines } = await deliver(broker.url, { username: 'lp1', passwordFile });
    expect(stats.acked).toBe(ROWS);
    expect(JSON.stringify(lines)).not.toContain(password);
  });

  it('is refused with a wrong password: a clear reason, backing off, no rows lost, no secret logged', async () => {
    const r = await refused(broker.url, { username: 'lp1', passwordFile: wrongFile });
    expect(errors(r.lines).join('\n')).toMatch(/refused the login: check upstream.username/);
    expect(r.stats.connects).toBe(0);
    expect(r.pending).toBe(ROWS);
    // Reconnects back off (first delay up to a second): no tight loop against a refusing broker.
    expect(r.stats.attempts).toBeLessThanOrEqual(3);
    expect(JSON.stringify(r.lines)).not.toContain('not-the-password');
  });

  it('is refused without credentials (no anonymous access)', async () => {
    const r = await refused(broker.url, {});
    expect(r.stats.connects).toBe(0);
    expect(r.pending).toBe(ROWS);
  });
});
