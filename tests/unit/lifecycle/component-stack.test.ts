import { describe, expect, it } from 'vitest';
import type { Component } from '../../../runtime/lifecycle/component.js';
import { ComponentStack } from '../../../runtime/lifecycle/component-stack.js';
import { silentLog } from '../../../runtime/log/logger.js';

function component(
  name: string,
  events: string[],
  behaviour: { failStart?: boolean; hangStop?: boolean; failStop?: boolean } = {},
): Component {
  return {
    name,
    start: () => {
      events.push(`start ${name}`);
      return behaviour.failStart
        ? Promise.reject(new Error(`${name} cannot start`))
        : Promise.resolve();
    },
    stop: () => {
      events.push(`stop ${name}`);
      if (behaviour.hangStop) return new Promise<void>(() => undefined);
      return behaviour.failStop ? Promise.reject(new Error(`${name} broke`)) : Promise.resolve();
    },
  };
}

describe('ComponentStack', () => {
  it('starts in order and stops in reverse', async () => {
    const events: string[] = [];
    const stack = new ComponentStack(silentLog());
    await stack.start([component('a', events), component('b', events), component('c', events)]);
    const reports = await stack.stop();
    expect(events).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(reports.map((r) => r.outcome)).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('stops what had started when a later component fails to start', async () => {
    const events: string[] = [];
    const stack = new ComponentStack(silentLog());
    await expect(
      stack.start([
        component('a', events),
        component('b', events, { failStart: true }),
        component('c', events),
      ]),
    ).rejects.toThrow('b cannot start');
    expect(events).toEqual(['start a', 'start b', 'stop a']);
  });

  it('bounds a stop that hangs and carries on with the rest', async () => {
    const events: string[] = [];
    const stack = new ComponentStack(silentLog(), 50);
    await stack.start([
      component('a', events),
      component('stuck', events, { hangStop: true }),
      component('broken', events, { failStop: true }),
    ]);
    const t0 = performance.now();
    const reports = await stack.stop();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(reports.map((r) => [r.name, r.outcome])).toEqual([
      ['broken', 'failed'],
      ['stuck', 'timed-out'],
      ['a', 'stopped'],
    ]);
    expect(reports[0]?.error).toBe('broken broke');
  });
});
