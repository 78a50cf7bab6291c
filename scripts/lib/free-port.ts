import { createServer } from 'node:net';

/** A TCP port that was free on `host` a moment ago (the OS picks it). Another process could
 * take it before the caller binds; on loopback in tests and the demo that is vanishingly rare. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}
