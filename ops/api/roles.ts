import { z } from 'zod';
import { withoutAnswerBody, withoutDocumentValues, withoutValueMarks } from '../../lib/errors.ts';

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
 * An error message as `role` may read it: whole for an operator and up; for a viewer without the document's values
 * its maker quoted (`quotedValue`: `got "12,50"`, a bad email or phone, a target's own words about the record) and
 * cut before the answer body a target quoted (a 400 often echoes the refused record: names, emails), as the logs and
 * sync health cut it: what, where and which field stay, and the technical names (connector, mapping, field, format).
 */
export function messageFor(role: Role, message: string): string {
  return roleAllows(role, PERSONAL_DATA_ROLE)
    ? withoutValueMarks(message)
    : withoutDocumentValues(
        withoutAnswerBody(message, 2000, ': (answer body left out: an operator reads it)'),
      );
}
