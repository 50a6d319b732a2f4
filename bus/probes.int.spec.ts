import { describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { registryAnswers } from './probes.ts';

/** Readiness of the dev stack's real registry; how it names one that does not answer: probes.spec.ts. */
describe('registryAnswers (readiness) on the real registry', () => {
  it('is true for a registry that answers GET /subjects', async () => {
    expect(await registryAnswers(testStack().registryUrl)).toBe(true);
  });

  it("is refused, naming the status, for a URL that is the registry's server but not its Confluent API", async () => {
    const root = new URL(testStack().registryUrl).origin;
    await expect(registryAnswers(`${root}/apis/nothing-here`)).rejects.toThrow(
      new RegExp(`^schema registry ${root}/apis/nothing-here: GET /subjects answered HTTP 404`),
    );
  });
});
