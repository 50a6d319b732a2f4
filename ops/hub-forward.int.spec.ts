import { randomInt } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureV3 } from '../simulators/hubspot/events.ts';
import { type RawMessage, readRawMessages, topicEnds } from '../tests/raw-consumer.ts';
import { testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import { hashToken } from './api/index.ts';
import { type Hub, startHub } from './hub.ts';

/**
 * Two hub instances of one connect group share the connectors by rebalancing; a sender reaches either. A webhook
 * request that reaches the instance not running the connector is forwarded to the one that does, which checks the
 * signature (HubSpot v3 signs the URL the sender used: the forward keeps it) and answers once the records are on
 * Kafka. Applied once.
 */
const secret = 'hubspot-client-secret-0123456789';
const secretRef = ['$', '{env:EAI_TEST_FORWARD_SECRET}'].join('');

describe('webhook requests forwarded between hub instances', () => {
  const stack = testStack();
  const group = unique('connect-forward');
  const name = unique('contacts-forward');
  const hubs: Hub[] = [];

  beforeAll(async () => {
    process.env.EAI_TEST_FORWARD_SECRET = secret;
    for (const id of ['a', 'b']) {
      hubs.push(
        await startHub({
          ...stack,
          group,
          logger: pino({ level: 'warn' }),
          tokens: [{ name: `admin-${id}`, role: 'admin', sha256: hashToken(`token-${id}-0123456789abcdef`) }],
          port: 0,
        }),
      );
    }
    await hubs[0]!.runtime.put(
      {
        name,
        type: 'webhook-source',
        format: 'hubspot-contact',
        mapping: 'hubspot/contact.to-canonical.yaml',
        config: {
          json: true,
          deliveryIdHeader: 'x-hubspot-request-id',
          signature: { scheme: 'hubspot-v3', secret: secretRef },
        },
      },
      'test',
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(hubs.map((hub) => hub.close()));
  });

  it('a request to the instance that does not run the connector is applied once, through the owner', async () => {
    // The owner is whichever instance the rebalance gave the connector's slot, once both have joined.
    let owner: Hub | undefined;
    await waitFor('one instance runs the connector and advertises its URL', async () => {
      const running = hubs.filter((hub) =>
        hub.runtime.local().some((c) => c.name === name && c.state === 'RUNNING'),
      );
      const status = await hubs[0]!.runtime.status(name);
      owner = running.length === 1 && status?.workerUrl === running[0]!.url ? running[0] : undefined;
      return owner !== undefined;
    });
    const other = hubs.find((hub) => hub !== owner)!;
    expect(other.runtime.local().map((c) => c.name)).not.toContain(name);

    const objectId = randomInt(1e9, 2e9);
    const body = JSON.stringify([
      {
        eventId: randomInt(1e9, 2e9),
        subscriptionId: 2901,
        portalId: 62515,
        appId: 1160452,
        occurredAt: Date.now(),
        subscriptionType: 'contact.creation',
        attemptNumber: 0,
        objectId,
        changeSource: 'CRM_UI',
      },
    ]);
    const url = `${other.url}/webhooks/${name}`;
    const from = await topicEnds('canonical.customer'); // what earlier runs wrote is not read
    const post = (signature: string, timestamp = String(Date.now())) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-request-id': `forward-${objectId}`,
          'x-hubspot-signature-v3': signature,
          'x-hubspot-request-timestamp': timestamp,
        },
        body,
      });
    // The owner checks the signature: a wrong one comes back 401 through the instance that forwarded it.
    expect((await post('bm90IGEgc2lnbmF0dXJl')).status).toBe(401);
    const timestamp = String(Date.now());
    const good = await post(signatureV3(secret, 'POST', url, body, timestamp), timestamp);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ accepted: 1, published: 1 });
    // The sender retries (it did not see the answer): the owner knows the delivery id.
    const again = await post(signatureV3(secret, 'POST', url, body, timestamp), timestamp);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });

    const mine = (m: RawMessage) => m.key === `hubspot:${objectId}`;
    const [record] = await readRawMessages('canonical.customer', 1, { wanted: mine, from });
    expect(record!.headers.ce_type).toBe('hubspot-contact.eai.canonical.CustomerEvent');
    // Read to the end (from where the case began): the one record, not a second.
    await expect(
      readRawMessages('canonical.customer', 2, { wanted: mine, from, timeoutMs: 20_000 }),
    ).rejects.toThrow(/only 1\/2 messages/);
    expect((await owner!.runtime.status(name))?.metrics.recordsIn).toBe(1);
  }, 120_000);

  it('answers 503 with Retry-After, not a forward, once a request has been forwarded as often as allowed', async () => {
    const other = hubs.find((hub) => !hub.runtime.local().some((c) => c.name === name))!;
    const response = await fetch(`${other.url}/webhooks/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-eai-forward-hops': '2' },
      body: '[]',
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      error: `connector ${name} was not found after 2 forwards, retry later`,
    });
  });
});
