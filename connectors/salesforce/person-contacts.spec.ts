import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSON_ACCOUNT_RECORD_TYPE_ID } from '../../simulators/salesforce/person-accounts.ts';
import { API, type SalesforceHarness, startSalesforce } from '../../simulators/salesforce/test-support.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { HttpRefusedError, HttpUnavailableError } from '../transports/http-errors.ts';
import { personContactQuery, withoutPersonContactEvents } from './person-contacts.ts';
import { simulatorGet } from './test-support.ts';

const logger = pino({ level: 'silent' });

function contactEvent(changeType: string, recordIds: string[]): SourceDocument {
  const payload = {
    ChangeEventHeader: {
      entityName: 'Contact',
      recordIds,
      changeType,
      transactionKey: 't',
      sequenceNumber: 2,
    },
  };
  return { bytes: Buffer.from(JSON.stringify({ payload })), position: null, deliveryId: recordIds.join() };
}

/** A change source handing out the given batches, recording what is committed back to it. */
function batchesOf(batches: SourceDocument[][]) {
  const committed: Array<{ documents: SourceDocument[]; ok: boolean }> = [];
  const inner: SourceTask = {
    start: async () => {},
    poll: async () => batches.shift() ?? [],
    commit: async (documents, outcome) => void committed.push({ documents, ok: outcome.ok }),
    stop: async () => {},
  };
  return { inner, committed };
}

describe("a person account's hidden Contact events, told apart by SOQL against the Salesforce simulator", () => {
  let sf: SalesforceHarness;
  let query: ReturnType<typeof personContactQuery>;
  let queries = 0;
  const ids = { person: '', plain: '' };

  beforeAll(async () => {
    sf = await startSalesforce();
    const account = await sf.json<{ id: string }>('POST', `${API}/sobjects/Account`, {
      RecordTypeId: PERSON_ACCOUNT_RECORD_TYPE_ID,
      LastName: 'Brown',
    });
    const { body } = await sf.json<{ PersonContactId: string }>(
      'GET',
      `${API}/sobjects/Account/${account.body.id}`,
    );
    ids.person = body.PersonContactId;
    ids.plain = (
      await sf.json<{ id: string }>('POST', `${API}/sobjects/Contact`, { LastName: 'Plain' })
    ).body.id;
    const get = simulatorGet(sf.sim.url, 'eai-spec');
    const counted = (path: string) => {
      queries += 1;
      return get(path);
    };
    query = personContactQuery(counted, 'v62.0');
  });
  afterAll(() => sf.sim.close());

  it('asks once for Contacts it has not seen, sets the hidden ones position-only, and commits the batch it polled', async () => {
    const batch = [contactEvent('UPDATE', [ids.person]), contactEvent('UPDATE', [ids.plain])];
    const { inner, committed } = batchesOf([batch, [contactEvent('UPDATE', [ids.person])]]);
    const source = withoutPersonContactEvents(inner, query, logger);
    queries = 0;
    const first = await source.poll();
    expect(first.map((d) => d.positionOnly === true)).toEqual([true, false]);
    expect(queries).toBe(1);
    // Known now: the next event of the same Contact costs no query.
    const second = await source.poll();
    expect(second[0]!.positionOnly).toBe(true);
    expect(queries).toBe(1);
    await source.commit(first, { ok: true, published: 1, deadLettered: 0 });
    expect(committed[0]!.documents).toBe(batch);
  });

  it('learns a hidden Contact from the Account event that names it, with no query', async () => {
    const account = {
      bytes: Buffer.from(
        JSON.stringify({
          payload: { ChangeEventHeader: { entityName: 'Account' }, PersonContactId: '003NEW' },
        }),
      ),
      position: null,
    };
    const { inner } = batchesOf([[account, contactEvent('CREATE', ['003NEW'])]]);
    queries = 0;
    const out = await withoutPersonContactEvents(inner, query, logger).poll();
    expect(out.map((d) => d.positionOnly === true)).toEqual([false, true]);
    expect(queries).toBe(0);
  });

  it("reads a snapshot's Contact record as hidden from its IsPersonAccount, else asks", async () => {
    const record = (id: string, extra: Record<string, unknown>): SourceDocument => ({
      bytes: Buffer.from(
        JSON.stringify({ attributes: { type: 'Contact' }, Id: id, LastName: 'B', ...extra }),
      ),
      format: 'salesforce-sobject',
      position: null,
    });
    const { inner } = batchesOf([
      [record('003SAID', { IsPersonAccount: true }), record(ids.person, {}), record(ids.plain, {})],
    ]);
    queries = 0;
    const out = await withoutPersonContactEvents(inner, query, logger).poll();
    expect(out.map((d) => d.positionOnly === true)).toEqual([true, true, false]);
    expect(queries).toBe(1);
  });

  it('an org without person accounts (400: no IsPersonAccount on Contact) is asked once, then every Contact event goes on', async () => {
    let asked = 0;
    const refusing = async () => {
      asked += 1;
      throw new HttpRefusedError({ connector: 'spec', method: 'GET', path: '/query' }, 400, 'INVALID_FIELD');
    };
    const { inner } = batchesOf([[contactEvent('UPDATE', ['003A'])], [contactEvent('UPDATE', ['003B'])]]);
    const source = withoutPersonContactEvents(inner, refusing, logger);
    expect((await source.poll())[0]!.positionOnly).toBeUndefined();
    expect((await source.poll())[0]!.positionOnly).toBeUndefined();
    expect(asked).toBe(1);
  });

  it('a query that fails otherwise refuses only the Contact events it could not tell apart, for redelivery', async () => {
    const failing = async () => {
      throw new HttpUnavailableError('spec: GET /query failed', { status: 503 });
    };
    const other = {
      bytes: Buffer.from('{"payload":{"ChangeEventHeader":{"entityName":"Case"}}}'),
      position: null,
    };
    const unknown = contactEvent('UPDATE', ['003C']);
    const { inner, committed } = batchesOf([[other, unknown]]);
    const out = await withoutPersonContactEvents(inner, failing, logger).poll();
    expect(out).toEqual([other]);
    expect(committed).toEqual([{ documents: [unknown], ok: false }]);
  });
});
