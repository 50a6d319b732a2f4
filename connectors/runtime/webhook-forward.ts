import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookRequest, WebhookResponse } from '../sdk/index.ts';

/**
 * Forwarding a webhook request to the instance that runs the connector's task. Instances share connectors by
 * consumer-group rebalancing, and a sender reaches whichever instance its load balancer picks: the one that gets the
 * request passes it on, byte for byte with its headers (Host included, so a signature over the URL, HubSpot v3's,
 * verifies on the owner as it would have here), and hands back the owner's answer. The owner checks the signature.
 * A hop header bounds the chain: an instance that is not the owner either (a view of the statuses a rebalance has
 * just made stale) forwards at most MAX_FORWARD_HOPS times in all, then answers 503 with Retry-After.
 */
export const FORWARD_HOPS_HEADER = 'x-eai-forward-hops';
export const MAX_FORWARD_HOPS = 2;

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the length, which the forwarded request sets itself. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/** Answer headers the sender may act on; the rest (date, keep-alive, …) are the forwarding server's own. */
const ANSWERED = ['content-type', 'retry-after', 'allow'];

export function forwardHops(request: WebhookRequest): number {
  const hops = Number(request.headers[FORWARD_HOPS_HEADER] ?? 0);
  return Number.isInteger(hops) && hops > 0 ? hops : 0;
}

/** The request as the owner at `ownerUrl` (the hub's base URL) answers it; throws when the owner cannot be reached. */
export function forwardWebhook(
  ownerUrl: string,
  connector: string,
  request: WebhookRequest,
  timeoutMs: number,
): Promise<WebhookResponse> {
  const target = new URL(
    `webhooks/${encodeURIComponent(connector)}${request.path === '/' ? '' : request.path}`,
    ownerUrl.endsWith('/') ? ownerUrl : `${ownerUrl}/`,
  );
  const query = new URL(request.url, 'http://x').search;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined && !NOT_FORWARDED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers[FORWARD_HOPS_HEADER] = String(forwardHops(request) + 1);
  headers['content-length'] = String(request.rawBody.length);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      target,
      { method: request.method, headers, path: `${target.pathname}${query}`, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const answered: Record<string, string> = {};
          for (const name of ANSWERED) {
            const value = response.headers[name];
            if (typeof value === 'string') answered[name] = value;
          }
          let body: unknown;
          if (text) {
            try {
              body = JSON.parse(text);
            } catch {
              body = { error: text.slice(0, 500) };
            }
          }
          resolve({
            status: response.statusCode ?? 502,
            ...(Object.keys(answered).length > 0 ? { headers: answered } : {}),
            ...(body === undefined ? {} : { body }),
          });
        });
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new Error(`no answer from ${target.origin} in ${timeoutMs} ms`)),
    );
    outgoing.on('error', reject);
    outgoing.end(request.rawBody);
  });
}
