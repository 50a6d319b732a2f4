import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { databaseUrlFor, dropDatabase, ensureDatabase } from '../store/database.ts';
import { testStack, unique } from '../tests/stack.ts';
import { ORCHESTRATOR_DDL } from './schema.ts';
import { readStates, StateReports } from './states.ts';

const { databaseUrl } = testStack();
const database = unique('eai_states').replaceAll('-', '_');
let pool: pg.Pool;
let failNext = 0;
let writes = 0;
const query = (async (sql: string, params?: unknown[]) => {
  if (sql.includes('insert into eai_orchestrator.instance_states')) writes++;
  if (failNext > 0) {
    failNext--;
    throw new Error('connection reset');
  }
  return pool.query(sql, params);
}) as never;

beforeAll(async () => {
  await ensureDatabase(databaseUrl, database);
  pool = new pg.Pool({ connectionString: databaseUrlFor(databaseUrl, database), max: 2 });
  await pool.query(ORCHESTRATOR_DDL);
  // The two columns of DBOS's table that the reports join (its own DDL is DBOS's to run).
  await pool.query(`create schema if not exists dbos;
    create table dbos.workflow_status (workflow_uuid text primary key, executor_id text)`);
  await pool.query(
    `insert into dbos.workflow_status values ('w-1', 'me'), ('w-2', 'me'), ('w-3', 'me'), ('theirs', 'other')`,
  );
});

afterAll(async () => {
  await pool?.end();
  await dropDatabase(databaseUrl, database);
});

const log = createLogger('states-spec');
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('instance state reports', () => {
  it('writes the reports of many instances in one statement, the latest of each, only those this executor owns', async () => {
    const reports = new StateReports({ query, executorId: 'me', log });
    writes = 0;
    reports.report('w-1', { status: 'RUNNING', step: 'credit-check' });
    reports.report('w-1', { status: 'WAITING', step: 'await-asn' });
    reports.report('w-2', { status: 'PARKED', step: 'crm-status', detail: 'CRM down' });
    reports.report('theirs', { status: 'WAITING', step: 'await-asn' });
    await until(async () => (await readStates(query, ['w-1', 'w-2'])).size === 2);
    const read = await readStates(query, ['w-1', 'w-2', 'theirs']);
    expect(Object.fromEntries(read)).toEqual({
      'w-1': { status: 'WAITING', step: 'await-asn' },
      'w-2': { status: 'PARKED', step: 'crm-status', detail: 'CRM down' },
    });
    // One write for the four reports.
    expect(writes).toBe(1);
    reports.report('w-2', { status: 'RUNNING', step: 'crm-status' });
    await reports.close();
    expect((await readStates(query, ['w-2'])).get('w-2')).toEqual({ status: 'RUNNING', step: 'crm-status' });
  });

  it('writes again after a failed write, with the reports made meanwhile on top', async () => {
    const reports = new StateReports({ query, executorId: 'me', log });
    failNext = 1;
    reports.report('w-3', { status: 'WAITING', step: 'await-delivery' });
    await until(async () => failNext === 0);
    reports.report('w-3', { status: 'COMPENSATING', step: 'crm-status' });
    await until(async () => (await readStates(query, ['w-3'])).has('w-3'));
    expect((await readStates(query, ['w-3'])).get('w-3')).toEqual({
      status: 'COMPENSATING',
      step: 'crm-status',
    });
    await reports.close();
  });
});
