import type { Log } from '../log/logger.js';
import type { Component } from './component.js';

export interface StopReport {
  name: string;
  ms: number;
  outcome: 'stopped' | 'timed-out' | 'failed';
  error?: string;
}

/**
 * Starts components in order and stops them in reverse. A failed start stops what had started.
 * Each stop is bounded: a component that does not finish within `stopTimeoutMs` is reported and
 * skipped, so one stuck driver cannot keep a gateway from shutting down. The bound is real time
 * on purpose, even under a manual clock: a hung stop is a real-world hang.
 */
export class ComponentStack {
  private started: Component[] = [];

  constructor(
    private readonly log: Log,
    private readonly stopTimeoutMs = 5_000,
  ) {}

  async start(components: readonly Component[]): Promise<void> {
    for (const component of components) {
      try {
        await component.start();
      } catch (err) {
        this.log.error({ component: component.name, err }, 'start failed; stopping what started');
        await this.stop();
        throw err;
      }
      this.started.push(component);
    }
  }

  async stop(): Promise<StopReport[]> {
    const reports: StopReport[] = [];
    while (this.started.length > 0) {
      const component = this.started.pop();
      if (component) reports.push(await this.stopOne(component));
    }
    return reports;
  }

  private async stopOne(component: Component): Promise<StopReport> {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), this.stopTimeoutMs);
    });
    try {
      const outcome = await Promise.race([
        component.stop().then(() => 'stopped' as const),
        deadline,
      ]);
      const report = { name: component.name, ms: performance.now() - t0, outcome };
      if (outcome === 'timed-out')
        this.log.error(
          { component: component.name, limitMs: this.stopTimeoutMs },
          'stop timed out',
        );
      return report;
    } catch (err) {
      this.log.error({ component: component.name, err }, 'stop failed');
      return {
        name: component.name,
        ms: performance.now() - t0,
        outcome: 'failed',
        error: err instanceof Error ? err.message : String(err),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
