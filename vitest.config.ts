import { defineConfig } from 'vitest/config';

// Two projects, told apart by file name as the codebases we follow do:
// `*.spec.ts` needs nothing running, `*.int.spec.ts` needs the real stack (Kafka, registry, PostgreSQL),
// which the int project's global setup starts or reuses.
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['tests/setup.ts'],
          include: ['**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', 'node_modules/**', '.eai/**', '.stryker-tmp/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'int',
          setupFiles: ['tests/setup.ts'],
          include: ['**/*.int.spec.ts'],
          exclude: ['node_modules/**', '.eai/**', '.stryker-tmp/**'],
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
