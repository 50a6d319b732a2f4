import { defineConfig } from 'vitest/config';
import IntSequencer from './tests/int-sequencer.ts';

// Two projects, told apart by file name as the codebases we follow do:
// `*.spec.ts` needs nothing running, `*.int.spec.ts` needs the real stack (Kafka, registry, PostgreSQL),
// which the int project's global setup starts or reuses.
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    sequence: { sequencer: IntSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['tests/setup.ts'],
          include: ['**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', 'node_modules/**', '.eai/**', '.stryker-tmp/**'],
          testTimeout: 20_000,
          // Vitest's default is one worker less than the cores (one, on the 2-core machines CI runs on), and a fresh
          // process and module graph per file: 133 files one at a time (281 s, of which 202 s in tests, last CI run).
          // Unit files share no state they do not reset (no mocks, no globals), so two workers reuse their modules.
          maxWorkers: 2,
          isolate: false,
        },
      },
      {
        test: {
          name: 'int',
          // int-setup.ts waits for the stack, which the global setup starts while the unit files run.
          setupFiles: ['tests/setup.ts', 'tests/int-setup.ts'],
          include: ['**/*.int.spec.ts'],
          exclude: ['node_modules/**', '.eai/**', '.stryker-tmp/**'],
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two files at a time, each in a process that keeps its modules: a fresh process and module graph per file
          // cost 390 s of a 1,240 s int run (131 files, ~3 s each of loading kafkajs, DBOS, pg...), 210 s without.
          // Files share their process's singletons, so a spec reads what it changed, not absolute counts
          // (prom-client's registry: parked-retry.int.spec.ts compares its counters before and after). One at a time,
          // the int files left the two cores half idle (waiting on the broker, timers, child processes): 997 s of
          // 1,196. Files that touch what every run shares run one at a time beside the others (tests/int-lanes.ts).
          maxWorkers: 2,
          isolate: false,
          // After the unit files, while which the global setup starts the stack.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
