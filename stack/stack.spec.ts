import { describe, expect, it } from 'vitest';
import { localState, type StackState } from './stack.ts';

const local: StackState = {
  brokers: '127.0.0.1:19092',
  registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
  databaseUrl: 'postgres://postgres:secret@127.0.0.1:15432/eai',
  pids: { kafka: 101, registry: 102, postgres: 103 },
  postgresPassword: 'secret',
  startedAt: '2026-11-23T10:00:00.000Z',
};

describe('stack state file', () => {
  it('keeps tracking local parts while a run uses external endpoints, so stack down can still stop them', () => {
    const external: StackState = {
      brokers: 'kafka.example:9092',
      registryUrl: 'https://registry.example',
      databaseUrl: 'postgres://db.example/eai',
      pids: {},
      startedAt: '2026-11-23T11:00:00.000Z',
    };
    const env = {
      KAFKA_BROKERS: external.brokers,
      SCHEMA_REGISTRY_URL: external.registryUrl,
      DATABASE_URL: external.databaseUrl,
    };
    expect(localState(external, local, env)).toEqual(local);
  });

  it('records what this run started, and keeps the local part an external one stands in for', () => {
    const run: StackState = {
      ...local,
      brokers: 'kafka.example:9092',
      pids: { registry: 202, postgres: 203 },
      startedAt: '2026-11-23T12:00:00.000Z',
    };
    const state = localState(run, local, { KAFKA_BROKERS: 'kafka.example:9092' });
    expect(state.pids).toEqual({ kafka: 101, registry: 202, postgres: 203 });
    expect(state.brokers).toBe(local.brokers);
    expect(state.startedAt).toBe(run.startedAt);
  });

  it('with no earlier state and nothing external, is the run itself', () => {
    expect(localState(local, undefined, {})).toEqual(local);
  });
});
