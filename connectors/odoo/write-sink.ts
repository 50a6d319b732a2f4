import { z } from 'zod';
import { PARTNER_ADDRESS_FIELDS } from '../../formats/odoo-res-partner/index.ts';
import { NonRetriableError, quotedText, RetriableError } from '../../lib/errors.ts';
import { erasureTargets, isErasureCommand } from '../../schemas/erasure.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { type ConnectorContext, type SinkRecord, type Skipped, skipped } from '../sdk/index.ts';
import {
  createHttpSink,
  type HttpRefusedError,
  type HttpSink,
  type HttpSinkRequest,
} from '../transports/http-sink.ts';
import { httpSinkConfig } from '../transports/http-sink-config.ts';
import { createCountryStates } from './country-states.ts';
import {
  createOdooClient,
  json2Body,
  json2Error,
  json2Headers,
  OdooApiKeyError,
  OdooFaultError,
  OdooNoJson2Error,
} from './jsonrpc.ts';
import { ORDER_ACTIONS } from './order-status.ts';
import { odooConnectionConfig } from './polling-source.ts';

export const odooWriteSinkConfig = httpSinkConfig
  .omit({ baseUrl: true, authHeader: true, timeoutMs: true })
  .extend(odooConnectionConfig.shape)
  .extend({
    idempotencyHeader: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "Header carrying the record's idempotency key. Odoo has none (null): the sink reads the record before every attempt and writes only what differs, so a redelivery changes nothing.",
      ),
    skipOdooEvents: z
      .boolean()
      .default(true)
      .describe(
        "Skip events read from Odoo (origin.system `odoo`): Odoo holds them already, and those whose origin.changedBy is the integration user's uid are the echoes of the hub's own writes.",
      ),
  });

export type OdooWriteSinkConfig = z.output<typeof odooWriteSinkConfig>;

type Values = Record<string, unknown>;
type OdooRecord = Values & { id: number };
interface Origin {
  system?: string;
  changedBy?: string | null;
}
interface SourceId {
  system: string;
  id: string;
  idType?: string | null;
}

/**
 * What an erased partner that orders still point to keeps: a placeholder name (Odoo requires one), nothing else of
 * the person, archived. Odoo 17's fields: a database without one (`mobile`, gone in saas-18.2 and 19.0) is written
 * the others.
 */
export const ERASED_PARTNER: Values = {
  name: 'Erased customer',
  email: false,
  phone: false,
  mobile: false,
  street: false,
  street2: false,
  zip: false,
  city: false,
  state_id: false,
  website: false,
  vat: false,
  ref: false,
  comment: false,
  active: false,
};

/** Odoo exceptions a second try can get past: a concurrent update, a lost database connection. */
const RETRIABLE_FAULTS = /OperationalError|SerializationFailure|concurrent update|could not serialize/i;

/** Odoo's read value → what a values dict would write: a many2one `[id, name]` is its id. */
function written(value: unknown): unknown {
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number') return value[0];
  return value;
}

/** `values` with only the fields named in `fields`. */
function only(values: Values, fields: readonly string[]): Values {
  return Object.fromEntries(Object.entries(values).filter(([name]) => fields.includes(name)));
}

/** The fields whose value differs from what Odoo holds (false and "" are both empty). */
export function difference(current: OdooRecord, wanted: Values): Values {
  const empty = (v: unknown) => v === false || v === null || v === undefined || v === '';
  const changed: Values = {};
  for (const [name, value] of Object.entries(wanted)) {
    const now = written(current[name]);
    if (empty(now) && empty(value)) continue;
    if (now !== value) changed[name] = value;
  }
  return changed;
}

/** A partner's own address as a values dict would write it (many2one values as ids). */
function ownAddress(partner: OdooRecord): Values {
  return Object.fromEntries(PARTNER_ADDRESS_FIELDS.map((name) => [name, written(partner[name])]));
}

/** Whether a values dict holds a value there: false, null and "" are empty. */
function held(value: unknown): boolean {
  return value !== false && value !== null && value !== undefined && value !== '';
}

/** The fields that make an address of a partner's own (a country or a state alone does not: Odoo may default them). */
const PLACE_FIELDS = ['street', 'street2', 'zip', 'city'];

/**
 * The partner's values with its invoice address as its own too, when neither the event (`wanted`: no REGISTERED,
 * MAILING or untyped address, so the mapping wrote none onto the partner) nor Odoo (`current`, absent for a partner
 * to create) gives it an address of its own. Odoo keeps a customer's one billing address on the partner itself: its
 * invoice address is the partner when it has no invoice child (`address_get`), so a company with BILLING and
 * SHIPPING addresses only was created with no street of its own, its billing address on a child. Taken as its own,
 * the invoice child is not made for it (the same place as the partner's own, `sameAddress`); an invoice child Odoo
 * already has is still written, as Odoo prints invoices there. A partner that holds an address of its own in Odoo
 * (a person's) keeps it: the billing address goes to the invoice child as before.
 */
function withInvoiceAsOwn(wanted: Values, current: OdooRecord | undefined, children: Values[]): Values {
  const hasPlace = (values: Values) => PLACE_FIELDS.some((name) => held(values[name]));
  const invoice = children.find((child) => child.type === 'invoice');
  if (!invoice || hasPlace(wanted) || (current && hasPlace(ownAddress(current)))) return wanted;
  const { type: _, ...address } = invoice;
  return { ...wanted, ...address };
}

/**
 * Whether an address values dict is the partner's own address (`own`): every field both hold agrees and they share a
 * postcode or a city (the same place, as master data's survivorship tells it: an own address without its country is
 * still the billing address with one). False and "" are empty.
 */
function sameAddress(own: Values, address: Values): boolean {
  let shared = false;
  for (const name of PARTNER_ADDRESS_FIELDS) {
    const mine = own[name];
    const theirs = address[name];
    if (!held(mine) || !held(theirs)) continue;
    if (mine !== theirs) return false;
    if (name === 'zip' || name === 'city') shared = true;
  }
  return shared;
}

/**
 * Canonical records → Odoo through the External API (JSON-2 `POST /json/2/<model>/<method>` on Odoo 19+, else
 * JSON-RPC `POST /jsonrpc` `object.execute_kw`: `config.api`, jsonrpc.ts), as the integration user,
 * whose id Odoo stamps in `write_uid`: that is how the polling source's events mark the hub's own writes.
 *
 * - **CustomerEvent → res.partner**: the connector's mapping (odoo/res-partner.from-canonical.yaml) writes the values
 *   and the key: the partner id when the hub knows it, else `ref` (the customerId). The partner is read first
 *   (archived ones too) and only the fields that differ are written (`write`), or it is created (`create`); a `ref`
 *   two partners carry is refused, naming them. Its own address goes on it; its BILLING and SHIPPING addresses
 *   (the mapping's `child_ids`) onto its invoice and delivery child partners, written or created
 *   (childAddressRequests), never deleted.
 * - **SalesOrderEvent → sale.order**: an order Odoo knows (an `odoo` source id) gets the status's button
 *   (action_confirm / action_cancel / action_draft, see order-status.ts) unless it is already in that state. An
 *   order the event names but Odoo does not have is refused (dead-lettered; redrive it once the order exists).
 *
 * Events read from Odoo itself are not written back (`skipOdooEvents`): among them the echoes of the sink's own
 * writes, which the polling source reads back with the integration user's uid in `origin.changedBy`.
 *
 * The write goes through the HTTP sink (retries, circuit breaker, dead letters) with the request built again before
 * every attempt from what Odoo holds then: Odoo keeps no idempotency keys, so a retry after a lost answer, or a
 * redelivered record, finds the write made and sends nothing. JSON-RPC faults come with HTTP 200 and are read from
 * the body; JSON-2 answers them with their HTTP status (a 4xx, or a 500 naming a ValueError or another exception
 * retrying does not heal, dead-letters the record with Odoo's message; another 5xx, a concurrency failure, is retried).
 */
export function createOdooWriteSink(config: OdooWriteSinkConfig, context: ConnectorContext): HttpSink {
  const { url, db, username, password, timeoutMs, api, skipOdooEvents, ...http } = config;
  const client = createOdooClient({ url, db, username, password, timeoutMs, api }, context);
  const log = context.logger.child({ sink: 'odoo' });
  const states = createCountryStates(client);
  let nextId = 1;

  /** The write as a request over the API the client speaks (JSON-2 names the arguments, json2Body). */
  async function call(model: string, method: string, args: unknown[]): Promise<HttpSinkRequest> {
    if ((await client.api(context.signal)) === 'json2')
      return {
        method: 'POST',
        path: `/json/2/${model}/${method}`,
        headers: json2Headers({ db, password }),
        body: json2Body(method, args, {}),
      };
    const uid = await client.uid(context.signal);
    return {
      method: 'POST',
      path: '/jsonrpc',
      headers: { 'content-type': 'application/json' },
      body: {
        jsonrpc: '2.0',
        method: 'call',
        id: nextId++,
        params: {
          service: 'object',
          method: 'execute_kw',
          args: [db, uid, password, model, method, args, {}],
        },
      },
    };
  }

  /** Why an event is not written back: it was read from Odoo (an echo when the integration user wrote it last). */
  async function readFromOdoo(origin: Origin | undefined): Promise<string | undefined> {
    if (!skipOdooEvents || origin?.system !== 'odoo') return undefined;
    const echo = origin.changedBy === String(await client.uid(context.signal));
    return echo ? 'echo of the integration user’s own write' : 'read from Odoo';
  }

  /**
   * The values' region as ISO 3166-2 (DE-BY, the mapping's state_id) turned into the id of that state in this
   * database; when there is none, state_id is left out (left as Odoo has it), said in a warning. True then.
   */
  async function resolveRegion(values: Values, key: unknown): Promise<boolean> {
    if (typeof values.state_id !== 'string') return false;
    const region = values.state_id;
    const stateId = await states.idOf(region, context.signal);
    if (stateId !== undefined) {
      values.state_id = stateId;
      return false;
    }
    delete values.state_id;
    log.warn(
      { key, region },
      `odoo: no res.country.state ${region} in this database (country code and state code): state_id left as it is`,
    );
    return true;
  }

  /**
   * The writes of a partner's invoice and delivery addresses (the mapping's `child_ids`, each `{type, street, …}`)
   * onto its child partners, as Odoo keeps them: the first active child of that type (by id) is written what
   * differs; without one, a child is created (`parent_id`, `type`, `is_company: false`, the address; Odoo names it
   * "Acme, Invoice Address"), unless the address is the partner's own (`own`: as Odoo holds it after this write), which
   * is not duplicated into a child. No child is ever deleted: those the hub did not make are a person's.
   */
  async function childAddressRequests(
    parent: OdooRecord,
    own: Values,
    children: Values[],
  ): Promise<HttpSinkRequest[]> {
    const existing = await client.executeKw<OdooRecord[]>(
      'res.partner',
      'search_read',
      [
        [
          ['parent_id', '=', parent.id],
          ['type', 'in', children.map((child) => child.type)],
          ['is_company', '=', false],
        ],
      ],
      { fields: ['type', ...PARTNER_ADDRESS_FIELDS], order: 'id asc' },
      context.signal,
    );
    const steps: HttpSinkRequest[] = [];
    for (const { type, ...address } of children) {
      const child = existing.find((candidate) => candidate.type === type);
      if (child) {
        const changed = difference(child, address);
        if (Object.keys(changed).length > 0)
          steps.push(await call('res.partner', 'write', [[child.id], changed]));
        continue;
      }
      if (sameAddress(own, address)) continue;
      steps.push(
        await call('res.partner', 'create', [
          [{ parent_id: parent.id, type, is_company: false, ...address }],
        ]),
      );
    }
    return steps;
  }

  async function partnerRequest(
    record: SinkRecord,
  ): Promise<HttpSinkRequest | HttpSinkRequest[] | Skipped | null> {
    const bodies = await context.toSystem(record.value);
    if (bodies.length === 0) return null;
    if (bodies.length > 1)
      throw new NonRetriableError(
        `${context.name}: the mapping wrote ${bodies.length} values dicts for one record; expected one`,
      );
    const [values] = JSON.parse(bodies[0]!.toString('utf8')) as [Values];
    const { id, child_ids, ...mapped } = values;
    // The partner's invoice and delivery addresses, for its child partners of those types.
    const children = ((child_ids as Values[] | undefined) ?? []).map((child) => ({ ...child }));
    // The regions as ISO 3166-2 (DE-BY, the mapping's state_id): the id of that state in this database, or state_id
    // left as Odoo has it when there is none, said in a warning (and in the skip reason when nothing else differs).
    let regionUnknown = await resolveRegion(mapped, record.key);
    for (const child of children) if (await resolveRegion(child, record.key)) regionUnknown = true;
    // Only the fields this database has: the mapping writes Odoo 17's `mobile`, which saas-18.2 and 19.0 dropped
    // (writing it there is a ValueError that would dead-letter every customer with a mobile number).
    const fields = await client.existing(
      'res.partner',
      Object.keys(mapped),
      'its value is not written',
      context.signal,
    );
    const wantedOfEvent = only(mapped, fields);
    // The partner's own address is read too: a child address equal to it is not duplicated into a child.
    const read = children.length > 0 ? [...new Set([...fields, ...PARTNER_ADDRESS_FIELDS])] : fields;
    const options = { fields: read, context: { active_test: false } };
    const found =
      typeof id === 'number'
        ? await client.executeKw<OdooRecord[]>(
            'res.partner',
            'read',
            [[id]],
            { fields: read },
            context.signal,
          )
        : await client.executeKw<OdooRecord[]>(
            'res.partner',
            'search_read',
            [[['ref', '=', wantedOfEvent.ref]]],
            { ...options, limit: 2 },
            context.signal,
          );
    if (found.length > 1)
      throw new NonRetriableError(
        `${context.name}: res.partner ref "${String(wantedOfEvent.ref)}" is carried by partners ${found.map((p) => p.id).join(', ')}; make it unique in Odoo, then redrive`,
      );
    const current = found[0];
    const wanted = withInvoiceAsOwn(wantedOfEvent, current, children);
    if (!current) {
      // A new partner and its child addresses in one create (Odoo's x2many command (0, 0, values) makes each child
      // with parent_id the new partner): one transaction, so never a partner without the addresses the event gave.
      const addresses = children.filter(({ type: _, ...address }) => !sameAddress(wanted, address));
      return call('res.partner', 'create', [
        [
          addresses.length > 0
            ? { ...wanted, child_ids: addresses.map((child) => [0, 0, { ...child, is_company: false }]) }
            : wanted,
        ],
      ]);
    }
    const steps: HttpSinkRequest[] = [];
    const changed = difference(current, wanted);
    if (Object.keys(changed).length > 0)
      steps.push(await call('res.partner', 'write', [[current.id], changed]));
    if (children.length > 0) {
      const own = { ...ownAddress(current), ...only(wanted, PARTNER_ADDRESS_FIELDS) };
      steps.push(...(await childAddressRequests(current, own, children)));
    }
    if (steps.length === 0) {
      log.debug(
        { key: record.key, partner: current.id },
        'res.partner already as the event says: nothing written',
      );
      return skipped(
        regionUnknown
          ? 'res.partner already as the event says but its region, a state this Odoo does not have'
          : 'res.partner already as the event says',
      );
    }
    return steps;
  }

  /**
   * The hub's erasure command: the partner (by its id, or by `ref` = the golden id for one the hub created) is
   * unlinked; one that orders point to (as customer, invoice or delivery address) cannot be, and is anonymised
   * and archived instead, as Odoo's own privacy tools do. Built from what Odoo holds before every attempt: a
   * partner gone or anonymised already needs nothing.
   */
  async function erasureRequests(event: CustomerEvent): Promise<HttpSinkRequest[] | Skipped> {
    const own = erasureTargets(event, 'odoo').filter(
      (s) => (s.idType ?? 'res.partner') === 'res.partner' && /^\d+$/.test(s.id),
    );
    const goldenId = event.customer.customerId;
    let domain: unknown[];
    if (own.length > 0) domain = [['id', 'in', own.map((s) => Number(s.id))]];
    else if ((event.customer.sourceIds ?? []).length === 0 && goldenId) domain = [['ref', '=', goldenId]];
    else return skipped('the erasure names no Odoo partner');
    const fields = await client.existing(
      'res.partner',
      Object.keys(ERASED_PARTNER),
      'nothing to clear',
      context.signal,
    );
    const erased = only(ERASED_PARTNER, fields);
    const partners = await client.executeKw<OdooRecord[]>(
      'res.partner',
      'search_read',
      [domain],
      { fields, context: { active_test: false } },
      context.signal,
    );
    const steps: HttpSinkRequest[] = [];
    for (const partner of partners) {
      const referenced = await client.executeKw<number>(
        'sale.order',
        'search_count',
        [
          [
            '|',
            '|',
            ['partner_id', '=', partner.id],
            ['partner_invoice_id', '=', partner.id],
            ['partner_shipping_id', '=', partner.id],
          ],
        ],
        {},
        context.signal,
      );
      if (referenced === 0) {
        steps.push(await call('res.partner', 'unlink', [[partner.id]]));
        continue;
      }
      const changed = difference(partner, erased);
      if (Object.keys(changed).length > 0)
        steps.push(await call('res.partner', 'write', [[partner.id], changed]));
    }
    return steps.length > 0 ? steps : skipped('nothing left to erase in Odoo');
  }

  async function orderRequest(record: SinkRecord): Promise<HttpSinkRequest | Skipped> {
    const order = (record.value as { salesOrder: { status: string; sourceIds?: SourceId[] } }).salesOrder;
    const action = ORDER_ACTIONS[order.status];
    const odoo = (order.sourceIds ?? []).filter((s) => s.system === 'odoo');
    const id = odoo.find((s) => s.idType === 'sale.order' && /^\d+$/.test(s.id))?.id;
    const name = odoo.find((s) => s.idType === 'sale.order.name')?.id;
    // An order Odoo never knew is not Odoo's to update; a status Odoo derives itself is not written.
    if (!action) return skipped(`status ${order.status} is not written to Odoo`);
    if (!id && !name) return skipped('not an Odoo order');
    const found = await client.executeKw<OdooRecord[]>(
      'sale.order',
      'search_read',
      [id ? [['id', '=', Number(id)]] : [['name', '=', name]]],
      { fields: ['name', 'state'], limit: 2 },
      context.signal,
    );
    if (found.length !== 1)
      throw new NonRetriableError(
        `${context.name}: ${found.length === 0 ? 'no' : 'more than one'} sale.order ${id ? `with id ${id}` : `named "${name}"`} in Odoo for ${order.status}`,
      );
    const current = found[0]!;
    if (action.doneIn.includes(String(current.state)))
      return skipped(`sale.order already ${String(current.state)}`);
    return call('sale.order', action.method, [[current.id]]);
  }

  async function request(record: SinkRecord): Promise<HttpSinkRequest | HttpSinkRequest[] | Skipped | null> {
    if (isErasureCommand(record.value)) return erasureRequests(record.value);
    const value = record.value as { origin?: Origin };
    const readFrom = await readFromOdoo(value.origin);
    if (readFrom) {
      log.debug({ key: record.key }, `${readFrom}: skipped`);
      return skipped(readFrom);
    }
    if (record.schema === 'eai.canonical.CustomerEvent') return partnerRequest(record);
    if (record.schema === 'eai.canonical.SalesOrderEvent') return orderRequest(record);
    throw new NonRetriableError(
      `${context.name}: no Odoo write for ${record.schema} (topics: CustomerEvents and SalesOrderEvents)`,
    );
  }

  /**
   * A JSON-2 refusal (4xx) with Odoo's exception and message instead of the raw body and its traceback: 401 says to
   * check the API key, 403 AccessError, 404 an unknown model or method or a MissingError, 422 bad arguments or a
   * UserError / ValidationError. Still dead-lettered (non-retriable); a body cut too short to read stays as it is.
   */
  async function refusedByOdoo(refusal: HttpRefusedError, sent: HttpSinkRequest): Promise<undefined> {
    const [, model = '', method = ''] = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(sent.path) ?? [];
    if (!model) return undefined;
    const error = json2Error(
      { connector: context.name, username, model, method },
      { status: refusal.status, retryAfter: null, body: refusal.responseBody },
    );
    if (
      error instanceof OdooFaultError ||
      error instanceof OdooApiKeyError ||
      error instanceof OdooNoJson2Error
    )
      throw error;
    return undefined;
  }

  /**
   * A JSON-2 500 naming an exception retrying does not heal (a ValueError, an integrity violation: json2Error): the
   * record is dead-lettered with Odoo's exception and message, not retried for as long as the sink runs.
   */
  function finalAnswer(status: number, body: string, sent: HttpSinkRequest): Error | undefined {
    const [, model = '', method = ''] = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(sent.path) ?? [];
    if (status !== 500 || !model) return undefined;
    const error = json2Error(
      { connector: context.name, username, model, method },
      { status, retryAfter: null, body },
    );
    return error instanceof OdooFaultError ? error : undefined;
  }

  /** JSON-RPC answers faults with HTTP 200 and `error` in the body (the exception's name and message). */
  function checkAnswer(text: string, sent: HttpSinkRequest): void {
    // JSON-2 answers the method's value with 2xx, its faults with 4xx/5xx (refusedByOdoo, http-sink).
    if (sent.path.startsWith('/json/2/')) return;
    let body: { error?: { message?: string; data?: { name?: string; message?: string } } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new NonRetriableError(`${context.name}: Odoo's answer is not JSON: ${quotedText(text, 200)}`);
    }
    if (!body.error) return;
    const exception = body.error.data?.name ?? 'error';
    const message = body.error.data?.message ?? body.error.message ?? 'unknown fault';
    const args = (sent.body as { params?: { args?: unknown[] } }).params?.args ?? [];
    const where = `${context.name}: Odoo ${String(args[3])}.${String(args[4])}`;
    if (exception.endsWith('AccessDenied')) {
      client.forget(); // the key was rotated: log in again before the next attempt
      throw new RetriableError(`${where}: Odoo refused the session (AccessDenied): logging in again`);
    }
    if (RETRIABLE_FAULTS.test(`${exception} ${message}`))
      throw new RetriableError(
        `${where}: Odoo ${exception}: ${quotedText(message, Number.POSITIVE_INFINITY)}`,
      );
    throw new OdooFaultError(where, exception, message);
  }

  return createHttpSink(
    {
      config: { ...http, baseUrl: url, timeoutMs },
      request,
      checkAnswer,
      redirect: refusedByOdoo,
      finalAnswer,
      requestPerAttempt: true,
    },
    context,
  );
}
