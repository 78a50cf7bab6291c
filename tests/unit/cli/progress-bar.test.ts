import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../runtime/cli/progress-bar.js';

/** A stream that records what is written, as a pipe or a terminal. */
function sink(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean } = new PassThrough();
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

describe('ProgressBar', () => {
  it('off a terminal, writes a plain line at each tenth of the way, not one per update', () => {
    const out = sink(false);
    const bar = new ProgressBar('training', 200, out.stream);
    for (let i = 0; i <= 200; i++) bar.update(i, i === 100 ? 'loss 0.5' : '');
    bar.done();
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('training 0/200 (0 %)');
    expect(lines[5]).toBe('training 100/200 (50 %) loss 0.5');
    expect(lines[10]).toBe('training 200/200 (100 %)');
  });

  it('off a terminal, says it is done when the last update fell short of the total', () => {
    const out = sink(false);
    const bar = new ProgressBar('generating', 12_000, out.stream);
    for (let i = 0; i < 12_000; i += 500) bar.update(i);
    bar.done();
    expect(out.text().trimEnd().split('\n').at(-1)).toBe('generating done');
  });

  it('on a terminal, redraws one line in place and ends it', () => {
    const out = sink(true);
    const bar = new ProgressBar('scan', 2, out.stream);
    bar.update(2);
    bar.done();
    expect(out.text()).toBe(`\rscan [${'#'.repeat(30)}] 2/2 \x1b[K\n`);
  });
});
