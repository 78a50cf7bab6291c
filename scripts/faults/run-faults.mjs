// `npm run test:faults`: runs the NORTHBOUND.md failure cases (tests/faults, one test per case)
// and ends with one JSON line `{"cases": N, "passed": N}`. Exits non-zero when any case fails
// or the run produced no report.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const report = '.reports/faults.json';
rmSync(report, { force: true });
const run = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.faults.config.ts'], {
  stdio: 'inherit',
});
let cases = 0;
let passed = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  cases = r.numTotalTests ?? 0;
  passed = r.numPassedTests ?? 0;
} catch (err) {
  console.error(`no report at ${report}: ${err.message}`);
}
console.log(JSON.stringify({ cases, passed }));
process.exit(run.status === 0 && cases > 0 && passed === cases ? 0 : 1);
