import type { Request, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { apiActor } from './auth.ts';
import { archiveCompany } from './companies.ts';
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
import { CONTACT_TYPE, type ObjectType } from './object-types.ts';
import { checkIdProperty, propertyList, validateProperties } from './properties.ts';
import type { HubSpotState } from './state.ts';

export const CONTACTS = CONTACT_TYPE.path;
const MAX_LIST_LIMIT = 100;

function viewOptions(req: Request) {
  const properties = propertyList(req.query.properties);
  const propertiesWithHistory = propertyList(req.query.propertiesWithHistory);
  return {
    ...(properties ? { properties } : {}),
    ...(propertiesWithHistory ? { propertiesWithHistory } : {}),
  };
}

/** The record a path id names, by `hs_object_id` or by the `idProperty` query parameter. */
function recordFromPath(state: HubSpotState, req: Request, type: ObjectType, archived = false): Contact {
  const idProperty = checkIdProperty(
    state,
    typeof req.query.idProperty === 'string' ? req.query.idProperty : undefined,
    type.name,
  );
  const id = String(req.params.objectId);
  const contact =
    idProperty === 'hs_object_id'
      ? findContact(state, id, archived, type)
      : findByProperty(state, idProperty, id, type);
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

/**
 * Single-object CRUD and the list with cursor paging of an object type (contacts, companies: the same API, HubSpot's
 * `/crm/v3/objects/{objectType}`); their merge is `mergeRoute`, a contact's GDPR delete `contactRoutes`.
 */
export function objectRoutes(router: Router, sim: SimContext<HubSpotState>, type: ObjectType): void {
  const path = type.path;
  router.get(path, (req, res) => {
    const limit = Math.min(positiveInteger(req.query.limit, 'limit', 10) || 10, MAX_LIST_LIMIT);
    const after = positiveInteger(req.query.after, 'after', 0);
    const archived = req.query.archived === 'true';
    const all = Object.values(type.records(sim.state))
      .filter((c) => !c.mergedInto && c.archived === archived && Number(c.id) >= after)
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = all.slice(0, limit);
    const body: Record<string, unknown> = {
      results: page.map((c) => contactView(c, viewOptions(req), type)),
    };
    const next = all[limit];
    if (next) {
      const query = new URLSearchParams({ after: next.id, limit: String(limit) });
      body.paging = { next: { after: next.id, link: `${sim.url}${path}?${query}` } };
    }
    res.json(body);
  });

  router.post(path, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const properties = validateProperties(body.properties, type.properties);
    const existing = properties.email ? findByProperty(sim.state, 'email', properties.email) : undefined;
    if (existing) {
      throw hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
    }
    const { contact, changes } = createContact(sim.state, properties, apiActor(sim.state), type);
    sim.recordEffect(req, { entityType: type.singular, entityId: contact.id, operation: 'create' });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.status(201).json(contactView(contact, { include: Object.keys(properties) }, type));
  });

  router.get(`${path}/:objectId`, (req, res) => {
    const archived = req.query.archived === 'true';
    res.json(contactView(recordFromPath(sim.state, req, type, archived), viewOptions(req), type));
  });

  router.patch(`${path}/:objectId`, (req, res) => {
    const contact = recordFromPath(sim.state, req, type);
    const properties = validateProperties(
      ((req.body ?? {}) as Record<string, unknown>).properties,
      type.properties,
    );
    if (properties.email && properties.email !== contact.properties.email) {
      const other = findByProperty(sim.state, 'email', properties.email);
      if (other && other.id !== contact.id) {
        throw hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${other.id}`);
      }
    }
    const changes = updateContact(sim.state, contact, properties, apiActor(sim.state), type);
    sim.recordEffect(req, {
      entityType: type.singular,
      entityId: contact.id,
      operation: 'update',
      detail: { changed: changes.map((c) => c.propertyName) },
    });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.json(contactView(contact, { include: Object.keys(properties) }, type));
  });

  // Archiving is idempotent in HubSpot: an unknown or already archived id also gets 204 (nothing applied).
  router.delete(`${path}/:objectId`, (req, res) => {
    let contact: Contact;
    try {
      contact = recordFromPath(sim.state, req, type);
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        res.status(204).end();
        return;
      }
      throw error;
    }
    // A company's associations go with it (companies.ts).
    const changes =
      type === CONTACT_TYPE ? archiveContact(sim.state, contact) : archiveCompany(sim.state, contact);
    sim.recordEffect(req, { entityType: type.singular, entityId: contact.id, operation: 'archive' });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.status(204).end();
  });
}

/**
 * `POST /crm/v3/objects/{objectType}/merge {primaryObjectId, objectIdToMerge}` of contacts and companies: the
 * primary keeps its id and values, the other's fill its empty ones, and the other's id answers as the primary from
 * now on; a `<type>.merge` webhook names both.
 */
export function mergeRoute(router: Router, sim: SimContext<HubSpotState>, type: ObjectType): void {
  router.post(`${type.path}/merge`, (req, res) => {
    const { primaryObjectId, objectIdToMerge } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof primaryObjectId !== 'string' || typeof objectIdToMerge !== 'string') {
      throw validationError('Invalid input JSON: primaryObjectId and objectIdToMerge are required strings');
    }
    const primary = findContact(sim.state, primaryObjectId, false, type);
    const secondary = findContact(sim.state, objectIdToMerge, false, type);
    if (!primary || !secondary) throw notFound();
    if (primary.id === secondary.id) {
      throw validationError('Cannot merge an object with itself');
    }
    const changes = mergeContacts(sim.state, primary, secondary, apiActor(sim.state), type);
    sim.recordEffect(req, {
      entityType: type.singular,
      entityId: primary.id,
      operation: 'merge',
      detail: { merged: secondary.id },
    });
    publishContactChanges(sim, changes, apiActor(sim.state));
    res.json(contactView(primary, {}, type));
  });
}

/** What only contacts have: GDPR delete. */
export function contactRoutes(router: Router, sim: SimContext<HubSpotState>): void {
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
}
