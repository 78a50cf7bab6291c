import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../../runtime/shared/wait-until.js';

describe('waitUntil', () => {
  it('never returns before its target on the performance clock', async () => {
    for (const ms of [0.2, 1, 3.646, 4, 7.3]) {
      const target = performance.now() + ms;
      await waitUntil(target);
      expect(performance.now()).toBeGreaterThanOrEqual(target);
    }
  });
});
