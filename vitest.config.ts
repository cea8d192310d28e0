import { defineConfig } from 'vitest/config';

// Lab tests create network namespaces and real daemons. Each test file has its own lab id and subnet
// (test/lab/names.ts), so files can run side by side: two at a time keeps the suite well under 30 min on
// 2 cores while most of a lab test's time is spent waiting on SSH, Docker and swarm convergence.
// FLEET_TEST_WORKERS=1 runs them one after another (to read a failing file's timing on a quiet machine).
const workers = Math.max(1, Number(process.env.FLEET_TEST_WORKERS ?? 2) || 2);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: workers > 1,
    maxWorkers: workers,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
