import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../runtime/log/logger.js';
import { Store } from '../../../runtime/store/store.js';
import { checkStore, Expectations } from '../../../scripts/crash/crash-check.js';
import { manualClock } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/** The crash test's judge must catch what it is there to catch. */
describe('crash check', () => {
  async function committed(): Promise<{ file: string; exp: Expectations }> {
    const file = join(tempDir(), 'store.db');
    const store = new Store({ file, clock: manualClock(), log: silentLog() });
    await store.start();
    const exp = new Expectations();
    const bodies = ['[1]', '[2]', '[3]', '[4]'];
    const seqs = store.transaction(() => bodies.map((b) => store.outbox.enqueue('event', 0, 1, b)));
    exp.add({
      maxReadingId: 0,
      rows: seqs.map((seq, i) => ({ seq, hash: sha1(bodies[i] ?? ''), summaries: [] })),
    });
    store.transaction(() => {
      store.outbox.markAcked(1, 5);
      store.outbox.purgeAcked(10);
      store.outbox.deadLetter(2, 'refused', 10);
    });
    await store.stop();
    return { file, exp };
  }

  it('passes a store where rows left only by purge after ack or the dead-letter table', async () => {
    const { file, exp } = await committed();
    expect(checkStore(file, exp)).toMatchObject({ integrityOk: true, lost: [], reused: 0 });
  });

  it('reports a committed row that vanished, and a seq whose content changed', async () => {
    const { file, exp } = await committed();
    const db = new Database(file);
    db.prepare('DELETE FROM outbox WHERE seq = 3').run();
    db.prepare("UPDATE outbox SET body = '[99]' WHERE seq = 4").run();
    db.close();
    expect(checkStore(file, exp)).toMatchObject({ lost: ['outbox seq 3'], reused: 1 });
  });
});
