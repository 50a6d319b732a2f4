import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_GROUP } from '../../bus/index.ts';
import { sinkIdempotencyKey } from '../runtime/connector-ids.ts';
import { keyedFileName } from '../transports/keyed-files.ts';

const docs = readFileSync(new URL('../../docs/connectors.md', import.meta.url), 'utf8');

/** The name the file sink gives a record's file (file-sink.ts: keyedFileName of the record's idempotency key). */
const fileName = (group: string, ceId: string) =>
  keyedFileName('customers_', sinkIdempotencyKey('customer-table', group, ceId), '.csv');

describe("a file sink's file names, as docs/connectors.md says them", () => {
  it('carry the connect group outside the default one', () => {
    // Seen by an evaluator: the docs said `<prefix><connector>_<ce_id>_<hash>`, and a sink of group eai-demo wrote
    // customers_eai-demo_e1-customer-table_57_<hash>.csv.
    expect(fileName(DEFAULT_CONNECT_GROUP, '57')).toMatch(/^customers_customer-table_57_[0-9a-f]{12}\.csv$/);
    expect(fileName('eai-demo', '57')).toMatch(/^customers_eai-demo_customer-table_57_[0-9a-f]{12}\.csv$/);
    // The characters a name may not hold (the key's "/" and ":", a CloudEvents id's) are each run one "_".
    expect(fileName('eai-demo', 'order 4711/1')).toMatch(
      /^customers_eai-demo_customer-table_order_4711_1_[0-9a-f]{12}\.csv$/,
    );
    const stated = '<prefix>[<group>_]<connector>_<ce_id>_<hash>';
    expect(docs).toContain(
      `filePrefix: customers_                         # then [<group>_]<connector>_<ce_id>_<hash>.csv`,
    );
    expect(docs).toContain(`(\`${stated}\``);
    expect(docs).not.toMatch(/[^\]]<connector>_<ce_id>_<hash>/);
  });
});
