import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookSourceConfig } from './webhook-config.ts';
import {
  constantTimeEqual,
  hmacSha256Hex,
  hubspotSignedUri,
  hubspotV3Signature,
  type SignatureConfig,
  shopifySignature,
  signatureConfig,
  signedDeliveryIdHeader,
  standardWebhookSignature,
  verifySignature,
} from './webhook-signatures.ts';

// RFC 4231 test case 2 (key "Jefe"); the base64 form and the HubSpot vector were computed with Python's hmac module.
const RFC_KEY = 'Jefe';
const RFC_DATA = 'what do ya want for nothing?';
const RFC_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
const RFC_BASE64 = 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=';
const HUBSPOT_VECTOR = {
  secret: 'client-secret-1',
  uri: 'https://hub.example.com/webhooks/hubspot?app=eai:x',
  body: '[{"eventId":1}]',
  timestamp: '1700000000000',
  signature: 'd9JqdLYKQ3kATvL6bStjANxk2VwzkyVkjsdgaNCbM0I=',
};

const body = Buffer.from('{"id":42,"name":"Zoë"}');
const request = (
  headers: Record<string, string>,
  rawBody = body,
  url = 'http://127.0.0.1:8080/webhooks/x',
) => ({
  method: 'POST',
  url,
  headers,
  rawBody,
});
const config = (input: unknown): SignatureConfig => signatureConfig.parse(input);

describe('signing functions against known vectors', () => {
  it('hmacSha256Hex and shopifySignature match RFC 4231 test case 2', () => {
    expect(hmacSha256Hex(RFC_KEY, RFC_DATA)).toBe(RFC_HEX);
    expect(shopifySignature(RFC_KEY, Buffer.from(RFC_DATA))).toBe(RFC_BASE64);
  });

  it('hubspotV3Signature signs method + URI + body + timestamp', () => {
    const { secret, uri, body: text, timestamp, signature } = HUBSPOT_VECTOR;
    expect(hubspotV3Signature(secret, 'POST', uri, text, timestamp)).toBe(signature);
    expect(hubspotV3Signature(secret, 'POST', uri, text, '1700000000001')).not.toBe(signature);
  });

  it("decodes exactly HubSpot's listed escapes in the URI, in either case, and keeps the others", () => {
    expect(hubspotSignedUri('https://h.example/a%3Ab%2fc%3F%40%21%24%27%28%29%2A%2C%3b?q=%20%26')).toBe(
      "https://h.example/a:b/c?@!$'()*,;?q=%20%26",
    );
    const { secret, body: text, timestamp, signature } = HUBSPOT_VECTOR;
    const encoded = 'https%3A%2F%2Fhub.example.com/webhooks/hubspot?app=eai%3Ax';
    expect(hubspotV3Signature(secret, 'POST', encoded, text, timestamp)).toBe(signature);
  });

  it('constantTimeEqual tells equal from unequal strings of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('verifySignature', () => {
  const hex = createHmac('sha256', 's3cret').update(body).digest('hex');
  const b64 = createHmac('sha256', 's3cret').update(body).digest('base64');

  it('hmac-sha256: accepts the digest in the configured header with its prefix, refuses other bodies and secrets', () => {
    const github = config({
      scheme: 'hmac-sha256',
      secret: 's3cret',
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
    });
    expect(verifySignature(github, request({ 'x-hub-signature-256': `sha256=${hex}` }))).toEqual({
      ok: true,
    });
    expect(
      verifySignature(github, request({ 'x-hub-signature-256': `sha256=${hex.toUpperCase()}` })).ok,
    ).toBe(true);
    expect(verifySignature(github, request({ 'x-hub-signature-256': hex }))).toEqual({
      ok: false,
      reason: 'malformed signature: it does not start with signature.prefix "sha256="',
    });
    const tampered = request(
      { 'x-hub-signature-256': `sha256=${hex}` },
      Buffer.from('{"id":43,"name":"Zoë"}'),
    );
    expect(verifySignature(github, tampered)).toEqual({ ok: false, reason: 'signature mismatch' });
    const other = config({
      scheme: 'hmac-sha256',
      secret: 'other',
      header: 'x-hub-signature-256',
      prefix: 'sha256=',
    });
    expect(verifySignature(other, request({ 'x-hub-signature-256': `sha256=${hex}` })).ok).toBe(false);
    expect(verifySignature(github, request({}))).toEqual({
      ok: false,
      reason: 'missing x-hub-signature-256 header',
    });
  });

  it("hmac-sha256 without a prefix: refuses GitHub's sha256=<hex>, saying to set the prefix", () => {
    // Seen in the ops trial: the default header is GitHub's, the default prefix empty, and a GitHub delivery was logged
    // as a bare "signature mismatch", which reads as a wrong secret.
    const bare = config({ scheme: 'hmac-sha256', secret: 's3cret' });
    expect(verifySignature(bare, request({ 'x-hub-signature-256': hex })).ok).toBe(true);
    expect(verifySignature(bare, request({ 'x-hub-signature-256': `sha256=${hex}` }))).toEqual({
      ok: false,
      reason: 'signature mismatch: the header starts with "sha256=": set signature.prefix to it',
    });
    const otherSecret = createHmac('sha256', 'other').update(body).digest('hex');
    expect(verifySignature(bare, request({ 'x-hub-signature-256': otherSecret }))).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('bearer: accepts the token in Authorization (scheme in any case), refuses another, a missing or malformed one', () => {
    const bearer = config({ scheme: 'bearer', token: 'tok-123' });
    expect(verifySignature(bearer, request({ authorization: 'Bearer tok-123' })).ok).toBe(true);
    expect(verifySignature(bearer, request({ authorization: 'bearer tok-123' })).ok).toBe(true);
    expect(verifySignature(bearer, request({ authorization: 'Bearer tok-124' }))).toEqual({
      ok: false,
      reason: 'token mismatch',
    });
    expect(verifySignature(bearer, request({ authorization: 'Basic dG9rLTEyMw==' })).ok).toBe(false);
    expect(verifySignature(bearer, request({})).ok).toBe(false);
    expect(() => config({ scheme: 'bearer', token: '' })).toThrow(/bearer token is empty/);
  });

  it('shopify: accepts the base64 digest, refuses a tampered body and a wrong secret', () => {
    const shopify = config({ scheme: 'shopify', secret: 's3cret' });
    expect(verifySignature(shopify, request({ 'x-shopify-hmac-sha256': b64 })).ok).toBe(true);
    expect(verifySignature(shopify, request({ 'x-shopify-hmac-sha256': b64 }, Buffer.from('{}'))).ok).toBe(
      false,
    );
    expect(
      verifySignature(config({ scheme: 'shopify', secret: 'x' }), request({ 'x-shopify-hmac-sha256': b64 }))
        .ok,
    ).toBe(false);
  });

  it('shopify with another header: WooCommerce signs the same way in X-WC-Webhook-Signature', () => {
    const woo = config({ scheme: 'shopify', secret: 's3cret', header: 'X-WC-Webhook-Signature' });
    expect(verifySignature(woo, request({ 'x-wc-webhook-signature': b64 })).ok).toBe(true);
    expect(verifySignature(woo, request({ 'x-shopify-hmac-sha256': b64 }))).toEqual({
      ok: false,
      reason: 'missing x-wc-webhook-signature header',
    });
  });

  describe('hubspot-v3', () => {
    const now = 1_700_000_100_000;
    const url = 'http://127.0.0.1:8080/webhooks/hubspot?app=eai';
    const sign = (timestamp: string, secret = 's3cret', signedUrl = url) =>
      createHmac('sha256', secret)
        .update(`POST${signedUrl}${body.toString('utf8')}${timestamp}`, 'utf8')
        .digest('base64');
    const headers = (timestamp: string, signature = sign(timestamp)) => ({
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
    });
    const hubspot = config({ scheme: 'hubspot-v3', secret: 's3cret' });

    it('accepts a fresh, correctly signed request', () => {
      expect(verifySignature(hubspot, request(headers(String(now - 1000)), body, url), now)).toEqual({
        ok: true,
      });
    });

    it('refuses a timestamp older than 5 minutes even when the signature is right', () => {
      const stale = String(now - 300_001);
      expect(verifySignature(hubspot, request(headers(stale), body, url), now)).toEqual({
        ok: false,
        reason: 'stale timestamp',
      });
      expect(verifySignature(hubspot, request(headers(String(now - 300_000)), body, url), now).ok).toBe(true);
    });

    it('refuses a wrong secret, a tampered body, another URL and a missing or malformed timestamp', () => {
      const ts = String(now);
      expect(verifySignature(hubspot, request(headers(ts, sign(ts, 'nope')), body, url), now).ok).toBe(false);
      expect(verifySignature(hubspot, request(headers(ts), Buffer.from('{"id":1}'), url), now).ok).toBe(
        false,
      );
      expect(verifySignature(hubspot, request(headers(ts), body, `${url}&x=1`), now).ok).toBe(false);
      expect(
        verifySignature(hubspot, request({ 'x-hubspot-signature-v3': sign(ts) }, body, url), now).ok,
      ).toBe(false);
      expect(
        verifySignature(hubspot, request(headers('yesterday', sign('yesterday')), body, url), now).ok,
      ).toBe(false);
    });

    it('checks against publicOrigin when a proxy rewrote the origin', () => {
      const ts = String(now);
      const behindProxy = config({
        scheme: 'hubspot-v3',
        secret: 's3cret',
        publicOrigin: 'https://hub.example.com/',
      });
      const signed = sign(ts, 's3cret', 'https://hub.example.com/webhooks/hubspot?app=eai');
      expect(verifySignature(behindProxy, request(headers(ts, signed), body, url), now).ok).toBe(true);
      expect(verifySignature(hubspot, request(headers(ts, signed), body, url), now).ok).toBe(false);
    });

    it('says which origin a request refused behind a proxy was signed for, and so what publicOrigin to set', () => {
      const ts = String(now);
      const seen = 'http://hub.internal:8080/webhooks/hubspot?app=eai';
      const viaTls = sign(ts, 's3cret', 'https://hub.internal:8080/webhooks/hubspot?app=eai');
      expect(verifySignature(hubspot, request(headers(ts, viaTls), body, seen), now)).toEqual({
        ok: false,
        reason:
          'signature mismatch: the request was signed for https://hub.internal:8080, not http://hub.internal:8080 (a proxy in front of the hub): set publicOrigin to "https://hub.internal:8080"',
      });
      const public_ = sign(ts, 's3cret', 'https://hub.example.com/webhooks/hubspot?app=eai');
      const proxies: Array<Record<string, string>> = [
        { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hub.example.com' },
        { forwarded: 'for=192.0.2.60;proto=https;host="hub.example.com", for=10.0.0.1' },
      ];
      for (const forwarded of proxies) {
        const check = verifySignature(
          hubspot,
          request({ ...headers(ts, public_), ...forwarded }, body, seen),
          now,
        );
        expect(check).toEqual({
          ok: false,
          reason: expect.stringContaining('set publicOrigin to "https://hub.example.com"'),
        });
      }
      // A wrong secret stays a plain mismatch, forwarded headers or not: nothing to set.
      const wrong = sign(ts, 'nope', 'https://hub.example.com/webhooks/hubspot?app=eai');
      expect(
        verifySignature(
          hubspot,
          request({ ...headers(ts, wrong), 'x-forwarded-host': 'hub.example.com' }, body, seen),
          now,
        ),
      ).toEqual({ ok: false, reason: 'signature mismatch' });
    });
  });

  describe('standard-webhooks', () => {
    // The standard's reference library (standardwebhooks on npm) signs: an independent peer.
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const peer = new Webhook(secret);
    const standard = config({ scheme: 'standard-webhooks', secret });
    const now = 1_700_000_100_000;
    const nowSeconds = Math.floor(now / 1000);
    const headers = (id: string, seconds: number, rawBody = body) => ({
      'webhook-id': id,
      'webhook-timestamp': String(seconds),
      'webhook-signature': peer.sign(id, new Date(seconds * 1000), rawBody),
    });

    it('accepts what the reference library signs, and signs as it does (its verify takes ours)', () => {
      expect(verifySignature(standard, request(headers('msg_1', nowSeconds)), now)).toEqual({ ok: true });
      const ours = standardWebhookSignature(secret, 'msg_2', String(nowSeconds), body);
      expect(ours).toBe(peer.sign('msg_2', new Date(nowSeconds * 1000), body));
      expect(() =>
        peer.verify(body.toString('utf8'), {
          'webhook-id': 'msg_2',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': standardWebhookSignature(
            secret,
            'msg_2',
            String(Math.floor(Date.now() / 1000)),
            body,
          ),
        }),
      ).not.toThrow();
    });

    it('refuses a replay under another id, a tampered body, and a timestamp 5 minutes away either way', () => {
      const signed = headers('msg_1', nowSeconds);
      expect(verifySignature(standard, request({ ...signed, 'webhook-id': 'msg_9' }), now).ok).toBe(false);
      expect(verifySignature(standard, request(signed, Buffer.from('{"id":43}')), now).ok).toBe(false);
      for (const seconds of [nowSeconds - 301, nowSeconds + 301])
        expect(verifySignature(standard, request(headers('msg_1', seconds)), now)).toEqual({
          ok: false,
          reason: 'timestamp outside the tolerance (a replay, or the clocks differ)',
        });
      expect(verifySignature(standard, request(headers('msg_1', nowSeconds - 299)), now).ok).toBe(true);
      expect(
        verifySignature(standard, request({ 'webhook-signature': signed['webhook-signature'] }), now),
      ).toEqual({ ok: false, reason: 'missing webhook-id header' });
    });

    it('takes any of several signatures (a secret being rotated), and the id as the delivery id', () => {
      const other = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
      const signed = headers('msg_3', nowSeconds);
      const both = `${other.sign('msg_3', new Date(nowSeconds * 1000), body)} ${signed['webhook-signature']}`;
      expect(verifySignature(standard, request({ ...signed, 'webhook-signature': both }), now).ok).toBe(true);
      const onlyOther = other.sign('msg_3', new Date(nowSeconds * 1000), body);
      expect(verifySignature(standard, request({ ...signed, 'webhook-signature': onlyOther }), now).ok).toBe(
        false,
      );
      expect(signedDeliveryIdHeader(standard)).toBe('webhook-id');
      expect(signedDeliveryIdHeader(config({ scheme: 'bearer', token: 't' }))).toBeUndefined();
      expect(signatureConfig.safeParse({ scheme: 'standard-webhooks', secret: 'not base64!' }).success).toBe(
        false,
      );
    });
  });

  it('hubspot-v3 refuses a timestamp more than 5 minutes ahead too', () => {
    const hubspot = config({ scheme: 'hubspot-v3', secret: 's3cret' });
    const url = 'http://127.0.0.1:8080/webhooks/hubspot';
    const now = 1_700_000_100_000;
    const ahead = String(now + 300_001);
    const signature = hubspotV3Signature('s3cret', 'POST', url, body, ahead);
    const headers = { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ahead };
    expect(verifySignature(hubspot, request(headers, body, url), now)).toEqual({
      ok: false,
      reason: 'stale timestamp',
    });
  });

  it('none: accepts anything, but only when written out: the scheme has no default', () => {
    expect(verifySignature(config({ scheme: 'none' }), request({})).ok).toBe(true);
    expect(signatureConfig.safeParse({}).success).toBe(false);
    expect(signatureConfig.safeParse({ scheme: 'shopify' }).error?.issues[0]?.path).toEqual(['secret']);
  });
});

describe("the signature option's description", () => {
  it('names every scheme the option takes, bearer too (docs/connectors.md is generated from it)', () => {
    const schemes = signatureConfig.options.map((o) => o.shape.scheme.value);
    expect(schemes).toEqual(['hmac-sha256', 'hubspot-v3', 'shopify', 'standard-webhooks', 'bearer', 'none']);
    expect(webhookSourceConfig.shape.signature.description).toBe(
      'How requests are authenticated: `hmac-sha256`, `hubspot-v3`, `shopify`, `standard-webhooks`, `bearer`, or `none` (never a default: `none` must be written out).',
    );
  });
});
