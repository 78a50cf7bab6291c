import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the NORTHBOUND.md failure cases, one test each, against a real
// Mosquitto through the fault proxy. Files run one at a time: several cases measure time
// (detection within a deadline, latency while a backlog drains) and must not share two cores.
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: '.reports/faults.json' }]],
  },
});
