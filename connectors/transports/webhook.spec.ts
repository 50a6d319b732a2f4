import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import { signatureV3 } from '../../simulators/hubspot/events.ts';
import type { CommitOutcome, Json, SourceDocument, SourceTask } from '../sdk/index.ts';
import {
  createTestContext,
  type LoopbackWebhookServer,
  serveOnLoopback,
  type TestContext,
} from './test-support.ts';
import {
  createWebhookSource,
  WebhookBodyError,
  type WebhookSourceOptions,
  webhookOffsetProblem,
} from './webhook.ts';
import { standardWebhookSignature } from './webhook-signatures.ts';

const OK: CommitOutcome = { ok: true, published: 1, deadLettered: 0 };
const SECRET = 'webhook-test-secret';

interface Harness {
  t: TestContext;
  task: SourceTask;
  server: LoopbackWebhookServer;
}
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.task.stop();
  await harness?.server.close();
  harness = undefined;
});

async function setup(
  options: Partial<WebhookSourceOptions> = {},
  positions: Map<string, Json> = new Map(),
): Promise<Harness> {
  const t = createTestContext();
  const task = createWebhookSource(
    {
      signature: { scheme: 'shopify', secret: SECRET },
      deliveryIdHeader: 'X-Request-Id',
      pollWaitMs: 50,
      ...options,
    },
    t.context,
  );
  await task.start(positions);
  const server = await serveOnLoopback(t.handler(), '/webhooks/test');
  harness = { t, task, server };
  return harness;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Sends a POST and records when its answer arrived, so a test can check it has not arrived yet. */
function send(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
  method = 'POST',
): { reply: Promise<Reply>; arrived: () => boolean } {
  let arrived = false;
  const reply = fetch(url, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body }),
    signal: AbortSignal.timeout(5000),
  }).then(async (response) => {
    arrived = true;
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
  });
  return { reply, arrived: () => arrived };
}

const shopifyHeaders = (body: string | Buffer, id?: string, secret = SECRET) => ({
  'content-type': 'application/json',
  'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
  ...(id ? { 'x-request-id': id } : {}),
});

/** One turn of the runtime's loop: poll until documents come (bounded), then commit them with `outcome`. */
async function pollSome(task: SourceTask, attempts = 40): Promise<SourceDocument[]> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const docs = await task.poll();
    if (docs.length > 0) return docs;
  }
  throw new Error(`no documents after ${attempts} polls`);
}
async function cycle(task: SourceTask, outcome: CommitOutcome = OK): Promise<SourceDocument[]> {
  const docs = await pollSome(task);
  await task.commit(docs, outcome);
  return docs;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhook source: signatures', () => {
  const body = '{"id":1,"note":"signed"}';

  it('hmac-sha256 with the sha256= prefix (GitHub): accepted, tampered body and wrong secret → 401', async () => {
    const { task, server, t } = await setup({
      signature: { scheme: 'hmac-sha256', secret: SECRET, header: 'X-Hub-Signature-256', prefix: 'sha256=' },
    });
    const sig = (text: string, secret = SECRET) =>
      `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
    const good = send(server.url, body, { 'x-hub-signature-256': sig(body), 'x-request-id': 'gh-1' });
    const docs = await cycle(task);
    expect((await good.reply).status).toBe(200);
    // The position holds the delivery ids kept across a restart (a bucket of their hashes), not a place to rewind to.
    expect(docs.map((d) => [d.bytes.toString(), d.deliveryId, d.position])).toEqual([
      [
        body,
        'gh-1',
        { partition: expect.stringMatching(/^delivery-ids\/\d+$/), offset: [expect.any(String)] },
      ],
    ]);

    const tampered = await send(server.url, `${body} `, { 'x-hub-signature-256': sig(body) }).reply;
    const wrong = await send(server.url, body, { 'x-hub-signature-256': sig(body, 'other') }).reply;
    for (const reply of [tampered, wrong]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ error: 'missing or invalid signature' });
    }
    const refusals = t.logs.filter((line) => line.msg === 'webhook request refused');
    expect(refusals.map((line) => [line.status, line.reason])).toEqual([
      [401, 'signature mismatch'],
      [401, 'signature mismatch'],
    ]);
    expect(JSON.stringify(t.logs)).not.toContain(sig(body).slice(7));
    expect(JSON.stringify(t.logs)).not.toContain('signed');
  });

  it('shopify: accepted; wrong secret and missing header → 401', async () => {
    const { task, server } = await setup();
    const good = send(server.url, body, shopifyHeaders(body, 'sh-1'));
    await cycle(task);
    expect((await good.reply).status).toBe(200);
    expect((await send(server.url, body, shopifyHeaders(body, 'sh-2', 'nope')).reply).status).toBe(401);
    expect((await send(server.url, body, { 'x-request-id': 'sh-3' }).reply).status).toBe(401);
  });

  it("WooCommerce's unsigned ping (webhook_id=<n>, a form post) is acknowledged, and nothing is published", async () => {
    // Seen in a trial: every WooCommerce webhook saved left a dead letter (or, unsigned, a 401 that keeps it unsaved).
    const { task, server } = await setup();
    const ping = await send(server.url, 'webhook_id=17', {
      'content-type': 'application/x-www-form-urlencoded',
    }).reply;
    expect([ping.status, ping.body]).toEqual([200, { ping: true }]);
    expect(await task.poll()).toEqual([]);
    // A form post that says more is no ping: its signature is checked as any request's.
    const more = await send(server.url, 'webhook_id=17&x=1', {
      'content-type': 'application/x-www-form-urlencoded',
    }).reply;
    expect(more.status).toBe(401);
  });

  it('hubspot-v3 as the HubSpot simulator signs: accepted; stale timestamp and tampered body → 401', async () => {
    const { task, server } = await setup({ signature: { scheme: 'hubspot-v3', secret: SECRET } });
    const url = `${server.url}?app=eai`;
    const headers = (text: string, timestamp: number) => ({
      'x-hubspot-signature-v3': signatureV3(SECRET, 'POST', url, text, String(timestamp)),
      'x-hubspot-request-timestamp': String(timestamp),
    });
    const good = send(url, body, headers(body, Date.now()));
    await cycle(task);
    expect((await good.reply).status).toBe(200);
    expect((await send(url, body, headers(body, Date.now() - 6 * 60_000)).reply).status).toBe(401);
    expect((await send(url, '{"id":2}', headers(body, Date.now())).reply).status).toBe(401);
  });

  it('none: accepted without any signature header, and only when configured', async () => {
    const { task, server, t } = await setup({ signature: { scheme: 'none' } });
    const reply = send(server.url, body, {});
    await cycle(task);
    expect((await reply.reply).status).toBe(200);
    expect(t.logs.some((line) => String(line.msg).includes('not checked'))).toBe(true);
    const missing = { deliveryIdHeader: 'x-request-id' } as unknown as WebhookSourceOptions;
    expect(() => createWebhookSource(missing, createTestContext().context)).toThrow(ConfigError);
    expect(() => createWebhookSource(missing, createTestContext().context)).toThrow(/signature/);
  });
});

describe('webhook source: acknowledged after Kafka', () => {
  const body = '{"order":"4711"}';

  it('answers only after the runtime commits, with the counts', async () => {
    const { task, server } = await setup();
    const request = send(server.url, body, shopifyHeaders(body, 'req-1'));
    const docs = await pollSome(task);
    await sleep(150);
    expect(request.arrived()).toBe(false);
    await task.commit(docs, { ok: true, published: 2, deadLettered: 0 });
    const reply = await request.reply;
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ accepted: 1, published: 2, deadLettered: 0 });
  });

  it('a failed commit → 503 with Retry-After; the redelivery is queued again and accepted', async () => {
    const { task, server } = await setup({ retryAfterSeconds: 7 });
    const first = send(server.url, body, shopifyHeaders(body, 'req-2'));
    await cycle(task, { ok: false, error: new Error('transaction aborted') });
    const failed = await first.reply;
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('7');
    const again = send(server.url, body, shopifyHeaders(body, 'req-2'));
    expect((await cycle(task)).length).toBe(1);
    expect((await again.reply).status).toBe(200);
  });

  it('polled ahead: a batch builds its positions on the one before; when that one fails, neither is remembered', async () => {
    const { task, server, t } = await setup({ batchSize: 1 });
    expect(task.pollsAhead).toBe(true);
    // Enough deliveries that two land in one bucket (16 buckets): the second's position must hold the first's id.
    const ids = Array.from({ length: 20 }, (_, i) => `ahead-${i}`);
    const replies = ids.map((id) => send(server.url, body, shopifyHeaders(body, id)));
    const batches: SourceDocument[][] = [];
    for (const _ of ids) batches.push(await pollSome(task));
    const bucketOf = (docs: SourceDocument[]) => docs[0]!.position!.partition;
    const offsetOf = (docs: SourceDocument[]) => docs[0]!.position!.offset as string[];
    // 20 deliveries in 16 buckets: two share one (the first such pair, i before j).
    const pair = batches
      .flatMap((x, i) => batches.map((y, j) => [i, j, x, y] as const))
      .find(([i, j, x, y]) => i < j && bucketOf(x) === bucketOf(y));
    expect(pair).toBeDefined();
    const [, j, first, later] = pair!;
    // The later one, polled before the first was committed, holds both hashes, the first's before its own.
    expect(offsetOf(later)).toHaveLength(2);
    expect(offsetOf(later)[0]).toBe(offsetOf(first)[0]);
    expect(j).toBeGreaterThan(0);
    // The first fails; the runtime fails every batch polled after it, unsent.
    for (const batch of batches) await task.commit(batch, { ok: false, error: new Error('aborted') });
    for (const reply of replies) expect((await reply.reply).status).toBe(503);
    // Redelivered and committed one by one: positions start again from what was committed (nothing), not the failed.
    const again = send(server.url, body, shopifyHeaders(body, later[0]!.deliveryId!));
    const docs = await cycle(task);
    expect(offsetOf(docs)).toHaveLength(1);
    expect((await again.reply).status).toBe(200);
    expect(t.logs.filter((line) => line.msg === 'webhook batch not stored')).toHaveLength(20);
  });

  it('a dead-lettered document is still accepted (it is kept in the dead-letter topic)', async () => {
    const { task, server } = await setup({ acceptedStatus: 202 });
    const request = send(server.url, body, shopifyHeaders(body, 'req-3'));
    await cycle(task, { ok: true, published: 0, deadLettered: 1 });
    const reply = await request.reply;
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ accepted: 1, published: 0, deadLettered: 1 });
  });

  it('past responseTimeoutMs → 503; the document stays queued and its redelivery is a duplicate once committed', async () => {
    const { task, server } = await setup({ responseTimeoutMs: 100 });
    const slow = await send(server.url, body, shopifyHeaders(body, 'req-6')).reply;
    expect(slow.status).toBe(503);
    expect(slow.headers.get('retry-after')).toBe('5');
    expect((await cycle(task)).map((d) => d.deliveryId)).toEqual(['req-6']);
    expect((await send(server.url, body, shopifyHeaders(body, 'req-6')).reply).body).toEqual({
      duplicate: true,
    });
  });

  it('stop() answers waiting requests 503 and refuses new ones; poll returns []', async () => {
    const { task, server } = await setup();
    const waiting = send(server.url, body, shopifyHeaders(body, 'req-4'));
    await pollSome(task);
    await task.stop();
    expect((await waiting.reply).status).toBe(503);
    const late = await send(server.url, body, shopifyHeaders(body, 'req-5')).reply;
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('5');
    expect(await task.poll()).toEqual([]);
  });

  it('an empty poll waits about pollWaitMs, and returns at once when the signal aborts', async () => {
    const { task, t } = await setup({ pollWaitMs: 100 });
    let started = Date.now();
    expect(await task.poll()).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const polled = task.poll();
    started = Date.now();
    t.abort();
    expect(await polled).toEqual([]);
    expect(Date.now() - started).toBeLessThan(90);
  });
});

describe('webhook source: dedup by delivery id', () => {
  const body = '{"event":"created"}';

  it('a delivery id committed before a restart (in the positions start is given) is a duplicate; a new one joins its bucket', async () => {
    // As the positions hold them: 64 bits of the id's SHA-256 in hex, in one of 16 buckets by its first 32 bits.
    const hash = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 16);
    const bucket = (id: string) => Number.parseInt(hash(id).slice(0, 8), 16) % 16;
    const fresh = Array.from({ length: 200 }, (_, i) => `new-${i}`).find(
      (id) => bucket(id) === bucket('old-1'),
    )!;
    const partition = `delivery-ids/${bucket('old-1')}`;
    const { task, server } = await setup({}, new Map([[partition, [hash('old-1')]]]));
    const again = await send(server.url, body, shopifyHeaders(body, 'old-1')).reply;
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    const next = send(server.url, body, shopifyHeaders(body, fresh));
    const docs = await cycle(task);
    expect((await next.reply).status).toBe(200);
    expect(docs.map((d) => [d.deliveryId, d.position])).toEqual([
      [fresh, { partition, offset: [hash('old-1'), hash(fresh)] }],
    ]);
  });

  it('a document refused on its own while its batch commits is not remembered: its redelivery after a restart is taken', async () => {
    // As withRereads refuses one whose read failed: committed alone as failed, then the batch (with it) as stored.
    const hash = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 16);
    const bucket = (id: string) => Number.parseInt(hash(id).slice(0, 8), 16) % 16;
    const refusedId = 'refused-alone';
    const sameBucket = Array.from({ length: 200 }, (_, i) => `kept-${i}`).find(
      (id) => bucket(id) === bucket(refusedId),
    )!;
    const { task, server } = await setup({ batchSize: 10 });
    const refusedReply = send(server.url, body, shopifyHeaders(body, refusedId));
    await sleep(50);
    const keptReply = send(server.url, body, shopifyHeaders(body, sameBucket));
    await sleep(50);
    const docs = await pollSome(task);
    expect(docs.map((d) => d.deliveryId)).toEqual([refusedId, sameBucket]);
    // The later document's position holds both ids until the refusal.
    expect(docs[1]!.position!.offset).toEqual([hash(refusedId), hash(sameBucket)]);
    await task.commit([docs[0]!], { ok: false, error: new Error('GAP re-read failed') });
    await task.commit(docs, OK);
    expect((await refusedReply.reply).status).toBe(503);
    expect((await keptReply.reply).status).toBe(200);
    const remembered = docs.flatMap((d) => d.position!.offset as string[]);
    expect(remembered).not.toContain(hash(refusedId));
    expect(remembered).toContain(hash(sameBucket));
    // A restart with the positions the runtime wrote: the refused delivery comes again and is taken, the kept is not.
    await task.stop();
    await server.close();
    harness = undefined;
    const restarted = await setup(
      {},
      new Map([[docs[1]!.position!.partition, docs[1]!.position!.offset as Json]]),
    );
    const again = send(restarted.server.url, body, shopifyHeaders(body, refusedId));
    const redelivered = await cycle(restarted.task);
    expect(redelivered.map((d) => d.deliveryId)).toEqual([refusedId]);
    expect((await again.reply).status).toBe(200);
    const keptAgain = await send(restarted.server.url, body, shopifyHeaders(body, sameBucket)).reply;
    expect(keptAgain).toMatchObject({ status: 200, body: { duplicate: true } });
  });

  it('a committed delivery id is answered 200 duplicate at once and not queued again', async () => {
    const { task, server } = await setup();
    const first = send(server.url, body, shopifyHeaders(body, 'dup-1'));
    await cycle(task);
    expect((await first.reply).status).toBe(200);
    const again = await send(server.url, body, shopifyHeaders(body, 'dup-1')).reply;
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await task.poll()).toEqual([]);
  });

  it('a delivery id in flight joins the same outcome: one document for two requests', async () => {
    const { task, server } = await setup();
    const first = send(server.url, body, shopifyHeaders(body, 'dup-2'));
    const docs = await pollSome(task);
    const second = send(server.url, body, shopifyHeaders(body, 'dup-2'));
    await sleep(100);
    expect(second.arrived()).toBe(false);
    await task.commit(docs, OK);
    expect([(await first.reply).status, (await second.reply).status]).toEqual([200, 200]);
    expect(docs).toHaveLength(1);
    expect(await task.poll()).toEqual([]);
  });

  it('standard-webhooks: the signed webhook-id is the delivery id, so a redelivery is a duplicate', async () => {
    const secret = `whsec_${Buffer.from('a standard webhooks secret').toString('base64')}`;
    const { task, server } = await setup({
      signature: { scheme: 'standard-webhooks', secret },
      deliveryIdHeader: undefined,
    });
    const seconds = String(Math.floor(Date.now() / 1000));
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_2ZkTa7',
      'webhook-timestamp': seconds,
      'webhook-signature': standardWebhookSignature(secret, 'msg_2ZkTa7', seconds, body),
    };
    const first = send(server.url, body, headers);
    const [doc] = await cycle(task);
    expect(doc?.deliveryId).toBe('msg_2ZkTa7');
    expect((await first.reply).status).toBe(200);
    expect((await send(server.url, body, headers).reply).body).toEqual({ duplicate: true });
  });

  it('without a delivery id header, the body hash is the delivery id', async () => {
    const { task, server } = await setup({ deliveryIdHeader: undefined });
    const first = send(server.url, body, shopifyHeaders(body));
    const [doc] = await cycle(task);
    expect(doc?.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    await first.reply;
    expect((await send(server.url, body, shopifyHeaders(body)).reply).body).toEqual({ duplicate: true });
  });
});

describe('webhook source: refusals', () => {
  it('413 over maxBodyBytes, by body length and by Content-Length', async () => {
    const { server, t } = await setup({ maxBodyBytes: 16 });
    const big = '{"x":"0123456789"}';
    expect((await send(server.url, big, shopifyHeaders(big, 'big-1')).reply).status).toBe(413);
    const declared = await t.handler()({
      method: 'POST',
      path: '/',
      url: 'http://127.0.0.1/webhooks/test',
      headers: { 'content-length': '1000000', ...shopifyHeaders('{}') },
      rawBody: Buffer.from('{}'),
    });
    expect(declared.status).toBe(413);
  });

  it('405 for a method other than POST', async () => {
    const { server } = await setup();
    const reply = await send(server.url, '', {}, 'GET').reply;
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
  });

  it('429 with Retry-After when the queue is full, then accepted after draining', async () => {
    const { task, server } = await setup({ maxPendingDocuments: 1 });
    const a = send(server.url, '{"n":1}', shopifyHeaders('{"n":1}', 'bp-1'));
    await sleep(50);
    const refused = await send(server.url, '{"n":2}', shopifyHeaders('{"n":2}', 'bp-2')).reply;
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    await cycle(task);
    expect((await a.reply).status).toBe(200);
    const b = send(server.url, '{"n":2}', shopifyHeaders('{"n":2}', 'bp-2'));
    expect((await cycle(task)).map((d) => d.deliveryId)).toEqual(['bp-2']);
    expect((await b.reply).status).toBe(200);
  });

  it('400 naming the field path: a body that is not JSON, and one that fails the body schema', async () => {
    const { server } = await setup({
      json: true,
      bodySchema: z.object({ events: z.array(z.object({ objectId: z.number() })) }),
    });
    const notJson = await send(server.url, 'order=4711', shopifyHeaders('order=4711', 'bad-1')).reply;
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ path: '$', error: expect.stringMatching(/^not JSON/) });
    // The 400 names the field, never the value the sender sent (JSON.parse's own message quotes it).
    const person = 'Jane Roe <jane.roe@example.com>';
    const named = await send(server.url, person, shopifyHeaders(person, 'bad-3')).reply;
    expect(named).toMatchObject({
      status: 400,
      body: { path: '$', error: 'not JSON (an unexpected character)' },
    });
    expect(JSON.stringify(named.body)).not.toContain('Jane');
    expect(JSON.stringify(notJson.body)).not.toContain('4711');
    const wrong = '{"events":[{"objectId":"7"}]}';
    const invalid = await send(server.url, wrong, shopifyHeaders(wrong, 'bad-2')).reply;
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ path: '$.events[0].objectId' });
  });
});

describe('webhook source: split', () => {
  interface HubSpotEvent {
    eventId: number;
  }
  const split = (_request: unknown, body: unknown) => {
    if (!Array.isArray(body)) throw new WebhookBodyError('expected an array of events');
    return (body as HubSpotEvent[]).map((event) => ({
      bytes: Buffer.from(JSON.stringify(event)),
      deliveryId: `event:${event.eventId}`,
      sender: 'portal-1',
    }));
  };

  it('one request becomes several documents in batches of batchSize; a redelivery queues only new events', async () => {
    const { task, server } = await setup({ json: true, split, batchSize: 2 });
    const events = '[{"eventId":1},{"eventId":2},{"eventId":3}]';
    const request = send(server.url, events, shopifyHeaders(events, 'r-1'));
    const first = await cycle(task, { ok: true, published: 2, deadLettered: 0 });
    const second = await cycle(task, { ok: true, published: 1, deadLettered: 0 });
    expect([...first, ...second].map((d) => [d.deliveryId, d.sender])).toEqual([
      ['event:1', 'portal-1'],
      ['event:2', 'portal-1'],
      ['event:3', 'portal-1'],
    ]);
    expect((await request.reply).body).toEqual({ accepted: 3, published: 3, deadLettered: 0 });

    const more = '[{"eventId":3},{"eventId":4}]';
    const redelivery = send(server.url, more, shopifyHeaders(more, 'r-2'));
    expect((await cycle(task)).map((d) => d.deliveryId)).toEqual(['event:4']);
    expect((await redelivery.reply).status).toBe(200);
  });

  it('a body sent as JSON that does not parse is a 400 saying where, without json: true too; as text it is queued', async () => {
    const { task, server } = await setup();
    const broken = '{"id":1,"note":';
    for (const type of ['application/json', 'application/cloudevents+json; charset=utf-8']) {
      const reply = await send(server.url, broken, {
        ...shopifyHeaders(broken, 'bad-1'),
        'content-type': type,
      }).reply;
      expect(reply.status, type).toBe(400);
      expect(reply.body).toMatchObject({ path: '$', error: expect.stringMatching(/^not JSON \(.+\)$/) });
    }
    const text = send(server.url, broken, {
      ...shopifyHeaders(broken, 'bad-2'),
      'content-type': 'text/plain',
    });
    expect((await cycle(task)).map((d) => d.bytes.toString())).toEqual([broken]);
    expect((await text.reply).status).toBe(200);
  });

  it('a WebhookBodyError thrown by split is a 400 with its path', async () => {
    const { server } = await setup({ json: true, split });
    const reply = await send(server.url, '{"eventId":1}', shopifyHeaders('{"eventId":1}', 'r-3')).reply;
    expect(reply).toMatchObject({ status: 400, body: { path: '$', error: 'expected an array of events' } });
  });
});

describe('a webhook position set over the API (PATCH …/offsets)', () => {
  it('takes the positions the source wrote and [] (forget), and refuses another partition, a non-list, a foreign hash, naming it', async () => {
    const body = '{"id":2}';
    const { task, server } = await setup({
      signature: { scheme: 'hmac-sha256', secret: SECRET, header: 'X-Hub-Signature-256', prefix: 'sha256=' },
    });
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const sent = send(server.url, body, { 'x-hub-signature-256': sig, 'x-request-id': 'pos-1' });
    const [doc] = await cycle(task);
    await sent.reply;
    const { partition, offset } = doc!.position as { partition: string; offset: string[] };
    expect(webhookOffsetProblem(partition, offset)).toBeUndefined();
    expect(webhookOffsetProblem(partition, [])).toBeUndefined();
    const bucket = Number(partition.split('/')[1]);
    const other = `delivery-ids/${(bucket + 1) % 16}`;
    expect(webhookOffsetProblem('delivery-ids/16', [])).toBe(
      'is not a webhook source partition (delivery-ids/0 to delivery-ids/15: the delivery ids it remembers, as GET …/offsets shows)',
    );
    expect(webhookOffsetProblem('lines', [])).toMatch(/^is not a webhook source partition/);
    expect(webhookOffsetProblem(partition, { offset: 3 })).toBe(
      'is not a list of at most 64 delivery id hashes (as GET …/offsets shows; [] forgets them)',
    );
    expect(webhookOffsetProblem(other, offset)).toBe(
      `[0] ${JSON.stringify(offset[0])} is not a delivery id hash of this bucket (16 hex digits, as GET …/offsets shows)`,
    );
    expect(webhookOffsetProblem(partition, ['pos-1'])).toMatch(/^\[0\] "pos-1" is not a delivery id hash/);
    // Every plugin on the webhook transport asks the same; those with an initial snapshot check its partition too.
    const { builtinPlugins } = await import('../index.ts');
    const check = (type: string) => builtinPlugins.find((p) => p.type === type)!.checkOffset!;
    for (const type of [
      'webhook-source',
      'epcis-capture-source',
      'hubspot-contact-webhook-source',
      'salesforce-cdc-source',
    ]) {
      expect(check(type)(partition, offset), type).toBeUndefined();
      expect(check(type)(other, offset), type).toMatch(/is not a delivery id hash of this bucket/);
    }
    for (const type of ['hubspot-contact-webhook-source', 'salesforce-cdc-source']) {
      const progress = { cursor: { page: 2 }, records: 200, pages: 2, startedAt: '2026-12-01T10:00:00.000Z' };
      expect(check(type)('snapshot', progress), type).toBeUndefined();
      expect(check(type)('snapshot', { page: 2 }), type).toMatch(/^is not a snapshot position/);
    }
  });
});
