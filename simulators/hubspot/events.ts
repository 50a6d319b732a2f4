import { createHmac } from 'node:crypto';
import type { SimContext } from '../common/types.ts';
import type { Actor, ChangeKind, ContactChange } from './contacts.ts';
import type { HubSpotState } from './state.ts';

/** The webhook subscription types this simulator emits (also usable as `/sim/subscriptions` channels). */
export const SUBSCRIPTION_TYPES = [
  'contact.creation',
  'contact.propertyChange',
  'contact.deletion',
  'contact.merge',
  'contact.restore',
  'contact.privacyDeletion',
  'contact.associationChange',
  'company.creation',
  'company.propertyChange',
  'company.deletion',
  'company.merge',
] as const;

/** What a webhook carries as the propertyValue of a Sensitive Data property. */
export const REDACTED = 'REDACTED';

/** HubSpot delivers at most 100 events per request. */
export const MAX_EVENTS_PER_REQUEST = 100;

const CHANGE_FLAGS: Record<ChangeKind, string> = {
  creation: 'CREATED',
  propertyChange: 'PROPERTY_CHANGED',
  deletion: 'DELETED',
  merge: 'MERGED',
  restore: 'RESTORED',
  // Not documented for this type: the deletion's flag.
  privacyDeletion: 'DELETED',
  // Never sent: an association change carries no changeFlag (its payload names its two ends instead).
  associationChange: 'ASSOCIATION_CHANGED',
};

/** Each subscription type is one subscription of the app, with a stable id. */
function subscriptionId(type: string): number {
  return 1_000 + SUBSCRIPTION_TYPES.indexOf(type as (typeof SUBSCRIPTION_TYPES)[number]);
}

/**
 * The v3 request signature: base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)).
 * HubSpot signs the full URI it calls and the raw body it sends.
 */
export function signatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  timestamp: string,
): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

function toEvent(state: HubSpotState, change: ContactChange, actor: Actor): Record<string, unknown> {
  const subscriptionType = `${change.objectType ?? 'contact'}.${change.kind}`;
  const head = {
    eventId: state.nextEventId++,
    subscriptionId: subscriptionId(subscriptionType),
    portalId: state.app.portalId,
    appId: state.app.appId,
    occurredAt: change.occurredAt,
    subscriptionType,
    attemptNumber: 0,
  };
  // An association change names its two ends and no objectId (HubSpot's webhook docs, association change payload).
  if (change.association)
    return {
      ...head,
      changeSource: actor.changeSource,
      sourceId: actor.sourceId,
      associationType: 'CONTACT_TO_COMPANY',
      fromObjectId: Number(change.objectId),
      toObjectId: Number(change.association.toObjectId),
      associationRemoved: change.association.removed,
      isPrimaryAssociation: change.association.primary,
    };
  return {
    ...head,
    objectId: Number(change.objectId),
    changeFlag: CHANGE_FLAGS[change.kind],
    changeSource: actor.changeSource,
    sourceId: actor.sourceId,
    ...(change.propertyName === undefined
      ? {}
      : {
          propertyName: change.propertyName,
          // A Sensitive Data property's value never leaves HubSpot in a webhook (its Sensitive Data guide).
          propertyValue: state.sensitiveProperties?.includes(change.propertyName)
            ? REDACTED
            : change.propertyValue,
        }),
    ...(change.merge
      ? {
          primaryObjectId: Number(change.merge.primaryObjectId),
          mergedObjectIds: change.merge.mergedObjectIds.map(Number),
          newObjectId: Number(change.merge.newObjectId),
          numberOfPropertiesMoved: change.merge.numberOfPropertiesMoved,
        }
      : {}),
  };
}

/**
 * Posts the changes of one request as webhook batches: one batch per subscription type (so a
 * subscriber of one type gets only its events), at most 100 events each, signed with the v3 signature.
 */
export function publishContactChanges(
  sim: SimContext<HubSpotState>,
  changes: ContactChange[],
  actor: Actor,
): void {
  if (changes.length === 0) return;
  const state = sim.state;
  const events = changes.map((change) => toEvent(state, change, actor));
  sim.markDirty();
  const clientSecret = state.app.clientSecret;
  const headers = (body: string, url: string) => {
    const timestamp = String(Date.now());
    return {
      'X-HubSpot-Signature-v3': signatureV3(clientSecret, 'POST', url, body, timestamp),
      'X-HubSpot-Request-Timestamp': timestamp,
      'User-Agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio)',
    };
  };
  // Types in the order they first happened, so a creation batch goes out before its property changes.
  const types = [...new Set(events.map((event) => String(event.subscriptionType)))];
  for (const type of types) {
    const ofType = events.filter((event) => event.subscriptionType === type);
    for (let start = 0; start < ofType.length; start += MAX_EVENTS_PER_REQUEST) {
      sim.webhooks.publish([type], ofType.slice(start, start + MAX_EVENTS_PER_REQUEST), { headers });
    }
  }
}
