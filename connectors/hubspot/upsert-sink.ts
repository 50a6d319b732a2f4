import { z } from 'zod';
import { ConfigError, errorMessage, NonRetriableError, RetriableError } from '../../lib/errors.ts';
import { type CompiledMapping, writeWithFirst } from '../../mappings/index.ts';
import { erasureTargets, isErasureCommand } from '../../schemas/erasure.ts';
import type { CustomerEvent } from '../../schemas/types.generated.ts';
import { type ConnectorContext, type SinkRecord, type Skipped, skipped } from '../sdk/index.ts';
import { type HttpBatching, httpBatchConfig } from '../transports/http-batch.ts';
import {
  createHttpSink,
  type HttpRefusedError,
  type HttpSink,
  type HttpSinkRequest,
} from '../transports/http-sink.ts';
import { headerSecret, httpSinkConfig } from '../transports/http-sink-config.ts';
import { targetUrl } from '../transports/target-url.ts';
import { createAccountTimeZone, dailyLimitWait, isDailyLimit } from './daily-limit.ts';
import { createHubspotGet } from './rest.ts';

export const BATCH_UPSERT_PATH = '/crm/v3/objects/contacts/batch/upsert';
/** By record id: batch/upsert goes by a unique property only, and the record id is none. */
export const BATCH_UPDATE_PATH = '/crm/v3/objects/contacts/batch/update';
/** HubSpot's contacts and companies APIs, as a mapping says where its bodies go (`sendTo`). */
export const CONTACTS_API = '/crm/v3/objects/contacts';
export const COMPANIES_API = '/crm/v3/objects/companies';
/** Companies (`companies: true`): the same batch calls of HubSpot's companies API. */
export const COMPANY_BATCH_UPSERT_PATH = '/crm/v3/objects/companies/batch/upsert';
export const COMPANY_BATCH_UPDATE_PATH = '/crm/v3/objects/companies/batch/update';
/** What the sink writes companies with (`companies: true`) unless `companyMapping` names another: selects the company records. */
export const COMPANY_MAPPING = 'hubspot/company-batch-upsert.from-canonical.yaml';
const BATCH_PATHS = [
  BATCH_UPSERT_PATH,
  BATCH_UPDATE_PATH,
  COMPANY_BATCH_UPSERT_PATH,
  COMPANY_BATCH_UPDATE_PATH,
];
export const GDPR_DELETE_PATH = '/crm/v3/objects/contacts/gdpr-delete';

/**
 * The hub's erasure command (schemas/erasure.ts) as HubSpot's GDPR delete: the contact, its property history and
 * the contacts merged into it are removed for good. By HubSpot's id when the command names it, else by the unique
 * property `eai_golden_id` (a contact the hub created by the golden id).
 */
export function gdprDeleteRequest(event: CustomerEvent): HttpSinkRequest | Skipped {
  const targets = erasureTargets(event, 'hubspot');
  const own = targets.find((s) => !isCompanyId(s.id))?.id;
  const goldenId = event.customer.customerId;
  const company = targets.find((s) => isCompanyId(s.id))?.id;
  if (!own && company)
    return skipped(
      `the erasure names HubSpot ${company.replace(':', ' ')}, not a contact: HubSpot's GDPR delete is for contacts; delete the company in HubSpot if it must go`,
    );
  if (!own && ((event.customer.sourceIds ?? []).length > 0 || !goldenId))
    return skipped('the erasure names no HubSpot contact');
  return {
    method: 'POST',
    path: GDPR_DELETE_PATH,
    headers: { 'content-type': 'application/json' },
    body: own ? { objectId: own } : { objectId: goldenId, idProperty: 'eai_golden_id' },
  };
}

/**
 * A HubSpot company's source id as the source's company mapping writes it (`company:<id>`, idType `company`:
 * hubspot/company.to-canonical.yaml), never a contact's (digits): HubSpot's company and contact ids share one range.
 */
export function isCompanyId(id: string): boolean {
  return id.startsWith('company:');
}

/**
 * Why a CustomerEvent is not written to a contact: it names a HubSpot company (the golden record's HubSpot member is a
 * company, or the event is the company source's own) and no HubSpot contact. This sink writes contacts only: a
 * contact update by the company's number would change the contact of that number, and an upsert by the golden id
 * would make a contact of the company. Undefined when the event is a contact's (or names none in HubSpot).
 */
export function companyRecordReason(event: CustomerEvent): string | undefined {
  const ids = (event.customer?.sourceIds ?? []).filter((s) => s.system === 'hubspot');
  const company = ids.find((s) => isCompanyId(s.id) || s.idType === 'company');
  if (!company || ids.some((s) => s !== company && /^\d+$/.test(s.id))) return undefined;
  return `HubSpot ${company.id.replace(':', ' ')} is a company: this sink writes contacts, companies are not written to HubSpot`;
}

/**
 * Reads a batch upsert's 2xx answer: HubSpot answers an input it could not write inside the batch with 207
 * Multi-Status, `{status: COMPLETE, results, numErrors, errors: [{status, category, message, context}]}` (an unknown
 * `hs_object_id`: OBJECT_NOT_FOUND). For a record sent alone (a batch of one), an error is that record's: it is dead-lettered
 * with HubSpot's reason, not counted as written.
 */
export function checkBatchAnswer(text: string, sent: HttpSinkRequest, connector: string): void {
  if (!BATCH_PATHS.includes(sent.path)) return;
  const errors = answerErrors(text);
  if (errors.length === 0) return;
  throw new NonRetriableError(
    `${connector}: POST ${sent.path} wrote nothing for the record (HubSpot's batch answer names ${errors.length} error${errors.length === 1 ? '' : 's'}): ${errors.map(errorReason).join('; ').slice(0, 1000)}`,
  );
}

/** An entry of a batch answer's `errors` (207 Multi-Status). */
interface BatchError {
  category?: unknown;
  message?: unknown;
  context?: { ids?: unknown };
}

/** The `errors` of a batch call's 2xx answer: none for an empty answer or one that is no JSON. */
function answerErrors(text: string): Array<BatchError | null> {
  if (text === '') return [];
  let answer: { errors?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    return [];
  }
  return Array.isArray(answer.errors) ? (answer.errors as Array<BatchError | null>) : [];
}

/** An error of a batch answer as a reason: `<category>: <message>`. */
function errorReason(error: BatchError | null): string {
  return `${String(error?.category ?? 'ERROR')}: ${String(error?.message ?? '')}`;
}

/** A batch body as a value: the mapping's output comes as its JSON bytes, a body made here as the value. */
function batchBody(body: unknown): unknown {
  return Buffer.isBuffer(body) || typeof body === 'string' ? JSON.parse(body.toString()) : body;
}

/**
 * The mapping's body as the call it needs: inputs addressed by a unique property (`eai_golden_id`, email) go to
 * batch/upsert; one addressed by HubSpot's own record id (`idProperty: null`, the contact's id known from the xref)
 * to batch/update, without `idProperty`, since batch/upsert goes by a unique property and the record id is none.
 */
export function batchRequest(
  body: unknown,
  objects: 'contacts' | 'companies' = 'contacts',
): { path: string; body: unknown } {
  const [upsert, update] =
    objects === 'contacts'
      ? [BATCH_UPSERT_PATH, BATCH_UPDATE_PATH]
      : [COMPANY_BATCH_UPSERT_PATH, COMPANY_BATCH_UPDATE_PATH];
  const inputs = (batchBody(body) as { inputs?: unknown } | null)?.inputs;
  if (
    !Array.isArray(inputs) ||
    !inputs.every((input) => input?.idProperty === null || input?.idProperty === undefined)
  )
    return { path: upsert, body };
  return {
    path: update,
    body: { inputs: inputs.map(({ idProperty: _, ...input }: Record<string, unknown>) => input) },
  };
}

/**
 * A batch upsert refused because the contact it would create has an email another contact holds (HubSpot: 409
 * "Contact already exists. Existing ID: n"; email is unique there, and a form or an import made that contact before
 * the hub knew it): the same write goes to that contact by its id (batch/update), stamping the golden id on it, so
 * the golden record and HubSpot's contact of that email become one, as HubSpot's own CRM syncs dedupe by email. A
 * contact that already carries another golden id is not taken over: the record is dead-lettered saying which, for
 * a steward (two golden records with one email). `goldenIdOf` reads the contact's `eai_golden_id`.
 */
export async function linkToExistingContact(
  refusal: HttpRefusedError,
  sent: HttpSinkRequest,
  goldenIdOf: (contactId: string) => Promise<string | undefined>,
  connector: string,
): Promise<HttpSinkRequest | undefined> {
  if (sent.path !== BATCH_UPSERT_PATH || refusal.status !== 409) return undefined;
  const existing = /Existing ID: (\d+)/.exec(refusal.responseBody)?.[1];
  if (!existing) return undefined;
  const body = batchBody(sent.body) as {
    inputs: Array<{ idProperty?: string | null; id: string; properties?: Record<string, string> }>;
  };
  const [input] = body.inputs;
  if (!input || body.inputs.length !== 1 || input.idProperty !== 'eai_golden_id') return undefined;
  const holder = await goldenIdOf(existing);
  if (holder && holder !== input.id)
    throw new NonRetriableError(
      `${connector}: HubSpot contact ${existing} holds this email and belongs to golden record ${holder}, not ${input.id}: two golden records share the email; merge them, or correct one's email (eai mdm review)`,
    );
  return {
    method: 'POST',
    path: BATCH_UPDATE_PATH,
    headers: { 'content-type': 'application/json' },
    body: { inputs: [{ id: existing, properties: { ...input.properties, eai_golden_id: input.id } }] },
  };
}

/** The most inputs HubSpot's batch endpoints take in one request. */
export const MAX_BATCH_INPUTS = 100;

/** An input of a batch body, as the mapping writes it (one per record). */
interface BatchInput {
  idProperty?: string | null;
  id: string;
  properties?: Record<string, string>;
}

/**
 * Which HubSpot record a batch input writes: the unique property it goes by and its value (an email as HubSpot
 * compares it, trimmed and in lower case), or the record id. HubSpot refuses two inputs of one record in a batch.
 */
export function inputKey(input: BatchInput): string {
  const property = input.idProperty ?? 'hs_object_id';
  return `${property}:${property === 'email' ? String(input.id).trim().toLowerCase() : String(input.id)}`;
}

/**
 * HubSpot's batch calls as the HTTP sink's batching: a record's one-input batch/upsert or batch/update body is an
 * item of its path's batches (contacts and companies, upsert and update apart); its key the record it writes. A
 * 207's `errors` name the inputs they are about in `context.ids`: those records are dead-lettered with HubSpot's
 * reason, the others are written; an error that names no input of the batch has the batch split to find it.
 */
export function hubspotBatching(size: number, waitMs: number, connector: string): HttpBatching {
  return {
    size,
    waitMs,
    itemOf(request) {
      if (!BATCH_PATHS.includes(request.path)) return undefined;
      const inputs = (batchBody(request.body) as { inputs?: BatchInput[] } | null)?.inputs;
      if (!Array.isArray(inputs) || inputs.length !== 1 || typeof inputs[0]?.id !== 'string')
        return undefined;
      return { group: request.path, key: inputKey(inputs[0]), item: inputs[0] };
    },
    combine: (path, items) => ({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      body: { inputs: items },
    }),
    results(text, items, sent) {
      const errors = answerErrors(text);
      const ids = (items as BatchInput[]).map((input) => String(input.id).trim().toLowerCase());
      const reasons = items.map((): string[] => []);
      for (const error of errors) {
        const named = Array.isArray(error?.context?.ids) ? (error.context.ids as unknown[]) : [];
        const at = named.map((id) => ids.indexOf(String(id).trim().toLowerCase()));
        if (at.length === 0 || at.some((index) => index < 0)) return 'unknown';
        for (const index of at) reasons[index]!.push(errorReason(error));
      }
      return reasons.map((said) =>
        said.length === 0
          ? undefined
          : new NonRetriableError(
              `${connector}: POST ${sent.path} wrote nothing for the record (HubSpot's batch answer names ${said.length} error${said.length === 1 ? '' : 's'} for it): ${said.join('; ').slice(0, 1000)}`,
            ),
      );
    },
  };
}

export const hubspotUpsertSinkConfig = httpSinkConfig.omit({ authHeader: true }).extend({
  ...httpBatchConfig(
    MAX_BATCH_INPUTS,
    MAX_BATCH_INPUTS,
    'inputs of one `batch/upsert` or `batch/update` call',
    'HubSpot',
  ),
  baseUrl: targetUrl()
    .default('https://api.hubapi.com')
    .describe('HubSpot API base URL; the batch upsert path is appended to it.'),
  accessToken: headerSecret()
    .min(1, 'the access token is empty')
    .meta({ secret: true })
    .describe(
      "The private app's access token (`pat-…`), sent as a bearer token; write an environment reference (`$" +
        '{env:NAME}`) in deployment files.',
    ),
  companies: z
    .boolean()
    .default(false)
    .describe(
      "Write organisations as HubSpot companies: an event that names a HubSpot company (`company:<id>`, the source's `companies: true`) or an ORGANIZATION HubSpot does not hold as a contact goes to `/crm/v3/objects/companies/batch/upsert` by `eai_golden_id` (batch/update by the company's id when known), written by `companyMapping`; the rest to contacts as before. Default off, not on with the source's `companies`: the sink cannot see the source's config, the token needs the scope `crm.objects.companies.write` (without it every organisation would fail with 403 and be dead-lettered), the portal needs the `eai_golden_id` company property, and an organisation HubSpot does not hold would become a company where it became a contact before. Off, a company's record is skipped, saying so.",
    ),
  companyMapping: z
    .string()
    .min(1)
    .default(COMPANY_MAPPING)
    .describe(
      "With `companies`: the from-canonical mapping (output `hubspot-batch-upsert`) that writes companies, as `mapping:` names the contacts' (a file relative to the deployment file, else a shipped one), run in the connector's `timeZone` as `mapping:` is; it is tried first, and the records it writes nothing for go to the connector's `mapping:`. Copy the shipped one to change what a company gets, keeping its `records`, which selects the organisations.",
    ),
});

export type HubspotUpsertSinkConfig = z.output<typeof hubspotUpsertSinkConfig>;

/**
 * The mapping `companyMapping` names, found as a connector's `mapping:` is (beside the deployment file, else
 * shipped) and in the connector's mapping context (its `timeZone`: `context.sinkMapping`), refused at start when it
 * cannot write a company's batch body.
 */
export function companyMappingOf(ref: string, context: ConnectorContext): CompiledMapping {
  const mapping = context.sinkMapping(ref);
  if (mapping.direction !== 'from-canonical' || mapping.spec.output !== 'hubspot-batch-upsert')
    throw new ConfigError(
      `connector ${context.name}: companyMapping ${ref} ${mapping.direction === 'from-canonical' ? `writes format ${mapping.spec.output}` : `reads format ${mapping.spec.input} (a to-canonical mapping)`}: name a from-canonical mapping whose output is hubspot-batch-upsert (a copy of ${COMPANY_MAPPING})`,
    );
  // What `eai map --to-system` says of its bodies is where this sink sends them.
  if (mapping.spec.sendTo !== undefined && mapping.spec.sendTo !== COMPANIES_API)
    throw new ConfigError(
      `connector ${context.name}: companyMapping ${ref} says its bodies go to ${mapping.spec.sendTo} (sendTo), and this sink sends the company mapping's to ${COMPANIES_API}: set sendTo: ${COMPANIES_API}, or name it as the connector's mapping: if it writes contacts`,
    );
  return mapping;
}

/**
 * CustomerEvents → `POST /crm/v3/objects/contacts/batch/upsert`, up to `batchSize` records per request
 * (`hubspotBatching`: the records in hand together, one input each, never two of one contact), the body written by the
 * connector's from-canonical mapping (hubspot/batch-upsert.from-canonical.yaml: by the unique property
 * `eai_golden_id`, or `…/batch/update` by HubSpot's record id when it is known: `batchRequest`). An event the mapping writes nothing for is skipped.
 * HubSpot stamps the writes itself: the webhook echo carries `changeSource: INTEGRATION` and the app id as
 * `sourceId`, which the source's mapping puts in the canonical event's `origin`. The hub's erasure command becomes
 * HubSpot's GDPR delete (`gdprDeleteRequest`). A 207 naming an error for the record is a refusal (`checkBatchAnswer`);
 * a contact to create whose email another contact holds is written to that contact (`linkToExistingContact`).
 * With `companies`, the company mapping (`companyMapping`, default COMPANY_MAPPING) is tried before the connector's
 * (`writeWithFirst`), and what it writes goes to the companies API the same way.
 * HubSpot's daily API limit (429 `policyName: DAILY`) is waited out until it resets, midnight in the account's time
 * zone (daily-limit.ts; the zone is read at the first write, before the limit can be spent), never dead-lettered.
 * `options.now`: the clock the wait is computed against (tests).
 */
export function createHubspotUpsertSink(
  config: HubspotUpsertSinkConfig,
  context: ConnectorContext,
  options: { now?: () => number } = {},
): HttpSink {
  const { accessToken, batchSize, batchWaitMs, ...http } = config;
  const now = options.now ?? Date.now;
  const accountTimeZone = createAccountTimeZone(
    createHubspotGet({
      baseUrl: config.baseUrl,
      accessToken,
      connector: context.name,
      timeoutMs: config.timeoutMs,
      retries: 1,
    }),
    context.signal,
  );
  // Found at start (an unreadable or unfit mapping fails the connector's start, not each record).
  const companyMapping = config.companies ? companyMappingOf(config.companyMapping, context) : undefined;
  const contactsSendTo = context.outboundMapping?.spec.sendTo;
  if (contactsSendTo !== undefined && contactsSendTo !== CONTACTS_API)
    throw new ConfigError(
      `connector ${context.name}: mapping ${context.outboundMapping?.file} says its bodies go to ${contactsSendTo} (sendTo), and this sink sends its connector mapping's to ${CONTACTS_API}${contactsSendTo === COMPANIES_API ? ': name it as companyMapping (with companies: true)' : ''}`,
    );
  /** Asked once, at the first write: once the daily limit is spent, HubSpot answers that read 429 too. */
  let zoneAsked = false;
  /** The `eai_golden_id` of HubSpot contact `id` (undefined: none), for `linkToExistingContact`. */
  async function goldenIdOf(id: string): Promise<string | undefined> {
    const url = `${config.baseUrl.replace(/\/+$/, '')}/crm/v3/objects/contacts/${encodeURIComponent(id)}?properties=eai_golden_id`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(config.timeoutMs)]),
      });
    } catch (error) {
      throw new RetriableError(`${context.name}: GET contact ${id} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (!response.ok)
      throw new RetriableError(`${context.name}: GET contact ${id} answered HTTP ${response.status}`);
    const contact = (await response.json()) as { properties?: { eai_golden_id?: string | null } };
    return contact.properties?.eai_golden_id || undefined;
  }
  async function request(record: SinkRecord): Promise<HttpSinkRequest | Skipped | null> {
    if (!zoneAsked) {
      zoneAsked = true;
      void accountTimeZone.read();
    }
    if (isErasureCommand(record.value)) return gdprDeleteRequest(record.value);
    const company = companyRecordReason(record.value as CustomerEvent);
    if (company && !companyMapping) return skipped(company);
    // The first mapping that writes anything writes the record, and which one it was says where it goes: with
    // `companies` the company mapping takes the records it selects (a company's, an organisation's), the
    // connector's mapping the rest; a company's record it writes nothing for (a deletion) is skipped as any
    // record the mappings leave out, never written as a contact.
    const mappings = companyMapping
      ? company
        ? [companyMapping]
        : [companyMapping, contactMapping()]
      : [contactMapping()];
    const written = await writeWithFirst(mappings, [record.value]);
    if (written.length === 0) return null;
    if (written.length > 1)
      throw new NonRetriableError(
        `${context.name}: the mapping wrote ${written.length} batch bodies for one record; expected one`,
      );
    const [{ document, mapping }] = written as [(typeof written)[0]];
    return {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...batchRequest(document, mapping === companyMapping ? 'companies' : 'contacts'),
    };
  }
  /** The connector's `mapping:`, which writes contacts. */
  function contactMapping(): CompiledMapping {
    if (!context.outboundMapping)
      throw new ConfigError(`connector ${context.name}: no from-canonical mapping configured (mapping:)`);
    return context.outboundMapping;
  }
  return createHttpSink(
    {
      config: { ...http, authHeader: { name: 'Authorization', value: `Bearer ${accessToken}` } },
      request,
      // The records in hand together go in one batch call (an erasure and a 409's redirect alone).
      batch: hubspotBatching(batchSize, batchWaitMs, context.name),
      // A GDPR delete of a contact HubSpot no longer holds (a first delivery deleted it): done.
      alreadyApplied: (refusal, sent) =>
        sent.path === GDPR_DELETE_PATH && refusal.status === 404 ? 'contact already deleted' : undefined,
      // A contact to create whose email another contact holds: written to that one (linkToExistingContact).
      redirect: (refusal, sent) => linkToExistingContact(refusal, sent, goldenIdOf, context.name),
      // A 207 whose `errors` name the record: refused inside the batch, dead-lettered with HubSpot's reason.
      checkAnswer: (text, sent) => checkBatchAnswer(text, sent, context.name),
      // The daily API limit spent: the write waits until it resets (an hour when the account's zone is unknown).
      limitWait: async (status, text) => {
        if (!isDailyLimit(status, text)) return undefined;
        const { timeZone, problem } = await accountTimeZone.read();
        const wait = dailyLimitWait(now(), timeZone, problem);
        return { until: new Date(wait.until), reason: wait.reason };
      },
      now,
    },
    context,
  );
}
