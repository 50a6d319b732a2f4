import { postgresReachable } from '../../store/probe.ts';
import type { RouteBackend } from '../api/index.ts';

/**
 * How long a route that reads the workflows (DBOS) or the master data waits for PostgreSQL before it probes it: DBOS
 * retries a lost database for minutes, and `GET /workflows` said nothing meanwhile.
 */
export const POSTGRES_PATIENCE_MS = 3_000;

/**
 * PostgreSQL as the backend of admin routes (api/route.ts RouteBackend), probed as readiness probes it
 * (store/probe.ts), so the two agree. `holds` names what is kept there: `the workflows`, `the master data`.
 */
export function postgresBackend(databaseUrl: string, holds: string): RouteBackend {
  return {
    name: 'PostgreSQL',
    patienceMs: POSTGRES_PATIENCE_MS,
    reachable: () => postgresReachable(databaseUrl, 2_000),
    unavailable: `${holds} cannot be read or changed until it answers; start it (npx eai stack up for the local stack) or fix DATABASE_URL, then try again (/health/ready says when it is back)`,
  };
}
