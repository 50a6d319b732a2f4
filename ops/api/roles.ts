import { z } from 'zod';

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
