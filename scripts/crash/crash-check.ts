import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../runtime/store/migrations.js';
import { parseIsoDuration } from '../../runtime/shared/iso-duration.js';
import { CRASH_SETUP } from './crash-setup.js';
import type { CommitReport } from './writer.js';

/** Everything the writer has reported as committed, across all its lives. */
export class Expectations {
  readonly seqs = new Map<number, string>();
  /** `dev|m|windowMs|t0` → highest revision reported. */
  readonly summaries = new Map<string, number>();
  maxReadingId = 0;

  /** Adds one report; returns how many of its seqs were already reported with other content. */
  add(r: CommitReport): number {
    let reused = 0;
    this.maxReadingId = Math.max(this.maxReadingId, r.maxReadingId);
    for (const row of r.rows) {
      const before = this.seqs.get(row.seq);
      if (before !== undefined && before !== row.hash) reused++;
      this.seqs.set(row.seq, row.hash);
      for (const [dev, m, w, t0, rev] of row.summaries) {
        const key = `${dev}|${m}|${parseIsoDuration(w) ?? 0}|${t0}`;
        this.summaries.set(key, Math.max(rev, this.summaries.get(key) ?? -1));
      }
    }
    return reused;
  }

  get size(): number {
    return this.seqs.size;
  }
}

export interface CheckResult {
  integrity: string;
  integrityOk: boolean;
  epoch: string | undefined;
  lost: string[];
  reused: number;
}

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

/**
 * Opens the store read-only (no checkpoint, no recovery written: the next writer finds the file
 * as the kill left it) and judges it against what was reported.
 */
export function checkStore(file: string, exp: Expectations): CheckResult {
  const nothingReported = exp.size === 0 && exp.maxReadingId === 0;
  if (!existsSync(file) && nothingReported)
    return { integrity: 'ok', integrityOk: true, epoch: undefined, lost: [], reused: 0 };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? '';
    // Killed while creating the store: nothing was committed, so nothing can be missing.
    if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION && nothingReported)
      return { integrity, integrityOk: integrity === 'ok', epoch: undefined, lost: [], reused: 0 };
    const meta = (key: string): string | undefined =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
        ?.value;
    const lost: string[] = [];
    let reused = 0;

    const outbox = new Map<number, string>();
    for (const r of db.prepare('SELECT seq, body FROM outbox').all() as {
      seq: number;
      body: string;
    }[])
      outbox.set(r.seq, sha1(r.body));
    const dead = new Map<number, string>();
    for (const r of db.prepare('SELECT seq, body FROM dead_letter').all() as {
      seq: number;
      body: string;
    }[])
      dead.set(r.seq, sha1(r.body));
    const purgedThrough = Number(meta('outbox.purged_through') ?? 0);
    const gaps = db.prepare('SELECT class, window_ms, from_ms, to_ms, seqs FROM gaps').all() as {
      class: string;
      window_ms: number | null;
      from_ms: number | null;
      to_ms: number | null;
      seqs: string | null;
    }[];
    const gapSeqs: [number, number][] = gaps.flatMap((g) =>
      g.seqs ? (JSON.parse(g.seqs) as [number, number][]) : [],
    );
    const head =
      (
        db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
          { seq: number } | undefined
      )?.seq ?? 0;

    for (const [seq, hash] of exp.seqs) {
      if (seq > head) reused++; // the counter is behind a seq already handed out
      const found = outbox.get(seq) ?? dead.get(seq);
      if (found !== undefined) {
        if (found !== hash) reused++;
        continue;
      }
      if (seq <= purgedThrough) continue;
      if (gapSeqs.some(([a, b]) => seq >= a && seq <= b)) continue;
      lost.push(`outbox seq ${seq}`);
    }

    const streams = new Map<string, number>();
    for (const s of db.prepare('SELECT id, device, point FROM streams').all() as {
      id: number;
      device: string;
      point: string;
    }[])
      streams.set(`${s.device}|${s.point}`, s.id);
    const summaries = new Map<string, number>();
    for (const s of db.prepare('SELECT window_ms, t0, stream, rev FROM summaries').all() as {
      window_ms: number;
      t0: number;
      stream: number;
      rev: number;
    }[])
      summaries.set(`${s.stream}|${s.window_ms}|${s.t0}`, s.rev);
    const coarse = CRASH_SETUP.compactToMs;
    for (const [key, rev] of exp.summaries) {
      const [dev, m, w, t0s] = key.split('|');
      const windowMs = Number(w);
      const t0 = Number(t0s);
      const stream = streams.get(`${dev}|${m}`);
      const stored = summaries.get(`${stream}|${windowMs}|${t0}`);
      if (stored !== undefined && stored >= rev) continue;
      const c0 = Math.floor(t0 / coarse) * coarse;
      if (stored === undefined && summaries.has(`${stream}|${coarse}|${c0}`)) continue;
      const covered = gaps.some(
        (g) =>
          g.class === 'summary' &&
          (g.window_ms === windowMs || g.window_ms === coarse) &&
          g.from_ms !== null &&
          g.to_ms !== null &&
          t0 >= g.from_ms &&
          t0 < g.to_ms,
      );
      if (!covered)
        lost.push(
          `summary ${key} rev ${rev}${stored !== undefined ? ` (store has rev ${stored})` : ''}`,
        );
    }

    const evicted = Number(meta('readings.evicted_through') ?? 0);
    if (exp.maxReadingId > evicted) {
      const present = (
        db
          .prepare('SELECT count(*) AS n FROM readings WHERE id > ? AND id <= ?')
          .get(evicted, exp.maxReadingId) as { n: number }
      ).n;
      const missing = exp.maxReadingId - evicted - present;
      if (missing > 0) lost.push(`${missing} readings in ids ${evicted + 1}..${exp.maxReadingId}`);
    }
    return { integrity, integrityOk: integrity === 'ok', epoch: meta('store_epoch'), lost, reused };
  } finally {
    db.close();
  }
}
