import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testStack } from '../tests/stack.ts';
import { withIdleTransactionTimeout } from './engine.ts';

describe("DBOS's idle-in-transaction timeout, set at connection start", () => {
  it('holds on a connection made from the URL, as DBOS connects, without a query of its own', async () => {
    const url = withIdleTransactionTimeout(testStack().databaseUrl);
    expect(new URL(url).searchParams.get('options')).toBe('-c idle_in_transaction_session_timeout=60000');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('show idle_in_transaction_session_timeout');
      expect(rows[0].idle_in_transaction_session_timeout).toBe('1min');
    } finally {
      await client.end();
    }
  });

  it("keeps a user's own options and setting", () => {
    const own = 'postgres://u:p@h:5432/d?options=-c%20idle_in_transaction_session_timeout%3D5000';
    expect(withIdleTransactionTimeout(own)).toBe(own);
    const other = new URL(withIdleTransactionTimeout('postgres://u:p@h:5432/d?options=-c%20search_path%3Dx'));
    expect(other.searchParams.get('options')).toBe(
      '-c search_path=x -c idle_in_transaction_session_timeout=60000',
    );
  });
});
