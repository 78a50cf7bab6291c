import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../runtime/log/logger.js';
import type { EventRecord } from '../../../runtime/store/events-table.js';
import { Store } from '../../../runtime/store/store.js';
import { manualClock } from '../../harness/gateway-fixtures.js';
import { tempDir } from '../../harness/temp-dir.js';

async function open(file: string): Promise<Store> {
  const store = new Store({ file, clock: manualClock(), log: silentLog() });
  await store.start();
  return store;
}

function storeAlarm(store: Store): EventRecord | undefined {
  const row = store.outbox.after(0, 100).find((r) => r.kind === 'event');
  return row ? (JSON.parse(row.body) as EventRecord[])[0] : undefined;
}

describe('Store on a damaged file', () => {
  it('moves a file that is not a database aside, untouched, and starts a new store with an alarm', async () => {
    const dir = tempDir();
    const file = join(dir, 'store.db');
    writeFileSync(file, 'this is not a SQLite database, it is a text file '.repeat(100));
    const store = await open(file);
    const aside = readdirSync(dir).filter((f) => f.startsWith('store.db.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0] ?? ''), 'utf8')).toMatch(/^this is not a SQLite/);
    expect(store.corruption?.movedTo).toBe(join(dir, aside[0] ?? ''));
    expect(storeAlarm(store)).toMatchObject({
      kind: 'store_corrupt',
      severity: 'alarm',
      data: { movedTo: join(dir, aside[0] ?? ''), newEpoch: store.epoch },
    });
    await store.stop();
  });

  it('moves aside a database whose pages were damaged, and keeps the new one usable', async () => {
    const dir = tempDir();
    const file = join(dir, 'store.db');
    const first = await open(file);
    const oldEpoch = first.epoch;
    first.transaction(() => {
      for (let i = 0; i < 2000; i++) first.outbox.enqueue('summary', 1, i, `[${'x'.repeat(200)}]`);
    });
    await first.stop();
    // Scribble over the middle of the file, as a failing SD card does.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096 * 5);
    closeSync(fd);
    const second = await open(file);
    expect(second.corruption?.reason).toMatch(/integrity check failed|malformed|not a database/);
    expect(second.epoch).not.toBe(oldEpoch);
    expect(existsSync(second.corruption?.movedTo ?? '')).toBe(true);
    expect(second.transaction(() => second.outbox.enqueue('summary', 1, 1, '[]'))).toBe(2);
    await second.stop();
  });

  it('runs the full integrity check after an unclean stop, and a quick one after a clean stop', async () => {
    const live = join(tempDir(), 'live.db');
    const a = await open(live);
    // A copy of a store that is still open is what a process that died leaves behind.
    const file = join(tempDir(), 'store.db');
    copyFileSync(live, file);
    if (existsSync(`${live}-wal`)) copyFileSync(`${live}-wal`, `${file}-wal`);
    const b = await open(file);
    expect(b.startedAfterCrash).toBe(true);
    await b.stop();
    const c = await open(file);
    expect(c.startedAfterCrash).toBe(false);
    await c.stop();
    await a.stop();
  });
});

describe('one writer per store', () => {
  it('refuses a second opener of the same file, and frees the file on stop', async () => {
    const file = join(tempDir(), 'store.db');
    const a = await open(file);
    await expect(open(file)).rejects.toThrow(/already open in this process: one writer per store/);
    await a.stop();
    const b = await open(file);
    await b.stop();
  });

  it('refuses a file locked by another running process, and takes over a dead one', async () => {
    const file = join(tempDir(), 'store.db');
    // pid 1 always runs; a pid far above pid_max never does.
    writeFileSync(`${file}.lock`, '1');
    await expect(open(file)).rejects.toThrow(/in use by process 1/);
    writeFileSync(`${file}.lock`, '99999999');
    const s = await open(file);
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(String(process.pid));
    await s.stop();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
