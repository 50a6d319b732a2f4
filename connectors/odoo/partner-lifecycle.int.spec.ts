import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stampedByHub } from '../../masterdata/sync/changes.ts';
import { syncSystemSchema } from '../../masterdata/sync/config.ts';
import { type OdooHarness, startOdoo } from '../../simulators/odoo/test-support.ts';
import { type DecodedMessage, readDecoded } from '../../tests/decode-raw.ts';
import { topicEnds } from '../../tests/raw-consumer.ts';
import { testBus, unique } from '../../tests/stack.ts';
import { builtinPlugins, ConnectorRuntime } from '../index.ts';

// A partner that stops (or starts) being a customer of its own, and a change Odoo keeps no stamp of: what the
// odoo-polling-source publishes for them, read from the real broker.

/** Reads wait longer than the default 20 s: the machine is shared and the first poll pass may be slow. */
const LONG_READ = 40_000;

const silent = pino({ level: process.env.TEST_LOG ?? 'silent' });

type CustomerEvent = {
  changeType: string;
  occurredAt: string | Date;
  origin: { system: string; documentId: string; changedBy: string | null; changeOrigin: string | null };
  customer: {
    customerId: string;
    partyType: string;
    status: string;
    addresses: Array<{ use: string | null; lines: string[] }>;
  };
};

/** write_date has whole seconds: a change a second later is told apart from the one before. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));

describe.each(['17.0', '19.0'])(
  'odoo-polling-source: partners leaving or joining the customers, and unlinked addresses (%s), on the real broker',
  (version) => {
    const bus = testBus('/eai/tests/odoo-partner-lifecycle');
    let runtime: ConnectorRuntime;
    let odoo: OdooHarness;
    const name = unique('odoo-lifecycle');

    const edit = (body: unknown) => odoo.edit(body);
    /** As the integration user (uid 6), over the API the version speaks. */
    const call = async (method: string, ids: number[], values?: Record<string, unknown>) => {
      if (version === '19.0') {
        const answer = await odoo.json2('res.partner', method, values ? { ids, vals: values } : { ids });
        expect(answer.status).toBe(200);
      } else await odoo.call('res.partner', method, values ? [ids, values] : [ids]);
    };
    /** The messages of `all` not in `before` (keys may be on other partitions: their order is not the topic's). */
    const newer = (all: DecodedMessage<CustomerEvent>[], before: DecodedMessage<CustomerEvent>[]) => {
      const seen = new Set(before.map((m) => m.headers.ce_id));
      return all.filter((m) => !seen.has(m.headers.ce_id));
    };
    const uses = (m: DecodedMessage<CustomerEvent> | undefined) =>
      m?.decoded.customer.addresses.map((a) => [a.use, a.lines[0]]);

    beforeAll(async () => {
      await bus.provisionTopics();
      odoo = await startOdoo();
      await odoo.setVersion(version);
      runtime = new ConnectorRuntime({
        bus,
        plugins: builtinPlugins,
        logger: silent,
        group: unique('connect-odoo-lifecycle'),
      });
      await runtime.start();
      await runtime.put(
        {
          name,
          type: 'odoo-polling-source',
          config: {
            url: odoo.sim.url,
            db: 'odoo',
            username: 'eai',
            password: 'eai-api-key',
            intervalMs: 300,
            overlapMs: 1000,
            models: ['res.partner'],
          },
        },
        'test',
      );
    });
    afterEach(async () => {
      await fetch(`${odoo.sim.url}/sim/faults`, { method: 'DELETE' });
    });
    afterAll(async () => {
      // The connector configs topic is shared: leave no connector behind for other runs to start.
      await runtime?.remove(name).catch(() => undefined);
      await runtime?.stop();
      await odoo?.sim.close();
    });

    it('a contact person retyped to an invoice address is DELETED as a customer and becomes its company’s BILLING address; retyped back, a customer again', async () => {
      const from = await topicEnds('canonical.customer');
      const company = unique('Speicher');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(company));
      const byUi = await edit({
        model: 'res.partner',
        values: { name: company, is_company: true, street: 'Kehrwieder 2', city: 'Hamburg', country_id: 57 },
      });
      const person = await edit({
        model: 'res.partner',
        values: { parent_id: byUi, type: 'contact', name: 'Jan Kurs', street: 'Postfach 5', city: 'Hamburg' },
      });
      const first = await readDecoded<CustomerEvent>('canonical.customer', 2, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const published = first.find((m) => m.key === `odoo:${person}`);
      expect(published?.decoded.customer).toMatchObject({ partyType: 'PERSON', status: 'ACTIVE' });

      // Someone makes the person the company's invoice address in the UI.
      await nextSecond();
      await edit({ model: 'res.partner', id: person, values: { type: 'invoice' }, uid: 2 });
      const after = await readDecoded<CustomerEvent>('canonical.customer', 4, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const news = newer(after, first);
      const deleted = news.find((m) => m.key === `odoo:${person}`);
      expect(deleted?.decoded).toMatchObject({
        changeType: 'DELETED',
        origin: { documentId: String(person), changedBy: '2' },
        customer: { customerId: `odoo:${person}`, status: 'DELETED' },
      });
      const withBilling = news.find((m) => m.key === `odoo:${byUi}`);
      expect(uses(withBilling)).toEqual([
        ['REGISTERED', 'Kehrwieder 2'],
        ['BILLING', 'Postfach 5'],
      ]);
      expect(withBilling?.decoded.origin.changedBy).toBe('2');

      // Retyped back to a contact: a customer of its own again, the company without the address.
      await nextSecond();
      await edit({ model: 'res.partner', id: person, values: { type: 'contact' }, uid: 2 });
      const back = newer(
        await readDecoded<CustomerEvent>('canonical.customer', 6, {
          wanted: mine,
          timeoutMs: LONG_READ,
          from,
        }),
        after,
      );
      expect(back.find((m) => m.key === `odoo:${person}`)?.decoded).toMatchObject({
        changeType: 'UPDATED',
        customer: { partyType: 'PERSON', status: 'ACTIVE' },
      });
      const withoutBilling = back.find((m) => m.key === `odoo:${byUi}`);
      expect(uses(withoutBilling)).toEqual([['REGISTERED', 'Kehrwieder 2']]);
      // The person's retype is the company's change: by that user.
      expect(withoutBilling?.decoded.origin.changedBy).toBe('2');
      // Nothing else: the address edits in between published no customer for it.
      expect(back.map((m) => m.key).sort()).toEqual([`odoo:${byUi}`, `odoo:${person}`].sort());
    });

    it('a delivery address unlinked after the hub’s write of its company is nobody’s change, when it was found gone: never the hub’s echo', async () => {
      const from = await topicEnds('canonical.customer');
      const company = unique('Lagerhaus');
      const mine = (m: { value: Buffer }) => m.value.includes(Buffer.from(company));
      // The company and its delivery address in one create (one transaction: the source reads them together).
      const byUi = await odoo.call<number>('res.partner', 'create', [
        {
          name: company,
          is_company: true,
          street: 'Kehrwieder 4',
          city: 'Hamburg',
          country_id: 57,
          child_ids: [[0, 0, { type: 'delivery', street: 'Nordkai 1', city: 'Hamburg' }]],
        },
      ]);
      const [delivery] = await odoo.call<number[]>('res.partner', 'search', [
        [
          ['parent_id', '=', byUi],
          ['type', '=', 'delivery'],
        ],
      ]);
      const [first] = await readDecoded<CustomerEvent>('canonical.customer', 1, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      expect(uses(first)).toEqual([
        ['REGISTERED', 'Kehrwieder 4'],
        ['SHIPPING', 'Nordkai 1'],
      ]);

      // The hub writes the company (its version is then the integration user's: the echo), and a person deletes the
      // delivery address right after: Odoo keeps no stamp of an unlink, on the company or anywhere.
      await nextSecond();
      await call('write', [byUi], { phone: '+49 40 555 0101' });
      const [, echo] = await readDecoded<CustomerEvent>('canonical.customer', 2, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      const odooSync = syncSystemSchema.parse({ push: true, hubChangedBy: ['6'] });
      expect(echo!.decoded.origin.changedBy).toBe('6');
      expect(stampedByHub(echo!.decoded as never, odooSync)).toBe(true);
      const unlinkedAt = Math.floor(Date.now() / 1000) * 1000;
      await call('unlink', [delivery!]);
      const [, , gone] = await readDecoded<CustomerEvent>('canonical.customer', 3, {
        wanted: mine,
        timeoutMs: LONG_READ,
        from,
      });
      expect(uses(gone)).toEqual([['REGISTERED', 'Kehrwieder 4']]);
      expect(gone!.decoded.origin.changedBy).toBeNull();
      expect(stampedByHub(gone!.decoded as never, odooSync)).toBe(false);
      // Its time: when the source found the address gone, after the unlink (whole seconds, as Odoo's).
      expect(new Date(gone!.decoded.occurredAt).getTime()).toBeGreaterThanOrEqual(unlinkedAt);
      expect(new Date(gone!.decoded.occurredAt).getTime()).toBeLessThanOrEqual(Date.now());
    });
  },
);
