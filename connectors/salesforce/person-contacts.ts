import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SourceDocument, SourceTask } from '../sdk/index.ts';
import { HttpRefusedError } from '../transports/http-errors.ts';
import { SOBJECT_FORMAT } from './gap-reread.ts';

/** Answers which of these Contact ids are person accounts' hidden Contacts (a SOQL query over REST). */
export type PersonContactQuery = (ids: string[]) => Promise<Set<string>>;

/** How many Contact ids the source remembers as person or not (ids never change kind here). */
const REMEMBERED = 50_000;
/** Ids per query: 18 characters each, well under the REST URL limit of 16,384. */
const IDS_PER_QUERY = 200;

/** A SOQL query of Contacts by id that keeps the hidden ones of person accounts; REST GET through `get`. */
export function personContactQuery(
  get: (path: string) => Promise<Buffer | null>,
  apiVersion: string,
): PersonContactQuery {
  return async (ids) => {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const list = ids
        .slice(i, i + IDS_PER_QUERY)
        .map((id) => `'${id.replace(/[^\w]/g, '')}'`)
        .join(', ');
      const soql = `SELECT Id FROM Contact WHERE IsPersonAccount = true AND Id IN (${list})`;
      let path: string | null = `/services/data/${apiVersion}/query?q=${encodeURIComponent(soql)}`;
      while (path) {
        const body = await get(path);
        const page = (body ? JSON.parse(body.toString('utf8')) : {}) as {
          records?: Array<{ Id?: unknown }>;
          nextRecordsUrl?: string;
        };
        for (const record of page.records ?? []) if (typeof record.Id === 'string') found.add(record.Id);
        path = page.nextRecordsUrl ?? null;
      }
    }
    return found;
  };
}

interface Seen {
  /** A Contact change event's record ids, or a Contact record's id (re-read or from a snapshot), with its IsPersonAccount. */
  contactIds?: string[];
  person?: boolean;
  /** An Account change event that names its hidden Contact (the events that create a person account do). */
  personContactId?: string;
}

/** What a document says about person contacts; undefined when it says nothing (not JSON, another entity). */
function seen(document: SourceDocument): Seen | undefined {
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(document.bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (document.format === SOBJECT_FORMAT) {
    const type = (root.attributes as { type?: unknown } | undefined)?.type;
    if (type !== 'Contact' || typeof root.Id !== 'string') return undefined;
    // A snapshot's records hold the fields it selected: without IsPersonAccount, the Contact is looked up.
    return typeof root.IsPersonAccount === 'boolean'
      ? { contactIds: [root.Id], person: root.IsPersonAccount }
      : { contactIds: [root.Id] };
  }
  const payload = ((root.data as { payload?: unknown } | undefined)?.payload ??
    root.payload ??
    root) as Record<string, unknown>;
  const header = payload.ChangeEventHeader as
    | { entityName?: unknown; recordIds?: unknown; changeType?: unknown }
    | undefined;
  // A GAP_OVERFLOW names no record (its recordIds hold Salesforce's empty id): nothing to tell apart.
  if (!header || header.changeType === 'GAP_OVERFLOW') return undefined;
  if (header.entityName === 'Account')
    return typeof payload.PersonContactId === 'string'
      ? { personContactId: payload.PersonContactId }
      : undefined;
  if (header.entityName !== 'Contact' || !Array.isArray(header.recordIds)) return undefined;
  const ids = header.recordIds.filter((id): id is string => typeof id === 'string' && id !== '');
  return ids.length > 0 ? { contactIds: ids } : undefined;
}

/**
 * Wraps a Salesforce change source (events, GAP re-reads, initial snapshot) so that a person account reaches the bus
 * once, as its Account. Salesforce sends a
 * Contact change event beside the Account's for every change of a person account (when Contact is captured too, as
 * it must be for the Account's event to carry the person's fields on update); the Account's event already holds all
 * the person's fields, and its customer names the hidden Contact's id as one more source id. The Contact's event
 * goes on position-only: acknowledged with the batch, nothing published; so does the hidden Contact's record in a
 * snapshot (a query of Contact returns it too).
 *
 * Which Contacts are hidden ones: those an Account event names (PersonContactId), a re-read record that says so
 * (IsPersonAccount), else one SOQL query per batch for the ids not seen before. An org without person accounts
 * answers the query 400 (no IsPersonAccount on Contact): the source stops asking. A query that fails otherwise
 * fails the batch's Contact events (their requests are answered 503: Salesforce sends them again).
 */
export function withoutPersonContactEvents(
  inner: SourceTask,
  query: PersonContactQuery,
  logger: Logger,
): SourceTask {
  const known = new Map<string, boolean>();
  let orgHasPersonAccounts = true;
  const batches = new WeakMap<SourceDocument[], SourceDocument[]>();

  function remember(id: string, person: boolean): void {
    known.delete(id);
    known.set(id, person);
    if (known.size > REMEMBERED) known.delete(known.keys().next().value as string);
  }

  /** Looks up the ids not known yet; false when the lookup failed (the callers' documents fail with it). */
  async function learn(ids: string[]): Promise<Error | undefined> {
    const unknown = [...new Set(ids.filter((id) => !known.has(id)))];
    if (unknown.length === 0 || !orgHasPersonAccounts) return undefined;
    try {
      const persons = await query(unknown);
      for (const id of unknown) remember(id, persons.has(id));
      return undefined;
    } catch (error) {
      if (error instanceof HttpRefusedError && error.status === 400) {
        orgHasPersonAccounts = false;
        logger.info(
          { error: errorMessage(error) },
          'Contact has no IsPersonAccount in this org: no person accounts, every Contact event goes on',
        );
        return undefined;
      }
      return error as Error;
    }
  }

  return {
    start: (positions) => inner.start(positions),
    stop: () => inner.stop(),
    status: inner.status?.bind(inner),
    pollsAhead: inner.pollsAhead,
    async poll() {
      const documents = await inner.poll();
      if (documents.length === 0) return documents;
      const facts = documents.map(seen);
      for (const fact of facts) {
        if (fact?.personContactId) remember(fact.personContactId, true);
        if (fact?.person !== undefined) for (const id of fact.contactIds ?? []) remember(id, fact.person);
      }
      const failed = await learn(facts.flatMap((fact) => fact?.contactIds ?? []));
      const out: SourceDocument[] = [];
      const refused: SourceDocument[] = [];
      let hidden = 0;
      documents.forEach((document, index) => {
        const ids = facts[index]?.contactIds;
        if (!ids) out.push(document);
        else if (failed && ids.some((id) => !known.has(id))) refused.push(document);
        else if (ids.every((id) => known.get(id) === true)) {
          hidden += 1;
          out.push({ ...document, positionOnly: true });
        } else out.push(document);
      });
      if (hidden > 0) logger.debug({ hidden }, "person accounts' Contact events kept off the bus");
      if (refused.length > 0) {
        logger.warn(
          { documents: refused.length, error: errorMessage(failed) },
          'could not tell person contacts apart; their Contact events are refused for redelivery',
        );
        await inner.commit(refused, { ok: false, error: failed as Error });
      }
      batches.set(out, documents);
      return out;
    },
    async commit(documents, outcome) {
      // The inner source finds its batch by identity; documents refused already are skipped by it.
      await inner.commit(batches.get(documents) ?? documents, outcome);
    },
  };
}
