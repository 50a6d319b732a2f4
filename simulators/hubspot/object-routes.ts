import type { Request, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { apiActor } from './auth.ts';
import {
  archiveContact,
  type Contact,
  contactView,
  createContact,
  findByProperty,
  findContact,
  gdprDeleteContact,
  mergeContacts,
  updateContact,
} from './contacts.ts';
import { hsError, notFound, validationError } from './errors.ts';
import { publishContactChanges } from './events.ts';
import { checkIdProperty, propertyList, validateProperties } from './properties.ts';
import type { HubSpotState } from './state.ts';

export const CONTACTS = '/crm/v3/objects/contacts';
const MAX_LIST_LIMIT = 100;

function viewOptions(req: Request) {
  const properties = propertyList(req.query.properties);
  const propertiesWithHistory = propertyList(req.query.propertiesWithHistory);
  return {
    ...(properties ? { properties } : {}),
    ...(propertiesWithHistory ? { propertiesWithHistory } : {}),
  };
}

/** The contact a path id names, by `hs_object_id` or by the `idProperty` query parameter. */
function contactFromPath(state: HubSpotState, req: Request, archived = false): Contact {
  const idProperty = checkIdProperty(
    state,
    typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined,
  );
  const id = String(req.params.contactId);
  const contact =
    idProperty === 'hs_object_id' ? findContact(state, id, archived) : findByProperty(state, idProperty, id);
  if (!contact) throw notFound();
  return contact;
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0)
    throw validationError(`${name} must be a non-negative integer`);
  return number;
}

/** Single-object CRUD, list with cursor paging, merge. */
export function objectRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  router.get(CONTACTS, (req, res) => {
    const limit = Math.min(positiveInteger(req.query.limit, 'limit', 10) || 10, MAX_LIST_LIMIT);
    const after = positiveInteger(req.query.after, 'after', 0);
    const archived = req.query.archived === 'true';
    const all = Object.values(sim.state.contacts)
      .filter((c) => !c.mergedInto && c.archived === archived && Number(c.id) >= after)
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = { results: page.map((c) => contactView(c, viewOptions(req))) };
    const next = all[limit];
    if (next) {
      const query = new URLSearchParams({ after: next.id, limit: String(limit) });
      body.paging = { next: { after: next.id, link: `${sim.url}${CONTACTS}?${query}` } };
    }
    res.json(body);
  });

  router.post(CONTACTS, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const properties = validateProperties(body.properties);
    const existing = properties.email ? findByProperty(sim.state, 'email', properties.email) : undefined;
    if (existing) {
      throw hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
    }
    const { contact, changes } = createContact(sim.state, properties, apiActor(sim.state));
    sim.recordEffect(req, { entityType: 'contact', entityId: contact.id, operation: 'create' });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.status(201).json(contactView(contact, { include: Object.keys(properties) }));
  });

  router.post(`${CONTACTS}/merge`, (req, res) => {
    const { primaryObjectId, objectIdToMerge } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof primaryObjectId !== 'string' || typeof objectIdToMerge !== 'string') {
      throw validationError('Invalid input JSON: primaryObjectId and objectIdToMerge are required strings');
    }
    const primary = findContact(sim.state, primaryObjectId);
    const secondary = findContact(sim.state, objectIdToMerge);
    if (!primary || !secondary) throw notFound();
    if (primary.id === secondary.id) {
      throw validationError('Cannot merge an object with itself');
    }
    const changes = mergeContacts(sim.state, primary, secondary, apiActor(sim.state));
    sim.recordEffect(req, {
      entityType: 'contact',
      entityId: primary.id,
      operation: 'merge',
      detail: { merged: secondary.id },
    });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.json(contactView(primary, {}));
  });

  // GDPR delete: the contact (archived or not) is removed for good with its history and the contacts merged into
  // it; 204 without a body. By an unknown email HubSpot blocklists the address (not simulated): 204 as well.
  router.post(`${CONTACTS}/gdpr-delete`, (req, res) => {
    const { objectId, idProperty } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof objectId !== 'string' || objectId === '')
      throw validationError('Invalid input JSON: objectId is a required string');
    if (idProperty !== undefined && typeof idProperty !== 'string')
      throw validationError('Invalid input JSON: idProperty must be a string');
    const property = checkIdProperty(sim.state, idProperty);
    const contact =
      property === 'hs_object_id'
        ? (findContact(sim.state, objectId) ?? findContact(sim.state, objectId, true))
        : (findByProperty(sim.state, property, objectId) ??
          Object.values(sim.state.contacts).find(
            (c) => c.archived && !c.mergedInto && c.properties[property] === objectId,
          ));
    if (!contact) {
      if (property === 'email') {
        res.status(204).end();
        return;
      }
      throw notFound();
    }
    const { changes, removed } = gdprDeleteContact(sim.state, contact);
    // Its stored answers (upserts echo the properties) must not hand the data out again.
    for (const id of removed) sim.forgetAnswers(`"${id}"`);
    sim.recordEffect(req, { entityType: 'contact', entityId: contact.id, operation: 'gdpr-delete' });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.status(204).end();
  });

  router.get(`${CONTACTS}/:contactId`, (req, res) => {
    const archived = req.query.archived === 'true';
    res.json(contactView(contactFromPath(sim.state, req, archived), viewOptions(req)));
  });

  router.patch(`${CONTACTS}/:contactId`, (req, res) => {
    const contact = contactFromPath(sim.state, req);
    const properties = validateProperties(((req.body ?? {}) as Record<string, unknown>).properties);
    if (properties.email && properties.email !== contact.properties.email) {
      const other = findByProperty(sim.state, 'email', properties.email);
      if (other && other.id !== contact.id) {
        throw hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${other.id}`);
      }
    }
    const changes = updateContact(sim.state, contact, properties, apiActor(sim.state));
    sim.recordEffect(req, {
      entityType: 'contact',
      entityId: contact.id,
      operation: 'update',
      detail: { changed: changes.map((c) => c.propertyName) },
    });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.json(contactView(contact, { include: Object.keys(properties) }));
  });

  // Archiving is idempotent in HubSpot: an unknown or already archived id also gets 204 (nothing applied).
  router.delete(`${CONTACTS}/:contactId`, (req, res) => {
    let contact: Contact;
    try {
      contact = contactFromPath(sim.state, req);
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        res.status(204).end();
        return;
      }
      throw error;
    }
    const changes = archiveContact(sim.state, contact);
    sim.recordEffect(req, { entityType: 'contact', entityId: contact.id, operation: 'archive' });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.status(204).end();
  });
}
