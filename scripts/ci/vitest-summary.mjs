// Prints the one line CI reads, "N passed, N failed", from vitest's JSON report, and exits
// non-zero when anything failed or the report is missing (a crashed run is not a green run).
import { readFileSync } from 'node:fs';

// Further arguments `name=exitCode` add suites run outside vitest (test:crash) as one test each.
const file = process.argv[2] ?? '.reports/vitest.json';
const extra = process.argv.slice(3).map((a) => Number(a.split('=')[1] ?? 1));
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`cannot read ${file}: ${err.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = (report.numPassedTests ?? 0) + extra.filter((rc) => rc === 0).length;
// A test file that failed to load has no failed tests in it, but the suite did fail.
const failedSuites = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
).length;
const failed = (report.numFailedTests ?? 0) + failedSuites + extra.filter((rc) => rc !== 0).length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
