import { z } from 'zod';
import type { ConnectorPlugin, WebhookRoute } from '../connectors/index.ts';
import type { OpenRouteSpec } from './api/index.ts';

/**
 * The routes the ops server serves itself, outside the admin API's token check, as data: server.ts mounts its
 * handlers at these paths and the admin API lists them in `/openapi.json` (`api.document`), so the document holds
 * every route the hub serves. The answers' schemas are the ones the handlers build their bodies by.
 */

const upDown = z.enum(['UP', 'DOWN']);

export const livenessSchema = z
  .object({
    status: z.literal('UP'),
    uptimeSeconds: z.number().int().nonnegative().describe('Seconds since the hub started serving.'),
  })
  .meta({ id: 'Liveness' });

export const dependencyCheckSchema = z
  .object({
    status: upDown,
    error: z.string().optional().describe('Why it is DOWN (never a password).'),
  })
  .meta({ id: 'DependencyCheck' });

export const readinessSchema = z
  .object({
    status: upDown.describe('UP (200) when every dependency answers, else DOWN (503).'),
    checks: z
      .record(z.string(), dependencyCheckSchema)
      .optional()
      .describe(
        'Each dependency (kafka, schemaRegistry, postgres) and why it is DOWN: with a viewer token (or EAI_HEALTH_DETAILS=always).',
      ),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'Facts that never make the hub unready: the instance that answers, its connectors and their states, parked workflows. With a viewer token (or EAI_HEALTH_DETAILS=always).',
      ),
  })
  .meta({ id: 'Readiness' });
export type Readiness = z.infer<typeof readinessSchema>;

const anyJson = z.unknown().describe('JSON, as the connector answers it.');

const probes: OpenRouteSpec[] = [
  {
    method: 'get',
    path: '/health/live',
    summary: 'Liveness: the process serves',
    description: 'A broker or database outage does not make it fail (the pod must not be restarted for it).',
    tag: 'health',
    access: 'open',
    responses: { 200: { description: 'The process serves.', schema: livenessSchema } },
  },
  {
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness: Kafka, the registry and (for the orchestrator or master data) PostgreSQL answer',
    description:
      'A failing connector does not make the hub unready. Without a token the answer is the status alone; with a viewer token it also holds `checks` and `details`.',
    tag: 'health',
    access: 'open-viewer-detail',
    responses: {
      200: { description: 'Ready.', schema: readinessSchema },
      401: {
        description:
          'A token that is not known (no token at all gets the bare answer). Errors have the `Error` shape.',
      },
      503: { description: 'A dependency does not answer.', schema: readinessSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    description:
      'Every metric prefixed `eai_`, in base units; the readiness dependencies are checked at each scrape.',
    tag: 'health',
    access: 'open',
    responses: {
      200: {
        description: 'Prometheus text exposition format 0.0.4.',
        schema: z.string(),
        contentType: 'text/plain',
      },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'health',
    access: 'open',
    responses: {
      200: {
        description: 'OpenAPI 3.1, generated from the declared routes.',
        schema: z.record(z.string(), z.unknown()),
      },
    },
  },
];

const webhookAnswers: OpenRouteSpec['responses'] = {
  200: { description: 'Taken: its documents are on Kafka (or were already, `duplicate`).', schema: anyJson },
  202: { description: 'Taken (a source that answers 202).', schema: anyJson },
  400: { description: 'The body is not what the connector reads.', schema: anyJson },
  401: { description: "Missing or invalid signature or token (the connector's own).", schema: anyJson },
  404: { description: 'No such connector, or no such resource of it.', schema: anyJson },
  405: { description: 'A method the endpoint does not take (`Allow` says which).', schema: anyJson },
  408: { description: 'The request was not sent in time.' },
  413: { description: "The body is over the connector's limit.", schema: anyJson },
  500: { description: 'Unexpected failure (logged on the hub).', schema: anyJson },
  502: { description: 'The instance running the connector could not be reached.', schema: anyJson },
  503: {
    description: 'Kafka does not answer, or the connector is stopping: retry (`Retry-After`).',
    schema: anyJson,
  },
};

const connectorParam = z.object({
  connector: z.string().describe('The name of a webhook source connector (webhook-source, HubSpot, EPCIS…).'),
});

/** The endpoint every webhook source serves. */
const webhookEndpoint: OpenRouteSpec = {
  method: 'post',
  path: '/webhooks/{connector}',
  summary: "A webhook source connector's endpoint",
  description:
    'The body as the sender signed it (read raw, at most 9 MiB or the connector’s own limit). Answered once its documents are on Kafka; another instance of the group running the connector gets it forwarded.',
  tag: 'webhooks',
  access: 'connector',
  params: connectorParam,
  body: { contentType: '*/*', description: 'The document(s), as the sender sends them.' },
  responses: webhookAnswers,
};

/** What the hub answers on any webhook route before or instead of the connector (no such connector, a body too long…). */
const HUB_ANSWERS = [404, 408, 413, 500, 502, 503] as const;

/** The webhook routes a connector type declares under its endpoint (`ConnectorPlugin.webhookRoutes`). */
export interface DeclaredWebhookRoutes {
  type: string;
  routes: readonly WebhookRoute[];
}

/** The webhook routes each of these connector types declares (those that declare none left out). */
export function declaredWebhookRoutes(plugins: Iterable<ConnectorPlugin>): DeclaredWebhookRoutes[] {
  return [...plugins].flatMap((plugin) =>
    plugin.webhookRoutes ? [{ type: plugin.type, routes: plugin.webhookRoutes }] : [],
  );
}

/**
 * The connector types' own webhook routes as open routes, `/webhooks/{connector}<path>`: what each declares it
 * answers, with the hub's own answers beside (a route several types declare is listed once, naming them all).
 */
export function webhookRoutes(declared: readonly DeclaredWebhookRoutes[]): OpenRouteSpec[] {
  const byRoute = new Map<string, { route: WebhookRoute; types: string[] }>();
  for (const { type, routes } of declared)
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const seen = byRoute.get(key);
      if (seen) seen.types.push(type);
      else byRoute.set(key, { route, types: [type] });
    }
  return [...byRoute.values()].map(({ route, types }) => {
    const params = Object.fromEntries(
      Object.entries(route.params ?? {}).map(([name, what]) => [name, z.string().describe(what)]),
    );
    const responses: OpenRouteSpec['responses'] = {};
    for (const status of HUB_ANSWERS) responses[status] = webhookAnswers[status]!;
    for (const [status, answer] of Object.entries(route.responses))
      responses[Number(status)] = { description: answer.description, schema: answer.schema ?? anyJson };
    const by = types.map((t) => `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t} connector`).join(', or ');
    return {
      method: route.method,
      path: `/webhooks/{connector}${route.path}`,
      summary: `${route.summary} (${by})`,
      ...(route.description ? { description: route.description } : {}),
      tag: 'webhooks',
      access: 'connector',
      params: connectorParam.extend(params),
      ...(route.body ? { body: route.body } : {}),
      responses,
    } satisfies OpenRouteSpec;
  });
}

/**
 * The open routes a server with these parts serves: webhooks only where source connectors are served, with the
 * routes the connector types it runs declare under their endpoints.
 */
export function openRoutes(parts: {
  webhooks: boolean;
  webhookRoutes?: readonly DeclaredWebhookRoutes[];
}): OpenRouteSpec[] {
  return [
    ...probes,
    ...(parts.webhooks ? [webhookEndpoint, ...webhookRoutes(parts.webhookRoutes ?? [])] : []),
  ];
}
