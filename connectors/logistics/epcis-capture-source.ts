import { z } from 'zod';
import { parseEpcis } from '../../formats/epcis-2/index.ts';
import { DOCUMENT_ROOT, FormatError } from '../../formats/types.ts';
import type { Json } from '../sdk/index.ts';
import {
  type ConnectorContext,
  definePlugin,
  type SourceTask,
  type WebhookRequest,
  type WebhookResponse,
} from '../sdk/index.ts';
import {
  createWebhookSource,
  WebhookBodyError,
  webhookOffsetProblem,
  webhookSourceConfig,
} from '../transports/webhook.ts';
import { jsonPath } from '../transports/webhook-parts.ts';
import { signatureConfig, verifySignature } from '../transports/webhook-signatures.ts';
import { CaptureJobs } from './capture-jobs.ts';

export const epcisCaptureConfig = webhookSourceConfig
  .omit({ signature: true, json: true, acceptedStatus: true })
  .extend({
    signature: signatureConfig.describe(
      'How capture requests are authenticated. EPCIS 2.0 specifies none, so pick one: `bearer` (a token in `Authorization: Bearer`, what capture clients usually send), `hmac-sha256` of the body in a header, or `none` (must be written out).',
    ),
    captureJobs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        'Capture jobs remembered for `GET /capture/{captureID}` (oldest forgotten first; in memory).',
      ),
  });

export type EpcisCaptureConfig = z.output<typeof epcisCaptureConfig>;

/** Enough of an EPCISDocument to refuse anything else with 400 and the field's path; the reader checks the rest. */
const captureBody = z.looseObject({
  type: z.literal('EPCISDocument', { error: 'a capture body is an EPCISDocument' }),
  epcisBody: z.looseObject({
    eventList: z.array(z.unknown(), { error: 'eventList must be an array of events' }),
  }),
});

const EPCIS_HEADERS = { 'GS1-EPCIS-Version': '2.0.0', 'GS1-CBV-Version': '2.0.0' };

/** EPCIS exceptions as RFC 9457 problem details (EPCIS 2.0 REST binding), by the status the transport chose. */
const EXCEPTIONS: Record<number, string> = {
  400: 'epcisException:ValidationException',
  401: 'epcisException:SecurityException',
  404: 'epcisException:NoSuchResourceException',
  405: 'epcisException:ImplementationException',
  413: 'epcisException:CaptureLimitExceededException',
  429: 'epcisException:ImplementationException',
  503: 'epcisException:ImplementationException',
};

function problem(status: number, detail: string, headers: Record<string, string> = {}): WebhookResponse {
  return {
    status,
    headers: { ...EPCIS_HEADERS, ...headers, 'content-type': 'application/problem+json' },
    body: { type: EXCEPTIONS[status] ?? 'epcisException:ImplementationException', title: detail, status },
  };
}

/** A reader's JSON pointer (`/epcisBody/eventList/1/quantity`) as a body path (`$.epcisBody.eventList[1].quantity`). */
function pointerPath(location: string): string {
  if (location === DOCUMENT_ROOT) return '$';
  if (!location.startsWith('/')) return location;
  const keys = location
    .slice(1)
    .split('/')
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((key) => (/^(0|[1-9]\d*)$/.test(key) ? Number(key) : key));
  return jsonPath(keys);
}

/**
 * The capture body as one document, once the epcis-2 reader took it: a document that fails its validation (a
 * quantity sent as text, an event without a time) is answered 400 ValidationException naming where, as EPCIS 2.0
 * wants, instead of 202 with a failed job and the document in dlq.mapping. Mapping problems still go there.
 */
function readableCapture(request: WebhookRequest): Array<{ bytes: Buffer }> {
  try {
    parseEpcis(request.rawBody);
  } catch (error) {
    // Anything else is the reader's own trouble, not the sender's: the runtime dead-letters the document as before.
    if (!(error instanceof FormatError)) return [{ bytes: request.rawBody }];
    const prefix = `${error.format}: ${error.location}: `;
    const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    throw new WebhookBodyError(detail, pointerPath(error.location), { cause: error });
  }
  return [{ bytes: request.rawBody }];
}

/** The request URL without its query and trailing slash: the capture endpoint a job's Location hangs below. */
function endpointUrl(url: string): string {
  return (url.split('?')[0] ?? url).replace(/\/+$/, '');
}

/**
 * EPCIS 2.0 capture (`POST /capture`, REST binding) on the webhook transport: the transport checks the
 * signature, dedups redeliveries (SHA-256 of the body) and answers only once the events are on Kafka; this adds
 * what EPCIS specifies around it: 202 with the capture job's `Location`, `GET /capture/{id}`, problem details.
 */
export function createEpcisCaptureSource(config: EpcisCaptureConfig, context: ConnectorContext): SourceTask {
  const { captureJobs, ...webhook } = config;
  const jobs = new CaptureJobs(captureJobs);
  let transport: ((request: WebhookRequest) => Promise<WebhookResponse>) | undefined;
  let bodyLimit: { maxBodyBytes?: number } | undefined;
  const task = createWebhookSource(
    { ...webhook, json: true, acceptedStatus: 202, bodySchema: captureBody, split: readableCapture },
    {
      ...context,
      serveWebhook: (handler, options) => {
        transport = handler;
        bodyLimit = options;
      },
    },
  );

  async function capture(request: WebhookRequest): Promise<WebhookResponse> {
    const startedAt = new Date();
    const answer = await transport!(request);
    if (answer.status >= 300) {
      const body = answer.body as { error?: string; path?: string } | undefined;
      const detail = body?.path ? `${body.path}: ${body.error}` : (body?.error ?? 'refused');
      return problem(answer.status, detail, answer.headers);
    }
    // 200 {duplicate: true}: a redelivery whose events are already on Kafka; a job says so as any other.
    const counts = answer.body as { published?: number; deadLettered?: number } | undefined;
    const job = jobs.finished(
      { published: counts?.published ?? 0, deadLettered: counts?.deadLettered ?? 0 },
      startedAt,
    );
    return {
      status: 202,
      headers: { ...EPCIS_HEADERS, location: `${endpointUrl(request.url)}/${job.captureID}` },
      body: job as unknown as Json,
    };
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    const path = request.path.replace(/\/+$/, '');
    const method = request.method.toUpperCase();
    if (path === '/capture') {
      if (method !== 'POST') return problem(405, 'POST an EPCISDocument to /capture', { allow: 'POST' });
      return capture(request);
    }
    const jobPath = /^\/capture\/([^/]+)$/.exec(path);
    if (jobPath) {
      if (method !== 'GET') return problem(405, 'a capture job is read with GET', { allow: 'GET' });
      // A job tells what a capture held and when: it needs the credentials its capture needed, checked before the
      // id is looked up so an unknown caller learns nothing of which jobs exist.
      const check = verifySignature(config.signature, request);
      if (!check.ok) {
        context.logger.warn(
          { reason: check.reason, method: request.method, path: request.path },
          'capture job request refused',
        );
        return problem(401, 'missing or invalid credentials: a capture job needs those of its capture');
      }
      const job = jobs.get(decodeURIComponent(jobPath[1]!));
      if (!job)
        return problem(404, `no capture job ${jobPath[1]} (jobs are kept in memory, the oldest forgotten)`);
      return { status: 200, headers: EPCIS_HEADERS, body: job as unknown as Json };
    }
    return problem(404, `no resource ${request.path}: capture is POST /capture`);
  }

  return {
    async start(positions) {
      await task.start(positions);
      context.serveWebhook(handle, bodyLimit);
    },
    poll: () => task.poll(),
    commit: (documents, outcome) => task.commit(documents, outcome),
    stop: () => task.stop(),
  };
}

export const epcisCaptureSource = definePlugin({
  type: 'epcis-capture-source',
  kind: 'source',
  description:
    'EPCIS 2.0 capture interface (POST /capture, 202 with the capture job once on Kafka) for GS1 EPCIS events into canonical ShipmentEvents.',
  config: epcisCaptureConfig,
  defaults: { format: 'epcis-2', mapping: 'logistics/epcis-2.to-canonical.yaml' },
  createSource: (config, context) => createEpcisCaptureSource(config, context),
  checkOffset: webhookOffsetProblem,
  webhookRoutes: [
    {
      method: 'post',
      path: '/capture',
      summary: 'EPCIS 2.0 capture',
      description:
        'An EPCISDocument, answered 202 with the capture job (and its `Location`) once its events are on Kafka; errors are problem details (RFC 7807).',
      body: { contentType: 'application/json', description: 'An EPCISDocument (EPCIS 2.0 JSON-LD).' },
      responses: {
        202: { description: 'Taken: the capture job, its events on Kafka.' },
        400: { description: 'Not an EPCISDocument the connector reads (problem details).' },
        401: { description: 'Missing or invalid credentials (problem details).' },
        405: { description: 'Not POST (`Allow: POST`).' },
      },
    },
    {
      method: 'get',
      path: '/capture/{captureID}',
      summary: 'An EPCIS capture job',
      description: 'Needs the credentials its capture needed.',
      params: { captureID: 'From the capture’s `Location`.' },
      responses: {
        200: { description: 'The capture job.' },
        401: { description: 'Missing or invalid credentials: those of its capture (problem details).' },
        404: { description: 'No such capture job (jobs are kept in memory, the oldest forgotten).' },
        405: { description: 'Not GET (`Allow: GET`).' },
      },
    },
  ],
});
