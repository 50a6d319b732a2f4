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
import type { ObjectType } from './object-types.ts';
import { checkIdProperty, propertyList, validateProperties } from './properties.ts';
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
function parseInputs(
  state: HubSpotState,
  body: unknown,
  mode: 'upsert' | 'update',
  type: ObjectType,
): UpsertInput[] {
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
    const name = checkIdProperty(state, typeof idProperty === 'string' ? idProperty : undefined, type.name);
    const values = validateProperties(properties ?? {}, type.properties);
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
 * `POST /crm/v3/objects/<type>/batch/upsert`: create or update by a custom unique property (or a contact's email);
 * `POST …/batch/update`: update by record id (or a unique property it names), never create: an id HubSpot does not
 * hold is an error in a 207 Multi-Status answer; `POST …/batch/read`: records by id or a unique property, those it
 * does not hold named in a 207's `errors`.
 */
export function batchRoutes(router: Router, sim: SimContext<HubSpotState>, type: ObjectType): void {
  router.post(`${type.path}/batch/upsert`, (req, res) => write(req, res, 'upsert'));
  router.post(`${type.path}/batch/update`, (req, res) => write(req, res, 'update'));
  router.post(`${type.path}/batch/read`, (req, res) => read(req, res));

  function read(req: Request, res: Response): void {
    const startedAt = new Date().toISOString();
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!Array.isArray(body.inputs)) throw validationError('Invalid input JSON: "inputs" must be an array');
    if (body.inputs.length > MAX_BATCH)
      throw validationError(
        `Batch input too large: ${body.inputs.length} inputs, at most ${MAX_BATCH} allowed`,
        {
          errors: [{ message: `at most ${MAX_BATCH} inputs`, code: 'TOO_MANY_INPUTS' }],
        },
      );
    if (body.idProperty !== undefined && typeof body.idProperty !== 'string')
      throw validationError('Invalid input JSON: idProperty must be a string');
    const idProperty = checkIdProperty(sim.state, body.idProperty as string | undefined, type.name);
    const ids = body.inputs.map((input, index) => {
      const id = (input as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || id === '')
        throw validationError(`Invalid input JSON: inputs[${index}].id must be a non-empty string`);
      return id;
    });
    const properties = Array.isArray(body.properties) ? propertyList(body.properties) : undefined;
    const propertiesWithHistory = Array.isArray(body.propertiesWithHistory)
      ? propertyList(body.propertiesWithHistory)
      : undefined;
    const options = {
      ...(properties ? { properties } : {}),
      ...(propertiesWithHistory ? { propertiesWithHistory } : {}),
    };
    const results: Array<Record<string, unknown>> = [];
    const missing: string[] = [];
    for (const id of [...new Set(ids)]) {
      const found = findByProperty(sim.state, idProperty, id, type);
      if (found) results.push(contactView(found, options, type));
      else missing.push(id);
    }
    const completedAt = new Date().toISOString();
    if (missing.length === 0) {
      res.json({ status: 'COMPLETE', results, startedAt, completedAt });
      return;
    }
    const errors = [
      {
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: `Could not get some ${type.singular.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
        context: { ids: missing },
      },
    ];
    res.status(207).json({ status: 'COMPLETE', results, numErrors: 1, errors, startedAt, completedAt });
  }

  function write(req: Request, res: Response, mode: 'upsert' | 'update'): void {
    const startedAt = new Date().toISOString();
    const inputs = parseInputs(sim.state, req.body, mode, type);
    // An input that would create a contact with an email another contact holds refuses the batch, as creating one
    // does (email is unique in HubSpot): 409 CONFLICT naming the contact that holds it.
    if (mode === 'upsert')
      for (const input of inputs) {
        const email = input.properties.email;
        if (!email || findByProperty(sim.state, input.idProperty, input.id, type)) continue;
        const holder = findByProperty(sim.state, 'email', email);
        if (holder) throw hsError(409, 'CONFLICT', `Contact already exists. Existing ID: ${holder.id}`);
      }
    const actor = apiActor(sim.state);
    const results: Array<Record<string, unknown>> = [];
    const changes: ContactChange[] = [];
    const errors: Array<Record<string, unknown>> = [];
    for (const input of inputs) {
      let contact: Contact | undefined = findByProperty(sim.state, input.idProperty, input.id, type);
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
        changes.push(...updateContact(sim.state, contact, input.properties, actor, type));
      } else {
        const made = createContact(sim.state, input.properties, actor, type);
        contact = made.contact;
        changes.push(...made.changes);
        created = true;
      }
      sim.recordEffect(req, {
        entityType: type.singular,
        entityId: contact.id,
        operation: created ? 'create' : 'update',
        detail: { idProperty: input.idProperty, id: input.id },
      });
      results.push({
        ...contactView(contact, { include: Object.keys(input.properties) }, type),
        new: created,
      });
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
