import type { Request, Response, Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { actorOf } from './auth.ts';
import { publishChanges } from './cdc.ts';
import { SfValidationError, sfError } from './errors.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { personContactProblems } from './person-accounts.ts';
import {
  createRecord,
  deleteRecord,
  findByExternalId,
  type RecordChange,
  recordView,
  updateRecord,
} from './records.ts';
import { canonicalField, isSObjectType, SOBJECTS, type SObjectType } from './schema.ts';
import type { SalesforceState, SfRecord } from './state.ts';
import { validateFields } from './validate.ts';

export function sobjectType(req: Request): SObjectType {
  const type = String(req.params.type);
  if (!isSObjectType(type)) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return type;
}

/** API version as a number, e.g. 62 for v62.0: some answers changed over versions. */
export function versionNumber(req: Request): number {
  return Number.parseFloat(String(req.params.version).slice(1));
}

function liveRecord(state: SalesforceState, type: SObjectType, id: string): SfRecord {
  if (!isValidId(id) || !id.startsWith(KEY_PREFIX[type])) {
    throw sfError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`);
  }
  const record = state.records[type][to18(id)];
  if (!record) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (record.IsDeleted) throw sfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  return record;
}

function externalIdField(type: SObjectType, name: string): string {
  const field = canonicalField(type, name);
  if (!field || (field !== 'Id' && !SOBJECTS[type][field]?.externalId)) {
    throw sfError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${name}`,
    );
  }
  return field;
}

/** Records the change as an effect and emits its change event, as the integration user. */
function applied(
  sim: SimContext<SalesforceState>,
  req: Request,
  res: Response,
  change: RecordChange,
  via?: string,
): void {
  sim.recordEffect(req, {
    entityType: change.type,
    entityId: change.record.Id,
    operation: change.changeType.toLowerCase(),
    ...(via ? { detail: { via } } : {}),
  });
  publishChanges(sim, [change], actorOf(res));
}

function selectedFields(type: SObjectType, query: unknown): string[] | undefined {
  if (typeof query !== 'string' || query === '') return undefined;
  return query.split(',').map((name) => {
    const field = canonicalField(type, name.trim());
    if (!field)
      throw sfError(400, 'INVALID_FIELD', `No such column '${name.trim()}' on sobject of type ${type}`);
    return field;
  });
}

/**
 * `GET sobjects/{type}/describe`, the part of Salesforce's DescribeSObjectResult the simulated org can say: the
 * object's names and flags, and per field `name`, `label`, `type`, `length`, `createable`, `updateable`, `nillable`,
 * `externalId`, `referenceTo`, `picklistValues`. Person-account fields are listed on Account (the org has person
 * accounts), as Salesforce lists them.
 */
function describeOf(type: SObjectType, version: string): Record<string, unknown> {
  return {
    name: type,
    label: type,
    keyPrefix: KEY_PREFIX[type],
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    retrieveable: true,
    fields: Object.entries(SOBJECTS[type]).map(([name, def]) => ({
      name,
      label: def.label,
      type: def.type,
      length: def.maxLength ?? 0,
      createable: !def.readOnly,
      updateable: !def.readOnly,
      nillable: !def.required && def.type !== 'boolean' && name !== 'Id',
      externalId: def.externalId === true,
      referenceTo: def.referenceTo ? [def.referenceTo] : [],
      picklistValues: (def.values ?? []).map((value) => ({ value, label: value, active: true })),
    })),
    urls: {
      sobject: `/services/data/${version}/sobjects/${type}`,
      describe: `/services/data/${version}/sobjects/${type}/describe`,
      rowTemplate: `/services/data/${version}/sobjects/${type}/{ID}`,
    },
  };
}

/** `/services/data/vXX.X/sobjects/...`: describe (basic and full), create, read, update, delete, upsert by external id. */
export function sobjectRoutes(router: Router, sim: SimContext<SalesforceState>): void {
  const base = '/services/data/:version/sobjects/:type';

  router.get(base, (req, res) => {
    const type = sobjectType(req);
    const version = String(req.params.version);
    const recent = Object.values(sim.state.records[type])
      .filter((record) => !record.IsDeleted)
      .slice(-10)
      .map((record) => recordView(type, record, version, ['Id', 'Name']));
    res.json({
      objectDescribe: {
        name: type,
        label: type,
        keyPrefix: KEY_PREFIX[type],
        createable: true,
        updateable: true,
        deletable: true,
        queryable: true,
        urls: {
          sobject: `/services/data/${version}/sobjects/${type}`,
          rowTemplate: `/services/data/${version}/sobjects/${type}/{ID}`,
        },
      },
      recentItems: recent,
    });
  });

  router.post(base, (req, res) => {
    const type = sobjectType(req);
    const values = validateFields(sim.state, type, req.body, 'create');
    const change = createRecord(sim.state, type, values, actorOf(res).userId);
    applied(sim, req, res, change);
    res.status(201).json({ id: change.record.Id, success: true, errors: [] });
  });

  // The describe's field list (the connector's GAP re-read names every field in its sObject Collections retrieve).
  // Before `/:id`, which would take `describe` for a record id.
  router.get(`${base}/describe`, (req, res) => {
    const type = sobjectType(req);
    res.json(describeOf(type, String(req.params.version)));
  });

  router.get(`${base}/:id`, (req, res) => {
    const type = sobjectType(req);
    const record = liveRecord(sim.state, type, String(req.params.id));
    res.json(recordView(type, record, String(req.params.version), selectedFields(type, req.query.fields)));
  });

  router.patch(`${base}/:id`, (req, res) => {
    const type = sobjectType(req);
    const record = liveRecord(sim.state, type, String(req.params.id));
    const values = validateFields(sim.state, type, req.body, 'update', [], record);
    applied(sim, req, res, updateRecord(type, record, values, actorOf(res).userId));
    res.status(204).end();
  });

  router.delete(`${base}/:id`, (req, res) => {
    const type = sobjectType(req);
    const record = liveRecord(sim.state, type, String(req.params.id));
    const refused = type === 'Contact' ? personContactProblems(record) : [];
    if (refused.length > 0) throw new SfValidationError(refused);
    applied(sim, req, res, deleteRecord(type, record, actorOf(res).userId));
    res.status(204).end();
  });

  router.get(`${base}/:field/:value`, (req, res) => {
    const type = sobjectType(req);
    const field = externalIdField(type, String(req.params.field));
    const version = String(req.params.version);
    const matches = findByExternalId(sim.state, type, field, String(req.params.value));
    if (matches.length > 1) {
      res
        .status(300)
        .json(matches.map((record) => `/services/data/${version}/sobjects/${type}/${record.Id}`));
      return;
    }
    if (!matches[0]) throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    res.json(recordView(type, matches[0], version));
  });

  router.patch(`${base}/:field/:value`, (req, res) => {
    const type = sobjectType(req);
    const field = externalIdField(type, String(req.params.field));
    const value = String(req.params.value);
    const version = String(req.params.version);
    const body = req.body as Record<string, unknown> | undefined;
    const echoed = body && typeof body === 'object' ? body[field] : undefined;
    if (echoed !== undefined && String(echoed).toLowerCase() !== value.toLowerCase()) {
      throw sfError(400, 'INVALID_FIELD', `The value of ${field} in the body does not match the URL`, [
        field,
      ]);
    }
    const matches =
      field === 'Id' ? [liveRecord(sim.state, type, value)] : findByExternalId(sim.state, type, field, value);
    if (matches.length > 1) {
      res
        .status(300)
        .json(matches.map((record) => `/services/data/${version}/sobjects/${type}/${record.Id}`));
      return;
    }
    const userId = actorOf(res).userId;
    const existing = matches[0];
    if (existing) {
      const values = validateFields(sim.state, type, req.body, 'update', [field], existing);
      applied(sim, req, res, updateRecord(type, existing, values, userId), 'upsert');
      // Since API 46.0 an upsert that updates answers 200 with created:false; before, 204 without a body.
      if (versionNumber(req) >= 46)
        res.status(200).json({ id: existing.Id, success: true, errors: [], created: false });
      else res.status(204).end();
      return;
    }
    if (req.query.updateOnly === 'true')
      throw sfError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const values = validateFields(sim.state, type, req.body, 'create', [field]);
    const change = createRecord(sim.state, type, { ...values, [field]: value }, userId);
    applied(sim, req, res, change, 'upsert');
    res.status(201).json({ id: change.record.Id, success: true, errors: [], created: true });
  });
}
