import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/free-port.js';
import { tempDir } from './temp-dir.js';

function mosquittoBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (existsSync('/usr/sbin/mosquitto')) return '/usr/sbin/mosquitto';
  throw new Error(
    'mosquitto is not installed: `apt-get install -y mosquitto` (see README); the tests start their own broker',
  );
}

/**
 * A real Mosquitto for one test file: its own config, on a free loopback port, with
 * `set_tcp_nodelay true` (Nagle otherwise holds back pipelined PUBACKs). Stop and start it to
 * model an upstream outage; it comes back on the same port.
 */
export class Mosquitto {
  private child?: ChildProcess;
  private readonly log: string[] = [];

  private constructor(
    readonly port: number,
    private readonly configFile: string,
  ) {}

  static async start(extraConfig: string[] = []): Promise<Mosquitto> {
    const port = await freePort();
    const configFile = join(tempDir('mosquitto-'), 'mosquitto.conf');
    writeFileSync(
      configFile,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'set_tcp_nodelay true',
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        // `information` carries the "running" line the harness waits for.
        'log_type information',
        // Started as root, mosquitto would switch to a `mosquitto` user; stay who we are.
        `user ${userInfo().username}`,
        ...extraConfig,
        '',
      ].join('\n'),
    );
    const broker = new Mosquitto(port, configFile);
    await broker.start();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Recent broker log lines, for failure messages. */
  output(): string {
    return this.log.slice(-30).join('\n');
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(mosquittoBinary(), ['-c', this.configFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        this.log.push(...lines);
        if (this.log.length > 200) this.log.splice(0, this.log.length - 200);
        if (lines.some((l) => / running$/.test(l))) resolve();
      });
      child.once('exit', (code) => {
        this.child = undefined;
        reject(new Error(`mosquitto exited with ${code} before it was ready:\n${this.output()}`));
      });
      child.once('error', reject);
    });
  }

  /** Stops the broker and waits until the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
