import { type AddressInfo, connect, createServer } from 'node:net';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimeoutMiddleware } from 'mappersmith/middleware';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { testStack, unique } from '../tests/stack.ts';
import { createRegistryClient, SchemaIncompatibleError } from './registry.ts';

const v1 = {
  type: 'record',
  name: 'Probe',
  namespace: 'eai.tests',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'int' },
  ],
};

describe('the local schema registry through the Confluent REST API', () => {
  const { registryUrl } = testStack();
  // The library configured as a careful user would: its defaults set no request deadline, retry GETs only,
  // and so wait forever on a request the registry never answers.
  const library = () =>
    new SchemaRegistry({
      host: registryUrl,
      // mappersmith's ESM and CJS typings of the same middleware differ; the library loads the CJS one.
      middlewares: [TimeoutMiddleware(10_000) as never],
      retry: {
        retries: 3,
        enableRetry: () => true,
        validateRetry: (r) => r.status() >= 500 || r.errors.length > 0,
      },
    });

  it("works with @kafkajs/confluent-schema-registry's own register, encode and decode", async () => {
    const registry = library();
    const subject = `${unique('probe')}-value`;
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v1) },
      { subject },
    );
    expect(id).toBeGreaterThan(0);
    const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    expect(again.id).toBe(id);
    const encoded = await registry.encode(id, { id: 'a-1', amount: 42 });
    expect(encoded[0]).toBe(0);
    expect(encoded.readUInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual({ id: 'a-1', amount: 42 });
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
  });

  it('refuses a compatibility-breaking schema with HTTP 409, and the hub names the field', async () => {
    const subject = `${unique('probe')}-value`;
    const breaking = { ...v1, fields: [...v1.fields, { name: 'currency', type: 'string' }] };
    const registry = library();
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });

    const raw = await registry
      .register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject })
      .then(
        () => undefined,
        (error: unknown) => error as { status?: number; message: string },
      );
    expect(raw?.status).toBe(409);

    const client = createRegistryClient(registryUrl);
    const refused = await client.register(subject, breaking).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SchemaIncompatibleError);
    expect((refused as Error).message).toMatch(
      /^schema eai\.tests\.Probe for subject "\S+" is incompatible \(BACKWARD\): currency: field "currency" is missing in the writer.s schema and has no default/,
    );

    // A compatible change (a new field with a default) is accepted as a new version.
    const compatible = {
      ...v1,
      fields: [...v1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
    };
    const id2 = await client.register(subject, compatible);
    expect(await client.versions(subject)).toHaveLength(2);
    expect(id2).toBeGreaterThan(0);
  });

  it("names the registry's own version numbers, not their positions (a subject whose version 1 was deleted)", async () => {
    const subject = `${unique('probe')}-value`;
    const client = createRegistryClient(registryUrl, { retries: 0, logger: pino({ level: 'silent' }) });
    const v2 = { ...v1, fields: [...v1.fields, { name: 'currency', type: 'string', default: 'EUR' }] };
    await client.register(subject, v1);
    await client.register(subject, v2);
    const deleted = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions/1`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(200);
    // The subject holds its version 2 alone: first in the list, numbered 2 by the registry.
    expect(await client.versions(subject)).toEqual([2]);
    const next = { ...v2, fields: [...v2.fields, { name: 'region', type: 'string' }] };
    const error = await client.register(subject, next).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaIncompatibleError);
    expect((error as Error).message).toContain(
      'region: field "region" is missing in the writer\'s schema and has no default, so old data cannot be read (backward, against version 2)',
    );
  });

  it('names the record a subject holds when another record type is sent to it, and says to publish elsewhere, not to add aliases', async () => {
    const subject = `${unique('h7.orders')}-value`;
    const client = createRegistryClient(registryUrl, { retries: 0, logger: pino({ level: 'silent' }) });
    const held = {
      type: 'record',
      name: 'SalesOrderEvent',
      namespace: 'eai.tests',
      fields: [{ name: 'id', type: 'string' }],
    };
    await client.register(subject, held);
    const error = await client.register(subject, { ...held, name: 'CustomerEvent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaIncompatibleError);
    const quoted = subject.replaceAll('.', '\\.');
    expect((error as Error).message).toMatch(
      new RegExp(
        `^schema eai\\.tests\\.CustomerEvent for subject "${quoted}" is incompatible \\(BACKWARD\\): subject "${quoted}" holds eai\\.tests\\.SalesOrderEvent \\(version 1\\), not eai\\.tests\\.CustomerEvent: a subject keeps one record type \\(TopicNameStrategy\\), so publish CustomerEvent to a topic of its own \\(registry said: `,
      ),
    );
    // A real rename, with the old name among its aliases, is judged field by field as before.
    const renamed = {
      ...held,
      name: 'OrderEvent',
      aliases: ['SalesOrderEvent'],
      fields: [{ name: 'x', type: 'string' }],
    };
    const rename = await client.register(subject, renamed).catch((e: unknown) => e);
    expect((rename as Error).message).toContain('x: field "x" is missing in the writer\'s schema');
  });

  it('answers an unknown schema id with a typed, non-retriable error', async () => {
    const client = createRegistryClient(registryUrl);
    const error = await client
      .typeById(987_654_321)
      .catch((e: unknown) => e as { retriable: boolean; name: string });
    expect(error).toMatchObject({ name: 'UnknownSchemaError', retriable: false });
  });

  it('asks again when the registry stalls, and gets the id the registry holds', async () => {
    // A loopback proxy in front of the real registry that swallows the first connection: the stall
    // that once hung every publish of a subject in CI.
    const target = new URL(registryUrl);
    let connections = 0;
    const proxy = createServer((socket) => {
      connections += 1;
      socket.on('error', () => {});
      if (connections === 1) return;
      const upstream = connect(Number(target.port), target.hostname);
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
      const subject = `${unique('stall')}-value`;
      const id = await createRegistryClient(proxied, {
        requestTimeoutMs: 500,
        logger: pino({ level: 'silent' }),
      }).register(subject, v1);
      // fetch opens a spare connection after an abort, so the proxy sees two or three.
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(await createRegistryClient(registryUrl).register(subject, v1)).toBe(id);
      expect(await createRegistryClient(registryUrl).versions(subject)).toEqual([1]);
    } finally {
      proxy.close();
    }
  });
});
