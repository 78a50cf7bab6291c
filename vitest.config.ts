import { defineConfig } from 'vitest/config';

// The JSON report feeds the one-line summary that CI reads (.ci/run); the default reporter is for
// people. Integration suites start real Mosquitto and Modbus servers, so files run in forks.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The failure cases have their own run (npm run test:faults, vitest.faults.config.ts).
    exclude: ['tests/faults/**', '**/node_modules/**'],
    pool: 'forks',
    // The week-long outage test measures the heap after a full collection.
    execArgv: ['--expose-gc'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: '.reports/vitest.json' }]],
  },
});
