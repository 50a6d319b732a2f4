import { defineConfig } from 'vitest/config';

// The specs `npm run test:mutation` runs against each mutant (stryker.config.json): only those of the code it
// mutates, so a mutant costs seconds, not the whole unit suite.
export default defineConfig({
  test: {
    setupFiles: ['tests/setup.ts'],
    include: [
      'mappings/engine/functions.spec.ts',
      'mappings/engine/parse-time.spec.ts',
      'schemas/compatibility.spec.ts',
      'bus/runner-decisions.spec.ts',
      'formats/x12/x12.spec.ts',
      'formats/edifact/edifact.spec.ts',
      'formats/located-errors.spec.ts',
      'formats/sap-idoc-orders05/values.spec.ts',
    ],
    testTimeout: 20_000,
  },
});
