import type { Request, Response, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { apiActor } from './auth.ts';
import {
  type Contact,
  type ContactChange,
  contactView,
  createContact,
  findByProperty,
  updateContact,
} from './contacts.ts';
import { hsError, validationError } from './errors.ts';
import { publishContactChanges } from './events.ts';
import { CONTACTS } from './object-routes.ts';
import { checkIdProperty, validateProperties } from './properties.ts';
import type { HubSpotState } from './state.ts';

const MAX_BATCH = 100;

interface UpsertInput {
  idProperty: string;
  id: string;
  properties: Record<string, string>;
}

/**
 * Validates the whole batch first: HubSpot refuses a batch with any invalid input as a whole. An upsert names the
 * unique property it goes by (`idProperty`, required; the record id is no such property: HubSpot answers "Unable to
 * perform upsert by non-unique property hs_object_id"); an update goes by the record id unless it names one.
 */
function parseInputs(state: HubSpotState, body: unknown, mode: 'upsert' | 'update'): UpsertInput[] {
  const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: "inputs" must be an array');
  if (inputs.length > MAX_BATCH) {
    throw validationError(`Batch input too large: ${inputs.length} inputs, at most ${MAX_BATCH} allowed`, {
      errors: [{ message: `at most ${MAX_BATCH} inputs`, code: 'TOO_MANY_INPUTS' }],
    });
  }
  const parsed = inputs.map((input, index): UpsertInput => {
    const { idProperty, id, properties } = (input ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') {
      throw validationError(`Invalid input JSON: inputs[${index}].id must be a non-empty string`);
    }
    if (mode === 'upsert' && (typeof idProperty !== 'string' || idProperty === ''))
      throw validationError(
        `Invalid input JSON: inputs[${index}].idProperty is required: upsert goes by a unique property (email or a custom unique one); update a record by its id with batch/update`,
      );
    if (mode === 'upsert' && idProperty === 'hs_object_id')
      throw validationError('Unable to perform upsert by non-unique property hs_object_id', {
        errors: [{ message: 'hs_object_id is not a unique property', code: 'INVALID_ID_PROPERTY' }],
      });
    const name = checkIdProperty(state, typeof idProperty === 'string' ? idProperty : undefined);
    const values = validateProperties(properties ?? {});
    // The id value is the unique property's value; a different value for it in properties is refused.
    if (name !== 'hs_object_id') {
      const normalised = name === 'email' ? id.trim().toLowerCase() : id;
      if (values[name] !== undefined && values[name] !== normalised) {
        throw validationError(`inputs[${index}]: ${name} in properties differs from id`);
      }
      values[name] = normalised;
    }
    return { idProperty: name, id: name === 'email' ? id.trim().toLowerCase() : id, properties: values };
  });
  const keys = parsed.map((input) => `${input.idProperty}:${input.id}`);
  const duplicates = keys.filter((key, index) => keys.indexOf(key) !== index);
  if (duplicates.length > 0) {
    throw validationError(
      `Duplicate IDs found in batch input: [${duplicates.map((k) => k.split(':').slice(1).join(':'))}]. IDs must be unique`,
    );
  }
  return parsed;
}

/**
 * `POST /crm/v3/objects/contacts/batch/upsert`: create or update by email or a custom unique property;
 * `POST …/batch/update`: update by record id (or a unique property it names), never create: an id HubSpot does not
 * hold is an error in a 207 Multi-Status answer.
 */
export function batchRoutes(router: Router, sim: SimContext<HubSpotState>): void {
  router.post(`${CONTACTS}/batch/upsert`, (req, res) => write(req, res, 'upsert'));
  router.post(`${CONTACTS}/batch/update`, (req, res) => write(req, res, 'update'));

  function write(req: Request, res: Response, mode: 'upsert' | 'update'): void {
    const startedAt = new Date().toISOString();
    const inputs = parseInputs(sim.state, req.body, mode);
    // An input that would create a contact with an email another contact holds refuses the batch, as creating one
    // does (email is unique in HubSpot): 409 CONFLICT naming the contact that holds it.
    if (mode === 'upsert')
      for (const input of inputs) {
        const email = input.properties.email;
        if (!email || findByProperty(sim.state, input.idProperty, input.id)) continue;
        const holder = findByProperty(sim.state, 'email', email);
        if (holder) throw hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${holder.id}`);
      }
    const actor = apiActor(sim.state);
    const results: Array<Record<string, unknown>> = [];
    const changes: ContactChange[] = [];
    const errors: Array<Record<string, unknown>> = [];
    for (const input of inputs) {
      let contact: Contact | undefined = findByProperty(sim.state, input.idProperty, input.id);
      let created = false;
      if (!contact && mode === 'update') {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not find object with id ${input.id}`,
          context: { ids: [input.id] },
        });
        continue;
      }
      if (contact) {
        changes.push(...updateContact(sim.state, contact, input.properties, actor));
      } else {
        const made = createContact(sim.state, input.properties, actor);
        contact = made.contact;
        changes.push(...made.changes);
        created = true;
      }
      sim.recordEffect(req, {
        entityType: 'contact',
        entityId: contact.id,
        operation: created ? 'create' : 'update',
        detail: { idProperty: input.idProperty, id: input.id },
      });
      results.push({ ...contactView(contact, { include: Object.keys(input.properties) }), new: created });
    }
    publishContactChanges(sim, changes, actor);
    const completedAt = new Date().toISOString();
    if (errors.length > 0) {
      res
        .status(207)
        .json({ status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt });
      return;
    }
    res.json({ status: 'COMPLETE', results, startedAt, completedAt });
  }
}
