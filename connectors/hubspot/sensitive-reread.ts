import { errorMessage, RetriableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CommitOutcome, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import { HttpLimitWaitError } from '../transports/http-errors.ts';
import { withRereads } from '../transports/reread.ts';
import type { HubspotGet } from './rest.ts';
import { CONTACTS_PATH, CRM_OBJECT_FORMAT } from './snapshot.ts';

/**
 * What HubSpot sends as a Sensitive Data property's propertyValue in every webhook (its "Access and manage Sensitive
 * Data" guide); the format reader marks such an event `redacted` (formats/hubspot-contact).
 */
const REDACTED = 'REDACTED';

/** Changes an app makes are marked with these; with the app's own id as sourceId they are the hub's own writes. */
const APP_CHANGE_SOURCES = new Set(['INTEGRATION', 'API']);

interface RedactedChange {
  eventId: string;
  /** With the event id, what names the event: HubSpot's event ids are not unique across subscriptions. */
  subscriptionId?: string;
  contactId: string;
  propertyName: string;
}

const digits = (value: unknown): string | undefined =>
  (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
  (typeof value === 'string' && /^\d+$/.test(value))
    ? String(value)
    : undefined;

/**
 * The contact and property of a webhook event that is a redacted change of a Sensitive Data property; undefined for
 * any other event, and for the echo of the hub's own write (changeSource INTEGRATION or API from this app: the hub
 * knows what it wrote, and the event goes on as RESYNC_REQUESTED carrying that origin, which sinks drop as an echo).
 */
export function redactedChangeOf(bytes: Buffer): RedactedChange | undefined {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (event === null || typeof event !== 'object') return undefined;
  const type = event.subscriptionType ?? event.eventType;
  if (type !== 'contact.propertyChange' || event.propertyValue !== REDACTED) return undefined;
  const eventId = digits(event.eventId);
  const contactId = digits(event.objectId);
  const propertyName = event.propertyName;
  if (!eventId || !contactId || typeof propertyName !== 'string' || propertyName === '') return undefined;
  const appId = digits(event.appId);
  if (
    typeof event.changeSource === 'string' &&
    APP_CHANGE_SOURCES.has(event.changeSource) &&
    appId !== undefined &&
    event.sourceId === appId
  )
    return undefined;
  const subscriptionId = digits(event.subscriptionId);
  return { eventId, ...(subscriptionId === undefined ? {} : { subscriptionId }), contactId, propertyName };
}

/** The source partition that holds the re-reads parked while HubSpot's daily API limit is spent. */
export const PARKED_PARTITION = 'sensitive-rereads';
/**
 * At most this many re-reads parked (about 200 bytes each in the partition's offset, one Kafka record): beyond, an
 * event's request is refused (503) and HubSpot sends it again, as for any read that cannot be made.
 */
export const MAX_PARKED = 1000;
/** Parked re-reads read per batch once the limit has reset, taking turns with the webhook stream. */
const READS_PER_BATCH = 20;
/** A parked read that failed otherwise (its retries spent) is tried again this much later. */
const PARKED_RETRY_MS = 60_000;

/** A re-read parked at the daily limit: the change, and what its document is published with once read. */
interface ParkedRead extends RedactedChange {
  deliveryId: string;
  name: string;
  receivedAt: string;
}

function parkedOf(json: Json): ParkedRead | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const r = json as Record<string, Json>;
  const text = (key: string) =>
    typeof r[key] === 'string' && r[key] !== '' ? (r[key] as string) : undefined;
  const eventId = digits(r.eventId);
  const subscriptionId = digits(r.subscriptionId);
  const contactId = digits(r.contactId);
  const propertyName = text('propertyName');
  const deliveryId = text('deliveryId');
  if (!eventId || !contactId || !propertyName || !deliveryId) return undefined;
  return {
    eventId,
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    contactId,
    propertyName,
    deliveryId,
    name: text('name') ?? deliveryId,
    receivedAt: text('receivedAt') ?? new Date().toISOString(),
  };
}

function parkedReadsOf(offset: Json | undefined): ParkedRead[] | undefined {
  const reads = (offset as { reads?: Json } | null | undefined)?.reads;
  if (!Array.isArray(reads)) return undefined;
  const parked = reads.map(parkedOf);
  return parked.some((read) => read === undefined) ? undefined : (parked as ParkedRead[]);
}

/** What keeps the source from resuming at `offset` of its `sensitive-rereads` partition, or undefined. */
export function parkedOffsetProblem(offset: unknown): string | undefined {
  if (parkedReadsOf(offset as Json) !== undefined) return undefined;
  return 'is not a list of parked re-reads ({reads: [{eventId, subscriptionId, contactId, propertyName, deliveryId, name, receivedAt}]}, as GET …/offsets shows; {"reads": []} forgets them)';
}

/**
 * Wraps the contact webhook source: a propertyChange of a Sensitive Data property (its value sent as "REDACTED") is
 * answered by reading the contact, `GET /crm/v3/objects/contacts/<id>?properties=<properties>,<the property>`, which
 * takes the place of the event as a `hubspot-crm-object` document (mapped by the shipped
 * hubspot/crm-object.to-canonical.yaml: UPDATED with every property read). Its CloudEvents id is
 * `<subscriptionId>:<eventId>:reread` (the event's own, `:reread`),
 * one per event, so two sensitive changes of one contact are two records, the same on a redelivery. A contact gone
 * by then (404: deleted or GDPR-deleted, which its own webhooks tell) is logged and the event acknowledged with
 * nothing published. A read that still fails after the retries refuses that event's request (503: HubSpot sends it
 * again); the rest of the batch goes on.
 *
 * HubSpot's daily API limit (the `get` made with `dailyLimit`, which throws an HttpLimitWaitError until midnight in the
 * account's time zone) is waited out without holding the webhook request for hours, and without the 503: HubSpot
 * retries a webhook 10 times over about a day, which may all fall before the reset, and the event would be lost. The
 * read is parked instead: recorded in the source partition `sensitive-rereads` (its offset lists the parked reads),
 * written by the runtime in the same Kafka transaction as the event's batch, so the request is answered 200 once the
 * parked read is on Kafka and a restart finds it. Until the reset no read is asked (one warn line says until when; the
 * status `rereads` says how many are parked and until when). Then the parked reads are made, `READS_PER_BATCH` a batch
 * taking turns with the webhook stream, each batch's records published with the list shortened past them, in the
 * same transaction. A parked contact gone by then (404) is dropped as above. `now`: the clock (tests).
 */
export function withSensitiveRereads(
  inner: SourceTask,
  options: {
    get: HubspotGet;
    properties: readonly string[];
    signal: AbortSignal;
    logger: Logger;
    now?: () => number;
  },
): SourceTask {
  const { get, properties, signal, logger } = options;
  const now = options.now ?? Date.now;
  /** The parked reads as on Kafka (the last committed batch's position), and as the batches handed out leave them. */
  let committed: ParkedRead[] = [];
  let current: ParkedRead[] = [];
  /** Parked by the poll under way, recorded in its batch's position. */
  let parking: ParkedRead[] = [];
  /** No read is asked before this time (the daily limit's reset; a failed parked read's retry), ms. */
  let until = 0;
  let lastError: string | null = null;
  /** The batch of parked reads handed out and not committed yet (at most one), and the list after it. */
  let outstanding: { documents: SourceDocument[]; after: ParkedRead[] } | null = null;
  /** Batches of the webhook stream that park reads: the inner batch, and the list as they leave it. */
  const recording = new WeakMap<SourceDocument[], { documents: SourceDocument[]; after: ParkedRead[] }>();
  /** After a batch of parked reads, the webhook stream's turn. */
  let innerTurn = false;

  /** The contact as HubSpot has it now (null: gone, 404). */
  function readContact(change: RedactedChange): Promise<Buffer | null> {
    const query = new URLSearchParams({
      properties: [...new Set([...properties, change.propertyName])].join(','),
    });
    const path = `${CONTACTS_PATH}/${change.contactId}`;
    return get(`${path}?${query}`, signal, path);
  }

  /** The daily limit answered: no read until its reset; one warn line per wait. */
  function limitSpent(error: HttpLimitWaitError): void {
    const known = until > now();
    until = error.until.getTime();
    lastError = errorMessage(error);
    if (!known)
      logger.warn(
        { until: error.until.toISOString(), parked: current.length + parking.length + 1 },
        `${error.reason}: re-reads of Sensitive Data changes are parked until ${error.until.toISOString()}, then made`,
      );
  }

  function park(document: SourceDocument, change: RedactedChange): void {
    if (current.length + parking.length >= MAX_PARKED)
      throw new RetriableError(
        `${MAX_PARKED} re-reads are parked already until ${new Date(until).toISOString()}: this one is refused for redelivery`,
      );
    const deliveryId = document.deliveryId ?? document.name ?? change.eventId;
    if ([...current, ...parking].some((read) => read.deliveryId === deliveryId)) return;
    parking.push({
      ...change,
      deliveryId,
      name: document.name ?? document.deliveryId ?? change.eventId,
      receivedAt: (document.receivedAt ?? new Date()).toISOString(),
    });
    logger.debug(
      { contactId: change.contactId, property: change.propertyName, eventId: change.eventId },
      'Sensitive Data change parked: its contact is read once HubSpot answers again',
    );
  }

  /** The read's document in the event's place. */
  function reread(bytes: Buffer, change: RedactedChange, of: { name: string; deliveryId: string }) {
    return {
      bytes,
      format: CRM_OBJECT_FORMAT,
      id: `${change.subscriptionId === undefined ? '' : `${change.subscriptionId}:`}${change.eventId}:reread`,
      name: `${of.name}#reread`,
      deliveryId: `${of.deliveryId}:reread`,
    };
  }

  function gone(change: RedactedChange): void {
    logger.info(
      { contactId: change.contactId, property: change.propertyName, eventId: change.eventId },
      'contact of a Sensitive Data change is gone (404); the event is dropped',
    );
  }

  const rereads = withRereads<RedactedChange>(
    inner,
    {
      wanted: (document) => redactedChangeOf(document.bytes),
      async read(document, change): Promise<SourceDocument[]> {
        // The limit spent: parked without asking (HubSpot answers 429 until the reset).
        if (now() < until) {
          park(document, change);
          return [];
        }
        let bytes: Buffer | null;
        try {
          bytes = await readContact(change);
        } catch (error) {
          if (!(error instanceof HttpLimitWaitError)) throw error;
          limitSpent(error);
          park(document, change);
          return [];
        }
        if (bytes === null) {
          gone(change);
          return [];
        }
        logger.debug(
          { contactId: change.contactId, property: change.propertyName, eventId: change.eventId },
          'Sensitive Data change answered by re-reading the contact',
        );
        return [
          {
            ...document,
            ...reread(bytes, change, {
              name: document.name ?? document.deliveryId ?? '',
              deliveryId: document.deliveryId ?? '',
            }),
          },
        ];
      },
      describe: (_document, change) => ({
        contactId: change.contactId,
        property: change.propertyName,
        eventId: change.eventId,
      }),
      failedMessage: 're-read of a Sensitive Data change failed; the event is refused for redelivery',
    },
    logger,
  );

  const position = (reads: ParkedRead[]) => ({
    partition: PARKED_PARTITION,
    offset: { reads } as unknown as Json,
  });

  /** Up to READS_PER_BATCH parked reads made, as one batch whose position is the list past them; [] if none was. */
  async function readParked(): Promise<SourceDocument[]> {
    const documents: Array<Omit<SourceDocument, 'position'>> = [];
    let done = 0;
    for (const read of current.slice(0, READS_PER_BATCH)) {
      let bytes: Buffer | null;
      try {
        bytes = await readContact(read);
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof HttpLimitWaitError) limitSpent(error);
        else {
          until = now() + PARKED_RETRY_MS;
          lastError = errorMessage(error);
          logger.warn(
            {
              contactId: read.contactId,
              eventId: read.eventId,
              error: lastError,
              retryInMs: PARKED_RETRY_MS,
            },
            'parked re-read of a Sensitive Data change failed; trying again later',
          );
        }
        break;
      }
      done += 1;
      if (bytes === null) gone(read);
      else documents.push({ ...reread(bytes, read, read), receivedAt: new Date(read.receivedAt) });
    }
    if (done === 0) return [];
    lastError = null;
    const after = current.slice(done);
    const at = position(after);
    const out: SourceDocument[] =
      documents.length > 0
        ? documents.map((document) => ({ ...document, position: at }))
        : [{ bytes: Buffer.alloc(0), name: 'parked re-reads', position: at, positionOnly: true }];
    if (after.length === 0) logger.info('parked re-reads of Sensitive Data changes done');
    current = after;
    outstanding = { documents: out, after };
    innerTurn = true;
    return out;
  }

  return {
    async start(positions) {
      const stored = parkedReadsOf(positions.get(PARKED_PARTITION));
      if (stored && stored.length > 0) {
        committed = current = stored;
        logger.info({ parked: stored.length }, 're-reads of Sensitive Data changes parked before a restart');
      }
      await rereads.start(positions);
    },
    stop: () => rereads.stop(),

    async poll() {
      if (current.length > 0 && outstanding === null && !innerTurn && now() >= until && !signal.aborted) {
        const read = await readParked();
        if (read.length > 0) return read;
      }
      innerTurn = false;
      parking = [];
      const documents = await rereads.poll();
      const parked = parking;
      parking = [];
      if (parked.length === 0) return documents;
      const after = [...current, ...parked];
      current = after;
      const out = [
        ...documents,
        { bytes: Buffer.alloc(0), name: 'parked re-reads', position: position(after), positionOnly: true },
      ];
      recording.set(out, { documents, after });
      return out;
    },

    async commit(documents, outcome: CommitOutcome) {
      const page = outstanding?.documents === documents ? outstanding : recording.get(documents);
      if (!page) return rereads.commit(documents, outcome);
      if (page === outstanding) outstanding = null;
      // Not on Kafka: the list goes back to the last committed one (the runtime fails the batches after it too).
      if (outcome.ok) committed = page.after;
      else current = committed;
      if (page.documents !== documents) await rereads.commit(page.documents, outcome);
    },

    status() {
      return {
        ...(rereads.status?.() ?? {}),
        rereads: {
          parked: committed.length,
          waitingUntil: until > now() ? new Date(until).toISOString() : null,
          lastError,
        },
      };
    },

    ...(rereads.pollsAhead === undefined ? {} : { pollsAhead: rereads.pollsAhead }),
  };
}
