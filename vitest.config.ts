import { defineConfig } from 'vitest/config';

// floe needs Node 24 (node:sqlite, node:zlib zstd): on an older Node the tests would fail one by
// one with obscure errors. Say it once, with the fix (docs/development.md).
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24) {
  throw new Error(`floe's tests need Node.js 24 or newer, this is ${process.version}: run them through scripts/with-node.sh (npm test does), e.g. scripts/with-node.sh npx vitest run <file>`);
}

// Two projects: unit tests need nothing running; integration tests (*.it.test.ts) get the real
// stack (Kafka, Schema Registry, REST catalog, S3, Spark/PyIceberg oracle) from the global setup.
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.it.test.ts', 'node_modules/**'],
          globalSetup: ['test/harness/build-setup.ts'],
          testTimeout: 60_000,
          env: { FLOE_FETCH_BUFFER_POISON: '1' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.it.test.ts'],
          globalSetup: ['test/harness/build-setup.ts', 'test/harness/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // A fetch response's memory is poisoned where the daemon would reuse it, so a record's
          // bytes kept past their batch fail the suites' exact comparisons (src/source/fetch-buffers.ts).
          env: { FLOE_FETCH_BUFFER_POISON: '1' },
          // The services are shared and the machine has 2 cores: one integration file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
