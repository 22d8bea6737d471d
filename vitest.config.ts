import { defineConfig } from 'vitest/config';

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
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.it.test.ts'],
          globalSetup: ['test/harness/build-setup.ts', 'test/harness/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // The services are shared and the machine has 2 cores: one integration file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
