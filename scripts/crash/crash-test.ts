/**
 * `npm run test:crash`: starts the crash writer on one store again and again and kills it with
 * SIGKILL at a random instant each time (in a burst, in compaction, in outbox bookkeeping, or
 * while it is still opening and recovering the store). After every kill it checks the file:
 * the integrity check passes, every row the writer reported as committed is still there or
 * left in a way the store accounts for, and no outbox sequence number was handed out twice.
 * Ends with one JSON line: {"cycles": N, "lost": N, "reused": N, ...}.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../runtime/shared/package-root.js';
import { seededRandom } from '../../runtime/shared/seeded-random.js';
import { checkStore, Expectations } from './crash-check.js';
import type { CommitReport } from './writer.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '200' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    keep: { type: 'boolean', default: false },
  },
});
const cycles = Number(values.cycles);
const seed = Number(values.seed);
const random = seededRandom(seed);
const dir = mkdtempSync(join(tmpdir(), 'edge-gw-crash-'));
// `node --import tsx`, not the tsx CLI: the CLI runs the script in a child process, which a
// SIGKILL of the CLI would leave running.
const nodeArgs = ['--import', 'tsx'];
const writer = join(packageRoot(), 'scripts', 'crash', 'writer.ts');

interface CycleResult {
  phase: string;
  reports: CommitReport[];
  output: string;
}

/** Runs the writer once and kills it: `afterReadyMs` after it says ready, or, when null, at a
 * random instant while it is still starting. */
function runOnce(cycle: number, afterReadyMs: number | null): Promise<CycleResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeArgs, writer, '--dir', dir, '--seed', String(seed * 1000 + cycle)],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: packageRoot() },
    );
    let buffered = '';
    let errors = '';
    let phase = 'starting';
    const reports: CommitReport[] = [];
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    if (afterReadyMs === null) setTimeout(kill, 150 + random() * 400);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === 'ready') {
          phase = 'opened';
          if (afterReadyMs !== null) setTimeout(kill, afterReadyMs);
        } else if (line.startsWith('P ')) phase = line.slice(2);
        else if (line.startsWith('R ')) reports.push(JSON.parse(line.slice(2)) as CommitReport);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (errors += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`writer exited by itself (code ${code}, cycle ${cycle}):\n${errors}`));
      // A half-written last line means the kill came mid-report: it was never received.
      else resolve({ phase, reports, output: errors });
    });
  });
}

const expectations = new Expectations();
const phases: Record<string, number> = {};
const failures: string[] = [];
let lost = 0;
let reused = 0;
let committedRows = 0;
const started = Date.now();
let epoch: string | undefined;

for (let cycle = 1; cycle <= cycles; cycle++) {
  const whileStarting = random() < 0.1;
  const result = await runOnce(cycle, whileStarting ? null : 20 + random() * 400);
  phases[result.phase] = (phases[result.phase] ?? 0) + 1;
  for (const r of result.reports) {
    reused += expectations.add(r);
    committedRows += r.rows.length;
  }
  const check = checkStore(join(dir, 'store.db'), expectations);
  epoch ??= check.epoch;
  if (check.epoch !== undefined && check.epoch !== epoch) {
    failures.push(`cycle ${cycle}: the store epoch changed (the file was moved aside)`);
    epoch = check.epoch;
  }
  lost += check.lost.length;
  reused += check.reused;
  if (!check.integrityOk) failures.push(`cycle ${cycle}: integrity check: ${check.integrity}`);
  for (const l of check.lost.slice(0, 5)) failures.push(`cycle ${cycle}: lost ${l}`);
  if (cycle % 10 === 0 || cycle === cycles) {
    const s = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(
      `\rcrash cycles ${cycle}/${cycles}  outbox rows checked ${expectations.size}  lost ${lost}  reused ${reused}  ${s} s`,
    );
  }
}
process.stderr.write('\n');
for (const f of failures.slice(0, 20)) console.error(f);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
else console.error(`store kept in ${dir}`);
console.log(
  JSON.stringify({
    cycles,
    lost,
    reused,
    integrity_failures: failures.filter((f) => f.includes('integrity')).length,
    outbox_rows_committed: committedRows,
    kills_by_phase: phases,
    seed,
    seconds: Math.round((Date.now() - started) / 1000),
  }),
);
process.exitCode = lost > 0 || reused > 0 || failures.length > 0 ? 1 : 0;
