import type { Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { actorOf } from './auth.ts';
import { publishChanges } from './cdc.ts';
import { type SfError, SfValidationError, sfError } from './errors.ts';
import { isValidId, KEY_PREFIX, to18 } from './ids.ts';
import { createRecord, findByExternalId, type RecordChange, recordView, updateRecord } from './records.ts';
import { canonicalField, SOBJECTS, type SObjectType } from './schema.ts';
import { sobjectType } from './sobject-routes.ts';
import type { SalesforceState } from './state.ts';
import { type FieldValues, validateFields } from './validate.ts';

const MAX_RECORDS = 200;
/** The sObject Collections retrieve takes up to 2,000 ids (the POST form; the GET form's URL runs out before). */
export const MAX_RETRIEVE_IDS = 2000;

interface UpsertResult {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

/** sObject Collections report errors with `statusCode`, not `errorCode`. */
function failure(errors: SfError[]): UpsertResult {
  return {
    success: false,
    errors: errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] })),
  };
}

type Plan = { kind: 'create'; values: FieldValues } | { kind: 'update'; id: string; values: FieldValues };

/** A list parameter as the GET form (`a,b,c`) or the POST form (`["a","b","c"]`) gives it; undefined when absent. */
function listOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((item) => item.trim());
  if (Array.isArray(value)) return value.map((item) => String(item).trim());
  return undefined;
}

/**
 * The sObject Collections retrieve: the records of `ids` (all of `type`) with `fields`, one entry per id in the order
 * asked, `null` where Salesforce answers null: an id that is not valid or not of this type, a record that does not
 * exist or is deleted (in the Recycle Bin). Both parameters are required; an unknown field is a 400 INVALID_FIELD
 * for the whole request, more than 2,000 ids a 400 EXCEEDED_ID_LIMIT (Salesforce documents the limit, not the error
 * answered: the code is the one of the collections' record limit).
 */
function retrieve(
  state: SalesforceState,
  type: SObjectType,
  version: string,
  params: { ids?: unknown; fields?: unknown },
): Array<Record<string, unknown> | null> {
  const ids = listOf(params.ids);
  const names = listOf(params.fields);
  if (!ids?.length) throw sfError(400, 'MISSING_ARGUMENT', 'ids not specified');
  if (!names?.length) throw sfError(400, 'MISSING_ARGUMENT', 'fields not specified');
  if (ids.length > MAX_RETRIEVE_IDS) {
    throw sfError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_RETRIEVE_IDS} records into this call`,
    );
  }
  const fields = names.map((name) => {
    const field = canonicalField(type, name);
    if (!field) throw sfError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type}`);
    return field;
  });
  return ids.map((id) => {
    if (!isValidId(id) || !id.startsWith(KEY_PREFIX[type])) return null;
    const record = state.records[type][to18(id)];
    return record && !record.IsDeleted ? recordView(type, record, version, fields) : null;
  });
}

/**
 * `GET /services/data/vXX.X/composite/sobjects/{type}?ids=…&fields=…` and `POST …/composite/sobjects/{type}` with
 * `{ids, fields}`: the sObject Collections retrieve (`retrieve`); one API call whatever the number of ids.
 */
export function compositeRetrieveRoutes(router: Router, sim: SimContext<SalesforceState>): void {
  const path = '/services/data/:version/composite/sobjects/:type';
  router.get(path, (req, res) => {
    res.json(retrieve(sim.state, sobjectType(req), String(req.params.version), req.query));
  });
  router.post(path, (req, res) => {
    const body = (req.body ?? {}) as { ids?: unknown; fields?: unknown };
    if (typeof body !== 'object' || Array.isArray(body))
      throw sfError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize the request body: an object {ids, fields}');
    res.json(retrieve(sim.state, sobjectType(req), String(req.params.version), body));
  });
}

/**
 * `PATCH /services/data/vXX.X/composite/sobjects/{type}/{externalIdField}`: upsert up to 200 records,
 * one result per record in request order. With allOrNone, one failure rolls back (here: never applies) all.
 */
export function compositeRoutes(router: Router, sim: SimContext<SalesforceState>): void {
  router.patch('/services/data/:version/composite/sobjects/:type/:field', (req, res) => {
    const type = sobjectType(req);
    const field = canonicalField(type, String(req.params.field));
    if (!field || !SOBJECTS[type][field]?.externalId) {
      throw sfError(
        400,
        'INVALID_FIELD',
        `Field name provided, ${req.params.field} is not an External ID or indexed field for ${type}`,
      );
    }
    const body = req.body as { allOrNone?: unknown; records?: unknown } | undefined;
    if (!body || !Array.isArray(body.records))
      throw sfError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of collection: records missing');
    if (body.records.length > MAX_RECORDS) {
      throw sfError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`,
      );
    }
    const allOrNone = body.allOrNone === true;
    const seen = new Set<string>();
    const plans: Array<Plan | UpsertResult> = body.records.map((raw: unknown) => {
      const record = (raw ?? {}) as Record<string, unknown>;
      const attributesType = (record.attributes as { type?: unknown } | undefined)?.type;
      if (attributesType !== type) {
        return failure([
          { errorCode: 'INVALID_INPUT', message: `Each record must have attributes.type ${type}` },
        ]);
      }
      const key = record[field];
      if (typeof key !== 'string' || key === '') {
        return failure([
          { errorCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [field] },
        ]);
      }
      if (seen.has(key.toLowerCase())) {
        return failure([
          {
            errorCode: 'DUPLICATE_VALUE',
            message: `Duplicate external id specified: ${key}`,
            fields: [field],
          },
        ]);
      }
      seen.add(key.toLowerCase());
      const matches = findByExternalId(sim.state, type, field, key);
      if (matches.length > 1) {
        return failure([
          {
            errorCode: 'DUPLICATE_EXTERNAL_ID',
            message: `${field}: more than one record found for external id field`,
            fields: [field],
          },
        ]);
      }
      try {
        const existing = matches[0];
        return existing
          ? {
              kind: 'update',
              id: existing.Id,
              values: validateFields(sim.state, type, record, 'update', [], existing),
            }
          : { kind: 'create', values: validateFields(sim.state, type, record, 'create') };
      } catch (error) {
        if (error instanceof SfValidationError) return failure(error.errors);
        throw error;
      }
    });

    const failed = plans.some((plan) => 'success' in plan);
    if (allOrNone && failed) {
      res.json(
        plans.map((plan) =>
          'success' in plan
            ? plan
            : failure([
                {
                  errorCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                },
              ]),
        ),
      );
      return;
    }
    const actor = actorOf(res);
    const changes: RecordChange[] = [];
    const results = plans.map((plan): UpsertResult => {
      if ('success' in plan) return plan;
      const change =
        plan.kind === 'create'
          ? createRecord(sim.state, type, plan.values, actor.userId)
          : updateRecord(type, sim.state.records[type][plan.id]!, plan.values, actor.userId);
      changes.push(change);
      sim.recordEffect(req, {
        entityType: type,
        entityId: change.record.Id,
        operation: change.changeType.toLowerCase(),
        detail: { via: 'composite-upsert' },
      });
      return { id: change.record.Id, success: true, errors: [], created: plan.kind === 'create' };
    });
    publishChanges(sim, changes, actor);
    res.json(results);
  });
}
