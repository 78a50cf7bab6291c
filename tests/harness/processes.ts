import { spawn, type ChildProcess } from 'node:child_process';
import { packageRoot } from '../../runtime/shared/package-root.js';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The command line that runs a TypeScript entry point of this package, as npm scripts do. */
export function tsxArgs(entry: string, args: readonly string[]): string[] {
  return ['--import', 'tsx', entry, ...args];
}

/** Runs a command to completion and collects its output. */
export function run(
  command: string,
  args: readonly string[],
  timeoutMs = 30_000,
  /** Written to the process's stdin, which is then closed (answers to its prompts). */
  input?: string,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: packageRoot(),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * A long-running process (the gateway, the demo) in its own process group, so a signal can go to
 * the whole group as Ctrl-C in a terminal does. Output is kept and can be waited on.
 */
export class LongRunning {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exited: Promise<Finished>;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(command, args, {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env,
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  /** Sends `signal` to the process group and waits for the exit, failing after `timeoutMs`. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<Finished & { ms: number }> {
    const t0 = performance.now();
    if (this.child.pid !== undefined) process.kill(-this.child.pid, signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no exit within ${timeoutMs} ms of ${signal}:\n${this.stdout}\n${this.stderr}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const finished = await Promise.race([this.exited, timeout]);
      return { ...finished, ms: performance.now() - t0 };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the group outright (cleanup after a failed test). */
  kill(): void {
    if (
      this.child.pid !== undefined &&
      this.child.exitCode === null &&
      this.child.signalCode === null
    ) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
