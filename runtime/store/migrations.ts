import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order inside one transaction; `PRAGMA user_version` records the
 * last one applied. A migration is never edited once released: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the first store.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  -- One row per reading stream (device point); readings refer to it by number to stay small.
  CREATE TABLE streams (
    id     INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    point  TEXT NOT NULL,
    UNIQUE (device, point)
  ) STRICT;

  -- One row per boot that wrote readings; monotonic times mean something only within a boot.
  CREATE TABLE boots (
    id      INTEGER PRIMARY KEY,
    boot_id TEXT NOT NULL UNIQUE
  ) STRICT;

  -- The raw readings ring. clock_state: 0 synced, 1 saved, 2 unsynced. quality: 0 good, 1 bad.
  CREATE TABLE readings (
    id          INTEGER PRIMARY KEY,
    stream      INTEGER NOT NULL REFERENCES streams(id),
    value       REAL,
    quality     INTEGER NOT NULL,
    boot        INTEGER NOT NULL REFERENCES boots(id),
    mono_ns     INTEGER NOT NULL,
    wall_ms     INTEGER NOT NULL,
    clock_state INTEGER NOT NULL
  ) STRICT;

  -- Closed windows. A later revision of the same window replaces the earlier one.
  CREATE TABLE summaries (
    stream    INTEGER NOT NULL REFERENCES streams(id),
    window_ms INTEGER NOT NULL,
    t0        INTEGER NOT NULL,
    rev       INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    bad       INTEGER NOT NULL,
    sum       REAL,
    min       REAL,
    max       REAL,
    last      REAL,
    tlast     INTEGER,
    PRIMARY KEY (stream, window_ms, t0)
  ) STRICT, WITHOUT ROWID;

  -- What is still to be sent upstream. AUTOINCREMENT: a seq is never reused, even after the
  -- newest rows are deleted, so (store_epoch, seq) identifies one message forever.
  CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    priority   INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION)
    throw new Error(
      `the store was written by a newer edge-gw (schema ${current}; this one knows ${SCHEMA_VERSION})`,
    );
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
