import type { TestProject } from 'vitest/node';
import { stackDown, stackStatus, stackUp } from '../stack/stack.ts';
import type { StackEndpoints } from './stack.ts';

/**
 * Starts the real stack (Kafka, schema registry, PostgreSQL) for the integration tests, or reuses a running one.
 * A stack this setup started is stopped at the end; a reused one is left as it was.
 */
export default async function setup(project: TestProject) {
  const status = await stackStatus();
  let startedHere = false;
  let endpoints: StackEndpoints = status;
  if (!status.running) {
    const state = await stackUp((line) => process.stderr.write(`[stack] ${line}\n`));
    endpoints = state;
    startedHere = true;
  }
  project.provide('stack', {
    brokers: endpoints.brokers,
    registryUrl: endpoints.registryUrl,
    databaseUrl: endpoints.databaseUrl,
  });
  return async () => {
    if (startedHere && !process.env.EAI_KEEP_STACK) await stackDown();
  };
}
