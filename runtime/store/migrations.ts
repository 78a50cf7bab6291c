import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order inside one transaction; `PRAGMA user_version` records the
 * last one applied. A migration is never edited once released: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
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
  // 2: durable store (issue 4): quantile sketches and flags on summaries, held readings for
  // clock re-stamping, outbox acks and window keys for compaction, events, gaps, dead letters
  // and drop counters.
  `
  -- held: 0 folded or foldable; 1 waiting for this boot's first clock sync; 2 from a boot that
  -- ended before its clock synced (cannot be placed in time).
  ALTER TABLE readings ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX readings_held ON readings (boot) WHERE held > 0;

  -- Summaries keyed by time first: the budget drops and compacts the oldest windows, and with
  -- this order their rows sit together, so deleting them frees whole pages.
  CREATE TABLE summaries2 (
    window_ms   INTEGER NOT NULL,
    t0          INTEGER NOT NULL,
    stream      INTEGER NOT NULL REFERENCES streams(id),
    rev         INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    bad         INTEGER NOT NULL,
    sum         REAL,
    sumsq       REAL,
    min         REAL,
    max         REAL,
    last        REAL,
    tlast       INTEGER,
    sketch      BLOB,
    flags       INTEGER NOT NULL DEFAULT 0,
    clock_state INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (window_ms, t0, stream)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO summaries2 (window_ms, t0, stream, rev, n, bad, sum, min, max, last, tlast)
    SELECT window_ms, t0, stream, rev, n, bad, sum, min, max, last, tlast FROM summaries;
  DROP TABLE summaries;
  ALTER TABLE summaries2 RENAME TO summaries;

  -- window_ms/t0: the window a summary row carries (compaction replaces unsent fine rows).
  -- acked_ms: when the broker accepted it; acked rows are kept for replay, then purged.
  ALTER TABLE outbox ADD COLUMN window_ms INTEGER;
  ALTER TABLE outbox ADD COLUMN t0 INTEGER;
  ALTER TABLE outbox ADD COLUMN acked_ms INTEGER;
  CREATE INDEX outbox_windows ON outbox (window_ms, t0) WHERE window_ms IS NOT NULL;

  -- Events and alarms. wall_ms is NULL when the clock was not synced: never stamped 1970.
  CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    wall_ms     INTEGER,
    mono_ns     INTEGER NOT NULL,
    boot        TEXT NOT NULL,
    clock_state INTEGER NOT NULL,
    body        TEXT NOT NULL
  ) STRICT;

  -- What was dropped, so a platform can tell "missing" from "zero"; synced like data.
  CREATE TABLE gaps (
    id         INTEGER PRIMARY KEY,
    class      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    stream     INTEGER REFERENCES streams(id),
    window_ms  INTEGER,
    from_ms    INTEGER,
    to_ms      INTEGER,
    rows       INTEGER NOT NULL,
    seqs       TEXT,
    created_ms INTEGER NOT NULL
  ) STRICT;

  -- Outbox rows the upstream refused for good; parked, never retried in a loop, never deleted.
  CREATE TABLE dead_letter (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    priority   INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    body       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    moved_ms   INTEGER NOT NULL
  ) STRICT;

  -- Rows dropped, by reason, since the store was created.
  CREATE TABLE drops (
    reason TEXT PRIMARY KEY,
    rows   INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  // 3: northbound sync (issue 5): the sender takes pending rows by priority, then seq; commands
  // from upstream are executed once per id.
  `
  CREATE INDEX outbox_pending ON outbox (priority, seq) WHERE acked_ms IS NULL;

  CREATE TABLE commands (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    result      TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
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
