import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSIGNMENT_SLOTS, slotOf } from '../connectors/runtime/runtime.ts';
import { signatureV3 } from '../simulators/hubspot/events.ts';
import { topicEnds } from '../tests/raw-consumer.ts';
import { readSince } from '../tests/read-since.ts';
import { runEai } from '../tests/run-eai.ts';
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
  // Instance b is named as EAI_INSTANCE_ID names one; a keeps the default name, `<host name>:<port>`.
  const bName = unique('hub-b');
  const hubs: Hub[] = [];

  const startInstance = (id: 'a' | 'b') =>
    startHub({
      ...stack,
      group,
      logger: pino({ level: 'warn' }),
      tokens: [{ name: `admin-${id}`, role: 'admin', sha256: hashToken(`token-${id}-0123456789abcdef`) }],
      port: 0,
      ...(id === 'b' ? { instanceId: bName } : {}),
    });
  const hook = (connector: string, state: 'RUNNING' | 'PAUSED' = 'RUNNING') => ({
    name: connector,
    type: 'webhook-source',
    format: 'hubspot-contact',
    mapping: 'hubspot/contact.to-canonical.yaml',
    state,
    config: {
      json: true,
      deliveryIdHeader: 'x-hubspot-request-id',
      signature: { scheme: 'hubspot-v3', secret: secretRef },
    },
  });

  beforeAll(async () => {
    process.env.EAI_TEST_FORWARD_SECRET = secret;
    // Both at once: the tests wait for the rebalance that places the connectors, whichever joined first.
    hubs.push(...(await Promise.all([startInstance('a'), startInstance('b')])));
    await hubs[0]!.runtime.put(hook(name), 'test');
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

    // Read to the end (from where the case began): the one record, not a second. The owner answers once the
    // records are on Kafka, so a second publish would be there by now (a wait of 20 s for it added nothing).
    const records = await readSince('canonical.customer', from, (m) => m.key === `hubspot:${objectId}`);
    expect(records.map((r) => r.headers.ce_type)).toEqual(['hubspot-contact.eai.canonical.CustomerEvent']);
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

  it('eai connectors ls names the instance that runs each connector, by the same name after its restart', async () => {
    // Paused connectors (no task to start), one in each slot: whatever slots each instance holds, both hold some.
    const paused: string[] = [];
    for (let i = 0; paused.length < ASSIGNMENT_SLOTS; i++) {
      const candidate = `${name}-p${i}`;
      if (!paused.some((p) => slotOf(p) === slotOf(candidate))) paused.push(candidate);
    }
    await Promise.all(paused.map((p) => hubs[0]!.runtime.put(hook(p, 'PAUSED'), 'test')));
    const mine = [name, ...paused];
    const holder = (connector: string) =>
      hubs.find((hub) => hub.runtime.local().some((c) => c.name === connector));
    // Each connector's status (as instance a reads them) names the instance that holds it, and both hold some.
    const placed = async () => {
      const holders = new Set(mine.map((connector) => holder(connector)));
      if (holders.size !== 2 || holders.has(undefined)) return false;
      for (const connector of mine)
        if ((await hubs[0]!.runtime.status(connector))?.instance !== holder(connector)!.instance)
          return false;
      return true;
    };
    const ls = async (...args: string[]) => {
      const run = await runEai(
        ['connectors', 'ls', ...args, '--url', hubs[0]!.url, '--token', 'token-a-0123456789abcdef'],
        { timeoutMs: 60_000 },
      );
      expect(run.code, run.stderr).toBe(0);
      return run.stdout;
    };
    type Listed = { name: string; instance: string | null; workerId: string | null };
    const listed = async () => new Map((JSON.parse(await ls('--json')) as Listed[]).map((s) => [s.name, s]));

    await waitFor('each connector held by an instance, its status naming it', placed, 60_000);
    expect(hubs[0]!.instance).toBe(`${hostname()}:${new URL(hubs[0]!.url).port}`);
    expect(hubs[1]!.instance).toBe(bName);
    // The JSON and the table, two commands at once.
    const [before, table] = await Promise.all([listed(), ls()]);
    for (const connector of mine) expect(before.get(connector)?.instance).toBe(holder(connector)!.instance);
    expect(new Set(mine.map((connector) => before.get(connector)?.instance))).toEqual(
      new Set([hubs[0]!.instance, bName]),
    );
    // The table: an INSTANCE column, each connector's line with its instance's name in it (not its URL).
    const [header, ...lines] = table.trimEnd().split('\n');
    expect(header).toMatch(/^NAME +KIND +STATE +INSTANCE +RECORDS$/);
    for (const connector of mine) {
      const line = lines.find((l) => l.startsWith(`${connector} `));
      expect(line).toContain(` ${holder(connector)!.instance} `);
      expect(line).not.toContain('http://');
    }

    // Instance b restarts with the same name: a new worker id, the same instance name in the statuses of what it runs.
    const oldWorker = hubs[1]!.runtime.workerId;
    await hubs[1]!.close();
    hubs[1] = await startInstance('b');
    expect(hubs[1].runtime.workerId).not.toBe(oldWorker);
    await waitFor('the restarted instance holding connectors again, each status naming it', placed, 60_000);
    const after = await listed();
    const onB = mine.filter((connector) => holder(connector) === hubs[1]);
    expect(onB.length).toBeGreaterThan(0);
    for (const connector of onB)
      expect(after.get(connector)).toMatchObject({ instance: bName, workerId: hubs[1].runtime.workerId });
  }, 180_000);
});
