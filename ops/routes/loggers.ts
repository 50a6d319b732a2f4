import { z } from 'zod';
import { type LogLevel, logLevels, setLogLevel } from '../../lib/logger.ts';
import { type AdminApi, HttpError } from '../api/index.ts';

/**
 * `/admin/loggers` as Kafka Connect's (KIP-495): each logger name of this hub process and its level, and setting one
 * at run time, e.g. one connector's to DEBUG while it misbehaves, without a restart. Names: `root`,
 * `component:<name>` (connectors, orchestrator, masterdata, admin-api), `connector:<name>` (lib/logger.ts). Levels
 * in Connect's words (upper case; OFF is pino's silent). What is set lasts until the process stops.
 */

const CONNECT_LEVELS: Record<string, LogLevel> = {
  FATAL: 'fatal',
  ERROR: 'error',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'trace',
  OFF: 'silent',
};
const shownLevel = (level: string) =>
  Object.entries(CONNECT_LEVELS).find(([, pino]) => pino === level)?.[0] ?? level.toUpperCase();

const NAME = /^(?:root|component:[\w.-]+|connector:[\w.-]+)$/;

const loggerLevelSchema = z
  .object({
    level: z.string().describe('FATAL, ERROR, WARN, INFO, DEBUG, TRACE or OFF.'),
    last_modified: z
      .number()
      .nullable()
      .describe(
        'When an operator last set it (ms since the epoch); null when it keeps its level from the start.',
      ),
  })
  .meta({ id: 'LoggerLevel', description: "A logger's level, as Kafka Connect's /admin/loggers gives it." });

const nameParams = z.object({
  name: z
    .string()
    .regex(NAME, 'root, component:<name> or connector:<name>')
    .describe('`root`, `component:<name>` or `connector:<name>`.'),
});

export function registerLoggerRoutes(api: AdminApi): void {
  const tag = 'loggers';
  const shown = (entry: { level: string; lastModified: number | null }) => ({
    level: shownLevel(entry.level),
    last_modified: entry.lastModified,
  });

  api.route(
    {
      method: 'get',
      path: '/admin/loggers',
      summary: "This hub process's logger names and their levels (Kafka Connect's KIP-495)",
      tag,
      role: 'viewer',
      connectErrors: true,
      responses: {
        200: { description: 'Name → level.', schema: z.record(z.string(), loggerLevelSchema) },
      },
    },
    async () => ({
      status: 200,
      body: Object.fromEntries(Object.entries(logLevels()).map(([name, entry]) => [name, shown(entry)])),
    }),
  );

  api.route(
    {
      method: 'get',
      path: '/admin/loggers/{name}',
      summary: "One logger name's level",
      tag,
      role: 'viewer',
      connectErrors: true,
      params: nameParams,
      responses: {
        200: { description: 'Its level.', schema: loggerLevelSchema },
        404: { description: 'No such logger.' },
      },
    },
    async ({ params }) => {
      const entry = logLevels()[params.name];
      if (!entry) throw new HttpError(404, `no logger ${params.name}: GET /admin/loggers lists them`);
      return { status: 200, body: shown(entry) };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/admin/loggers/{name}',
      summary: "Set a logger name's level in this process, until it stops",
      description:
        'The most specific name set wins for each logger: `connector:<name>`, then `component:<name>`, then `root`. Setting `root` clears every other name set, `component:connectors` every `connector:…` (as log4j under Kafka Connect). Only this hub instance: with several, set it on each (`scope=cluster` is not offered).',
      tag,
      role: 'operator',
      connectErrors: true,
      params: nameParams,
      query: z.object({
        scope: z
          .enum(['worker', 'cluster'])
          .optional()
          .describe('`worker` (the default): this instance. `cluster` is refused: set it on each instance.'),
      }),
      // Strict: a key it does not know (`levle`) is named, not dropped.
      body: z.strictObject({
        level: z.string().describe('FATAL, ERROR, WARN, INFO, DEBUG, TRACE or OFF (any case).'),
      }),
      responses: {
        200: { description: 'The names whose level it set.', schema: z.array(z.string()) },
        400: { description: 'An unknown level, or scope=cluster.' },
      },
    },
    async ({ params, query, body }) => {
      if (query.scope === 'cluster')
        throw new HttpError(
          400,
          'scope=cluster is not offered: each hub instance keeps its own levels; set it on each (PUT /admin/loggers/{name} on every instance)',
        );
      const level = CONNECT_LEVELS[body.level.trim().toUpperCase()];
      if (!level)
        throw new HttpError(
          400,
          `level ${JSON.stringify(body.level)}: one of ${Object.keys(CONNECT_LEVELS).join(', ')}`,
          [{ in: 'body', path: 'level', message: `one of ${Object.keys(CONNECT_LEVELS).join(', ')}` }],
        );
      return { status: 200, body: setLogLevel(params.name, level) };
    },
  );
}
