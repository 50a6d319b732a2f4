import { z } from 'zod';
import { withoutAnswerBody } from '../../lib/errors.ts';

/** Who may call a route: each role includes the ones before it (admin ⊃ operator ⊃ viewer). */
export const roles = ['viewer', 'operator', 'admin'] as const;
export const roleSchema = z
  .enum(roles, { error: 'must be viewer, operator or admin' })
  .describe(
    "viewer reads (not dead letters' bodies), operator also acts (pause, redrive) and reads dead letters' bodies, admin also configures and deletes",
  );
export type Role = z.infer<typeof roleSchema>;

/** The caller a valid bearer token stands for. */
export interface Principal {
  name: string;
  role: Role;
}

/** Whether `held` is at least `required`. */
export function roleAllows(held: Role, required: Role): boolean {
  return roles.indexOf(held) >= roles.indexOf(required);
}

/**
 * An error message as `role` may read it: whole for an operator and up; for a viewer cut before the answer body a
 * target quoted (a 400 often echoes the refused record: names, emails), as the logs and sync health cut it.
 */
export function messageFor(role: Role, message: string): string {
  return roleAllows(role, 'operator')
    ? message
    : withoutAnswerBody(message, 2000, ': (answer body left out: an operator reads it)');
}
