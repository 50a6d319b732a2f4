import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { WebhookRequest } from '../sdk/index.ts';

/**
 * Webhook request signatures: the schemes senders use, as pure functions (sign, verify) and one zod schema for the
 * choice. The secret is marked `secret: true` in the schema's metadata so docs and status pages can redact it.
 */

const secret = z
  .string()
  .min(1, 'the signing secret is empty')
  .meta({ secret: true })
  .describe(
    'Shared signing secret (app client secret, webhook secret); write an environment reference in deployment files, which the runtime resolves before the source sees it.',
  );

export const signatureConfig = z.discriminatedUnion('scheme', [
  z
    .object({
      scheme: z
        .literal('hmac-sha256')
        .describe(
          'Hex HMAC-SHA256 of the raw body in one header (GitHub, many others). It signs the body only: a captured request sent again under a new delivery id is taken as new; `standard-webhooks` signs the id and a timestamp too, where the sender can.',
        ),
      secret,
      header: z
        .string()
        .min(1)
        .default('x-hub-signature-256')
        .transform((name) => name.toLowerCase())
        .describe('Header carrying the signature (any case).'),
      prefix: z
        .string()
        .default('')
        .describe(
          'Text before the hex digest in the header, e.g. `sha256=` as GitHub sends it; empty for none.',
        ),
    })
    .describe('hmac-sha256'),
  z
    .object({
      scheme: z
        .literal('hubspot-v3')
        .describe(
          'HubSpot v3: base64 HMAC-SHA256 of method + URI + body + timestamp in `X-HubSpot-Signature-v3`, timestamp in `X-HubSpot-Request-Timestamp`.',
        ),
      secret,
      maxAgeMs: z
        .number()
        .int()
        .positive()
        .default(300_000)
        .describe('Requests whose timestamp is older than this are refused (HubSpot: 5 minutes).'),
      publicOrigin: z
        .url()
        .optional()
        .describe(
          'Origin the sender calls (`https://hub.example.com`) when a proxy sits in front of the hub; replaces the origin of the URL the hub saw, since the signature covers the full URI.',
        ),
    })
    .describe('hubspot-v3'),
  z
    .object({
      scheme: z
        .literal('shopify')
        .describe(
          'Shopify: base64 HMAC-SHA256 of the raw body in `X-Shopify-Hmac-Sha256`; the same with another header for senders that sign as Shopify does (WooCommerce: `x-wc-webhook-signature`; its unsigned ping `webhook_id=<n>`, sent when a webhook is saved, is answered 200 and publishes nothing).',
        ),
      secret,
      header: z
        .string()
        .min(1)
        .default('x-shopify-hmac-sha256')
        .transform((name) => name.toLowerCase())
        .describe('Header carrying the base64 signature (any case).'),
    })
    .describe('shopify'),
  z
    .object({
      scheme: z
        .literal('standard-webhooks')
        .describe(
          'Standard Webhooks (Svix, Resend, Clerk, …): base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` as `v1,<signature>` in `webhook-signature` (several, space-separated, while a secret rotates); the id is the delivery id (`deliveryIdHeader` defaults to `webhook-id`), and the signed timestamp makes a captured request useless once `maxAgeMs` has passed.',
        ),
      secret: secret.regex(
        /^(whsec_)?[A-Za-z0-9+/]+={0,2}$/,
        'a Standard Webhooks secret is base64, usually after `whsec_`',
      ),
      maxAgeMs: z
        .number()
        .int()
        .positive()
        .default(300_000)
        .describe(
          "Requests whose timestamp is further than this from the hub's clock, either way, are refused (the standard: 5 minutes).",
        ),
    })
    .describe('standard-webhooks'),
  z
    .object({
      scheme: z
        .literal('bearer')
        .describe(
          'A shared token in `Authorization: Bearer <token>` (EPCIS capture clients, senders that cannot sign); covers no body, so only over TLS.',
        ),
      token: z
        .string()
        .min(1, 'the bearer token is empty')
        .meta({ secret: true })
        .describe(
          'The token the sender presents; write an environment reference in deployment files, which the runtime resolves before the source sees it.',
        ),
    })
    .describe('bearer'),
  z
    .object({
      scheme: z
        .literal('none')
        .describe(
          'No signature check: only for senders that cannot sign, behind a network that can be trusted.',
        ),
    })
    .describe('none'),
]);

export type SignatureConfig = z.output<typeof signatureConfig>;

/** The schemes, in the union's order: what the `signature` option's description lists, so it cannot leave one out. */
export const signatureSchemes: readonly string[] = signatureConfig.options.map((o) => o.shape.scheme.value);

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const HUBSPOT_SIGNATURE = 'x-hubspot-signature-v3';
const HUBSPOT_TIMESTAMP = 'x-hubspot-request-timestamp';

function hmac(secretValue: string, ...parts: Array<string | Buffer>) {
  const mac = createHmac('sha256', secretValue);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Hex HMAC-SHA256 of the body (the `hmac-sha256` scheme, without prefix). */
export function hmacSha256Hex(secretValue: string, body: Buffer | string): string {
  return hmac(secretValue, body).toString('hex');
}

/** Base64 HMAC-SHA256 of the body (Shopify's `X-Shopify-Hmac-Sha256`). */
export function shopifySignature(secretValue: string, body: Buffer | string): string {
  return hmac(secretValue, body).toString('base64');
}

// HubSpot's documented list: these escapes in the request URI are decoded before signing (any other escape stays).
const HUBSPOT_DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI as HubSpot signs it: the escapes in its documented table decoded, everything else kept. */
export function hubspotSignedUri(uri: string): string {
  return uri.replace(
    /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    (encoded) => HUBSPOT_DECODED[encoded.toUpperCase()]!,
  );
}

/** HubSpot v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)), the URI decoded as `hubspotSignedUri`. */
export function hubspotV3Signature(
  secretValue: string,
  method: string,
  uri: string,
  body: Buffer | string,
  timestamp: string,
): string {
  return hmac(secretValue, method, hubspotSignedUri(uri), body, timestamp).toString('base64');
}

/** The delivery id header of a scheme that signs one (`webhook-id`), for a source whose `deliveryIdHeader` is unset. */
export function signedDeliveryIdHeader(config: SignatureConfig): string | undefined {
  return config.scheme === 'standard-webhooks' ? STANDARD_ID : undefined;
}

const STANDARD_ID = 'webhook-id';
const STANDARD_TIMESTAMP = 'webhook-timestamp';
const STANDARD_SIGNATURE = 'webhook-signature';

/**
 * Standard Webhooks: `v1,` + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), the key the base64 after the
 * secret's `whsec_` prefix.
 */
export function standardWebhookSignature(
  secretValue: string,
  id: string,
  timestamp: string,
  body: Buffer | string,
): string {
  const key = Buffer.from(secretValue.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

/** Compares in time independent of where the strings differ (their lengths are public: a digest's length). */
export function constantTimeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

function compare(expected: string, actual: string): SignatureCheck {
  return constantTimeEqual(expected, actual) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/** The URL the sender signed: `publicOrigin` in place of the origin the hub saw, path and query kept as sent. */
function signedUrl(requestUrl: string, publicOrigin: string | undefined): string {
  if (!publicOrigin) return requestUrl;
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(requestUrl);
  const rest = match ? requestUrl.slice(match[0].length) : requestUrl;
  return publicOrigin.replace(/\/+$/, '') + rest;
}

function originOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0] ?? url;
}

/**
 * The origins a proxy may have been called at, other than the one checked: the same host over https, and what
 * `X-Forwarded-Proto` / `X-Forwarded-Host` or `Forwarded` (RFC 7239, first hop) say. For the log only: never trusted.
 */
function proxiedOrigins(request: Pick<WebhookRequest, 'headers'>, checkedUrl: string): string[] {
  const checked = originOf(checkedUrl);
  const host = checked.replace(/^[^:]+:\/\//, '');
  const first = (value: string | undefined) => value?.split(',')[0]?.trim() || undefined;
  const forwarded = first(request.headers.forwarded);
  const param = (name: string) =>
    forwarded ? new RegExp(`(?:^|;)\\s*${name}="?([^";]*)"?`, 'i').exec(forwarded)?.[1] : undefined;
  const proto = (first(request.headers['x-forwarded-proto']) ?? param('proto') ?? 'https').toLowerCase();
  const forwardedHost = first(request.headers['x-forwarded-host']) ?? param('host');
  const candidates = [
    `https://${host}`,
    ...(forwardedHost ? [`${proto}://${forwardedHost}`, `https://${forwardedHost}`] : []),
  ];
  return [...new Set(candidates)].filter((origin) => origin.toLowerCase() !== checked.toLowerCase());
}

/**
 * Checks a request against the configured scheme. `reason` is for logs only: it never carries the expected value,
 * and callers must not send it to the client.
 */
export function verifySignature(
  config: SignatureConfig,
  request: Pick<WebhookRequest, 'method' | 'url' | 'headers' | 'rawBody'>,
  now: number = Date.now(),
): SignatureCheck {
  switch (config.scheme) {
    case 'none':
      return { ok: true };
    case 'bearer': {
      const header = request.headers.authorization;
      const match = header ? /^bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match) return { ok: false, reason: 'missing or malformed authorization header' };
      return constantTimeEqual(config.token, match[1]!)
        ? { ok: true }
        : { ok: false, reason: 'token mismatch' };
    }
    case 'hmac-sha256': {
      const header = request.headers[config.header];
      if (!header) return { ok: false, reason: `missing ${config.header} header` };
      if (!header.startsWith(config.prefix))
        return {
          ok: false,
          reason: `malformed signature: it does not start with signature.prefix "${config.prefix}"`,
        };
      const given = header.slice(config.prefix.length).trim().toLowerCase();
      const checked = compare(hmacSha256Hex(config.secret, request.rawBody), given);
      // GitHub and many others send `sha256=<hex>` in the default header: with no prefix set that read as a mismatch
      // of the secret (seen in the ops trial), so the log says what the sender put before the digest.
      const sent = config.prefix === '' ? /^([a-z0-9_-]+=)[0-9a-f]{64}$/.exec(given) : null;
      return !checked.ok && sent
        ? {
            ok: false,
            reason: `signature mismatch: the header starts with "${sent[1]}": set signature.prefix to it`,
          }
        : checked;
    }
    case 'shopify': {
      const header = request.headers[config.header];
      if (!header) return { ok: false, reason: `missing ${config.header} header` };
      return compare(shopifySignature(config.secret, request.rawBody), header.trim());
    }
    case 'standard-webhooks': {
      const id = request.headers[STANDARD_ID]?.trim();
      const timestamp = request.headers[STANDARD_TIMESTAMP]?.trim();
      const header = request.headers[STANDARD_SIGNATURE];
      if (!id) return { ok: false, reason: `missing ${STANDARD_ID} header` };
      if (!timestamp || !/^\d{1,12}$/.test(timestamp))
        return {
          ok: false,
          reason: `missing or malformed ${STANDARD_TIMESTAMP} header (seconds since 1970)`,
        };
      if (!header) return { ok: false, reason: `missing ${STANDARD_SIGNATURE} header` };
      if (Math.abs(now - Number(timestamp) * 1000) > config.maxAgeMs)
        return { ok: false, reason: 'timestamp outside the tolerance (a replay, or the clocks differ)' };
      const expected = standardWebhookSignature(config.secret, id, timestamp, request.rawBody);
      // Every signature given is tried (one per secret while the sender rotates), each in constant time.
      let matched = false;
      for (const given of header.trim().split(/\s+/)) if (constantTimeEqual(expected, given)) matched = true;
      return matched ? { ok: true } : { ok: false, reason: 'signature mismatch' };
    }
    case 'hubspot-v3': {
      const header = request.headers[HUBSPOT_SIGNATURE];
      const timestamp = request.headers[HUBSPOT_TIMESTAMP];
      if (!header) return { ok: false, reason: `missing ${HUBSPOT_SIGNATURE} header` };
      if (!timestamp || !/^\d{1,16}$/.test(timestamp.trim()))
        return { ok: false, reason: `missing or malformed ${HUBSPOT_TIMESTAMP} header` };
      // (Either way: a timestamp ahead of the clock by more than the window is no more a live request than an old one.)
      if (Math.abs(now - Number(timestamp.trim())) > config.maxAgeMs)
        return { ok: false, reason: 'stale timestamp' };
      const uri = signedUrl(request.url, config.publicOrigin);
      const sign = (url: string) =>
        hubspotV3Signature(config.secret, request.method, url, request.rawBody, timestamp.trim());
      const checked = compare(sign(uri), header.trim());
      if (checked.ok) return checked;
      // Behind a proxy that ends TLS or changes the host, HubSpot signed another origin than the hub saw: every
      // request is refused alike, so the log says which origin the signature holds for.
      const signedFor = proxiedOrigins(request, uri).find((origin) =>
        constantTimeEqual(sign(signedUrl(uri, origin)), header.trim()),
      );
      return signedFor
        ? {
            ok: false,
            reason: `signature mismatch: the request was signed for ${signedFor}, not ${originOf(uri)} (a proxy in front of the hub): set publicOrigin to "${signedFor}"`,
          }
        : checked;
    }
  }
}
