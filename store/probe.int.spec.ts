import { describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { postgresProblem } from './probe.ts';

describe('postgresProblem', () => {
  const url = new URL(testStack().databaseUrl);

  it('is nothing when PostgreSQL answers', async () => {
    expect(await postgresProblem(url.toString(), 5000)).toBeUndefined();
  });

  it('says a wrong password is a wrong password, not PostgreSQL away (the CLI said "is the stack up?")', async () => {
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const problem = await postgresProblem(wrong.toString(), 5000);
    expect(problem).toMatch(
      /^PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+ refused the password of postgres: set the right one in DATABASE_URL/,
    );
    expect(problem).not.toContain('not-the-password');
  });

  it('names a database that is not there and how to make it', async () => {
    const missing = new URL(url);
    missing.pathname = '/eai_no_such_db';
    expect(await postgresProblem(missing.toString(), 5000)).toMatch(
      /^PostgreSQL at .+\/eai_no_such_db has no database eai_no_such_db: create it \(createdb eai_no_such_db\) or name another in DATABASE_URL$/,
    );
  });

  it('says to start the stack when nothing answers', async () => {
    expect(await postgresProblem('postgres://postgres:pw@127.0.0.1:1/eai', 2000)).toBe(
      'cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:1/eai: is the stack up? npx eai stack up, or set DATABASE_URL',
    );
  });
});
