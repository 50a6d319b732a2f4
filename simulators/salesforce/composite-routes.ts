import type { Router } from 'express';
import type { SimContext } from '../common/types.ts';
import { actorOf } from './auth.ts';
import { publishChanges } from './cdc.ts';
import { type SfError, SfValidationError, sfError } from './errors.ts';
import { createRecord, findByExternalId, type RecordChange, updateRecord } from './records.ts';
import { canonicalField, SOBJECTS } from './schema.ts';
import { sobjectType } from './sobject-routes.ts';
import type { SalesforceState } from './state.ts';
import { type FieldValues, validateFields } from './validate.ts';

const MAX_RECORDS = 200;

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
