import { describe, expect, it } from 'vitest';
import { closedPort } from '../tests/ports.ts';
import { busChecks } from './checks.ts';

describe("readiness's bus checks", () => {
  it('say which schema registry does not answer and why (readiness said `fetch failed`)', async () => {
    const registryUrl = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
    const checks = busChecks(`127.0.0.1:${await closedPort()}`, registryUrl);
    await expect(checks.schemaRegistry!()).rejects.toThrow(
      `schema registry ${registryUrl}: unreachable (connect ECONNREFUSED`,
    );
  });
});
