import { z } from 'zod';
import type { AdminApi } from './admin-api.ts';
import { roleSchema } from './roles.ts';

export const principalSchema = z
  .object({
    name: z.string().describe("The token's name, as configured."),
    role: roleSchema,
  })
  .meta({ id: 'Principal', description: 'The caller a token stands for.' });

/** `GET /api/whoami`: who the presented token stands for; the smallest route that exercises the whole chain. */
export function registerWhoamiRoute(api: AdminApi): void {
  api.route(
    {
      method: 'get',
      path: '/api/whoami',
      summary: 'Who the presented token stands for',
      tag: 'auth',
      role: 'viewer',
      responses: { 200: { description: "The token's name and role.", schema: principalSchema } },
    },
    async ({ principal }) => ({ status: 200, body: { name: principal.name, role: principal.role } }),
  );
}
