import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Two linked pseudo-terminals made by socat: whatever is written to one end is read at the
 * other, like the two ends of a serial cable. The gateway opens `gatewayEnd`, a simulator opens
 * `deviceEnd`. Stopping socat closes both ends, as unplugging a USB adapter does; starting it
 * again re-creates the same paths.
 */
export class PtyPair {
  private child?: ChildProcess;
  readonly gatewayEnd: string;
  readonly deviceEnd: string;

  constructor(readonly dir: string = mkdtempSync(join(tmpdir(), 'edge-gw-pty-'))) {
    this.gatewayEnd = join(dir, 'gateway');
    this.deviceEnd = join(dir, 'device');
  }

  static async start(dir?: string): Promise<PtyPair> {
    const pair = new PtyPair(dir);
    await pair.start();
    return pair;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'socat',
      [`pty,raw,echo=0,link=${this.gatewayEnd}`, `pty,raw,echo=0,link=${this.deviceEnd}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) =>
        reject(new Error(`cannot run socat (apt-get install -y socat): ${err.message}`)),
      );
      child.once('exit', (code) =>
        reject(new Error(`socat exited with ${code}: ${stderr.trim()}`)),
      );
    });
    failed.catch(() => undefined);
    const ready = (async () => {
      while (!existsSync(this.gatewayEnd) || !existsSync(this.deviceEnd))
        await new Promise((r) => setTimeout(r, 5));
    })();
    await Promise.race([ready, failed]);
  }

  /** Ends socat (both ends close) and waits until it has gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops socat and removes the folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
