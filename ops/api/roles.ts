import { z } from 'zod';
import {
  unmarkedWhere,
  withoutAnswerBody,
  withoutDocumentValues,
  withoutValueMarks,
} from '../../lib/errors.ts';

/** Who may call a route: each role includes the ones before it (admin ⊃ operator ⊃ viewer). */
export const roles = ['viewer', 'operator', 'admin'] as const;
export const roleSchema = z
  .enum(roles, { error: 'must be viewer, operator or admin' })
  .describe(
    "viewer reads (not customers' personal data: dead letters' bodies, golden customers, their search and 360), operator also acts (pause, redrive) and reads them, admin also configures and deletes",
  );
export type Role = z.infer<typeof roleSchema>;

/** The caller a valid bearer token stands for. */
export interface Principal {
  name: string;
  role: Role;
}

/**
 * The least role that reads customers' personal data (names, emails, phones, addresses, birth dates): dead letters'
 * bodies, golden customers, their search and 360, the steward queue's labels, error messages whole. One role for all,
 * so a route holding personal data cannot be kept from viewers in one place and shown to them in another.
 */
export const PERSONAL_DATA_ROLE: Role = 'operator';

/** Whether `held` is at least `required`. */
export function roleAllows(held: Role, required: Role): boolean {
  return roles.indexOf(held) >= roles.indexOf(required);
}

/**
 * What a viewer reads of a message whose values no one marked (`valuesMarked` false: a dead letter written before the
 * hub marked them) after where it failed: the rest may quote any of the document's values, unmarked.
 */
export const UNMARKED_REASON_NOTE =
  '(reason left out: written before the hub marked the values reasons quote; an operator reads it)';

/**
 * An error message as `role` may read it: whole for an operator and up; for a viewer without the document's values
 * its maker quoted (`quotedValue`: `got "12,50"`, a bad email or phone, a target's own words about the record) and
 * cut before the answer body a target quoted (a 400 often echoes the refused record: names, emails), as the logs and
 * sync health cut it: what, where and which field stay, and the technical names (connector, mapping, field, format).
 * A message whose values were not marked (`valuesMarked` false: a dead letter from before the marks) shows a viewer
 * only where it failed (`unmarkedWhere`: the mapping, field, input pointer, function) and UNMARKED_REASON_NOTE.
 */
export function messageFor(role: Role, message: string, valuesMarked = true): string {
  if (roleAllows(role, PERSONAL_DATA_ROLE)) return withoutValueMarks(message);
  if (!valuesMarked) {
    const where = unmarkedWhere(message);
    return where ? `${where}: ${UNMARKED_REASON_NOTE}` : UNMARKED_REASON_NOTE;
  }
  return withoutDocumentValues(
    withoutAnswerBody(message, 2000, ': (answer body left out: an operator reads it)'),
  );
}
