import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOAuthTokens, oauthTokenProvider } from '../lib/oauth-token.ts';
import { startOpsServer } from '../ops/server.ts';
import { exampleJson } from '../schemas/examples.ts';
import { type AuthProxy, startAuthProxy } from '../tests/auth-proxy.ts';
import { runEai } from '../tests/run-eai.ts';
import { OAUTH_SESSION_MS, type SecuredKafka, startSecuredKafka } from '../tests/secured-kafka.ts';
import { testStack, unique } from '../tests/stack.ts';
import { waitFor } from '../tests/wait-for.ts';
import {
  createBus,
  KafkaSecurityError,
  kafkaReachable,
  kafkaSecurityFromEnv,
  RegistryRefusedError,
  registryAnswers,
  registryAuthFromEnv,
} from './index.ts';
import { createRegistryClient } from './registry.ts';
import { KAFKA_OAUTH_VARIABLES } from './transport/security.ts';

/**
 * The hub against a secured Kafka and an authenticated registry, for real: a broker of this test's own (launched as
 * the stack launches its own) with a SASL_SSL listener (PLAIN, SCRAM-SHA-256/512) and a mutual-TLS listener, both
 * with a certificate of a CA the test made; and, since Apicurio 3.3.3's own basic auth needs an OIDC server, an
 * authenticating HTTPS reverse proxy in front of the stack's registry. Everything is configured the way a user does
 * it: the environment's variables, parsed by the hub's own functions.
 */
describe('a secured Kafka (TLS, SASL, mTLS) and an authenticated registry', () => {
  const stack = testStack();
  let kafka: SecuredKafka;
  let proxy: AuthProxy;
  const registrySecret = 'sr-key:sr-secret';
  const registryToken = 'token-abc.def';

  beforeAll(async () => {
    kafka = await startSecuredKafka();
    proxy = await startAuthProxy({
      target: stack.registryUrl,
      certificate: kafka.ca.server(),
      accepted: [`Basic ${Buffer.from(registrySecret).toString('base64')}`, `Bearer ${registryToken}`],
      alsoAccept: (authorization) =>
        authorization.startsWith('Bearer ') && kafka.oidc.issued(authorization.slice('Bearer '.length)),
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await kafka?.stop();
  });

  const sasl = (mechanism: string, password = kafka.users.password, ca = kafka.files.ca) => ({
    EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    EAI_KAFKA_SASL_MECHANISM: mechanism,
    EAI_KAFKA_SASL_USERNAME: kafka.users.name,
    EAI_KAFKA_SASL_PASSWORD: password,
    EAI_KAFKA_SSL_CA_FILE: ca,
  });
  const registryEnv = () => ({
    EAI_REGISTRY_BASIC_AUTH: registrySecret,
    EAI_REGISTRY_CA_FILE: kafka.files.ca,
  });

  /** Publishes one order through the bus and reads it back through the bus, both over `brokers` with `env`. */
  async function roundTrip(brokers: string, env: NodeJS.ProcessEnv) {
    const bus = createBus({
      brokers,
      registryUrl: proxy.url,
      source: '/eai/tests/secured',
      clientId: unique('secured'),
      security: kafkaSecurityFromEnv(env),
      registryAuth: registryAuthFromEnv(registryEnv()),
    });
    const topic = unique('secured-orders');
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    const publisher = await bus.publisher();
    const value = exampleJson('SalesOrderEvent');
    const [sent] = await publisher.publish([{ schema: 'SalesOrderEvent', value, topic }]);
    await publisher.close();
    const received: unknown[] = [];
    const runner = await bus.consume({
      groupId: unique('secured-group'),
      topics: [topic],
      dlqTopic: unique('secured-dlq'),
      fromBeginning: true,
      handler: async (event) => {
        received.push(event.value);
        expect(event.attributes.id).toBe(sent!.id);
      },
    });
    try {
      await waitFor('the order read back', () => received.length === 1);
    } finally {
      await runner.stop();
    }
    expect(JSON.parse(JSON.stringify(received[0]))).toEqual(value);
  }

  it('publishes and consumes over SASL_SSL with SCRAM-SHA-512, the registry behind basic auth and a private CA', async () => {
    await roundTrip(kafka.saslSsl, sasl('SCRAM-SHA-512'));
    // The registry client sent the credentials on every request.
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(new Set(proxy.seen)).toEqual(new Set([`Basic ${Buffer.from(registrySecret).toString('base64')}`]));
  });

  it('publishes and consumes over SASL_SSL with PLAIN (Confluent Cloud style) and with SCRAM-SHA-256', async () => {
    // Each its own bus, topic and group: at once.
    await Promise.all([
      roundTrip(kafka.saslSsl, sasl('PLAIN')),
      roundTrip(kafka.saslSsl, sasl('SCRAM-SHA-256')),
    ]);
  });

  it('publishes and consumes over mutual TLS with a client certificate (Strimzi style)', async () => {
    await roundTrip(kafka.mutualTls, {
      EAI_KAFKA_SECURITY_PROTOCOL: 'SSL',
      EAI_KAFKA_SSL_CA_FILE: kafka.files.ca,
      EAI_KAFKA_SSL_CERT_FILE: kafka.files.clientCert,
      EAI_KAFKA_SSL_KEY_FILE: kafka.files.clientKey,
    });
  });

  const oauth = (client = kafka.oidc.client, extra: NodeJS.ProcessEnv = {}) => ({
    EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    EAI_KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
    EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: kafka.oidc.tokenUrl,
    EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: client.id,
    EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: client.secret,
    EAI_KAFKA_SSL_CA_FILE: kafka.files.ca,
    ...extra,
  });

  it('publishes and consumes over SASL_SSL with OAUTHBEARER: one client-credentials token shared by every connection', async () => {
    clearOAuthTokens();
    const before = kafka.oidc.requests.length;
    await roundTrip(
      kafka.saslSsl,
      oauth(kafka.oidc.client, {
        EAI_KAFKA_SASL_OAUTHBEARER_SCOPE: 'kafka profile',
        EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS: 'logicalCluster=lkc-abc12, identityPoolId=pool-Xyz9',
      }),
    );
    // Admin, producer, consumer and the group coordinator each connected; the provider was asked once.
    expect(kafka.oidc.requests.slice(before)).toEqual([{ clientId: 'eai-hub', scope: 'kafka profile' }]);
  });

  it('an OAUTHBEARER token is asked for again at 80 % of its lifetime, and concurrent asks share one request', async () => {
    clearOAuthTokens();
    kafka.oidc.lifetimeSeconds = 2;
    try {
      const provider = oauthTokenProvider({
        variables: KAFKA_OAUTH_VARIABLES,
        tokenEndpointUrl: kafka.oidc.tokenUrl,
        clientId: kafka.oidc.client.id,
        clientSecret: kafka.oidc.client.secret,
      });
      const before = kafka.oidc.requests.length;
      const [a, b] = await Promise.all([provider(), provider()]);
      expect(a.value).toBe(b.value);
      expect((await provider()).value).toBe(a.value);
      expect(kafka.oidc.requests.length - before).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_700));
      // Issued in another second, so with another exp: a new token.
      expect((await provider()).value).not.toBe(a.value);
      expect(kafka.oidc.requests.length - before).toBe(2);
    } finally {
      kafka.oidc.lifetimeSeconds = 300;
      clearOAuthTokens();
    }
  });

  it('OAUTHBEARER sessions the broker ends (connections.max.reauth.ms, KIP-368) are renewed in place: a producer and a consumer across several lifetimes and an idle stretch longer than one lose nothing and log no error', async () => {
    clearOAuthTokens();
    const lines: Array<{ level: number; msg?: string }> = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const bus = createBus({
      brokers: kafka.saslSsl,
      registryUrl: proxy.url,
      source: '/eai/tests/secured',
      clientId: unique('reauth'),
      security: kafkaSecurityFromEnv(oauth()),
      registryAuth: registryAuthFromEnv(registryEnv()),
      logger,
    });
    const topic = unique('oauth-sessions');
    await bus.provisionTopics([{ topic, partitions: 2 }]);
    const publisher = await bus.publisher();
    const received = new Map<string, number>();
    const runner = await bus.consume({
      groupId: unique('oauth-sessions-group'),
      topics: [topic],
      dlqTopic: unique('oauth-sessions-dlq'),
      fromBeginning: true,
      handler: async (event) => {
        const id = event.attributes.id ?? '';
        received.set(id, (received.get(id) ?? 0) + 1);
      },
    });
    const sent: string[] = [];
    const publishFor = async (ms: number) => {
      for (const until = Date.now() + ms; Date.now() < until; ) {
        const [one] = await publisher.publish([
          { schema: 'SalesOrderEvent', value: exampleJson('SalesOrderEvent'), topic },
        ]);
        sent.push(one!.id);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    try {
      // kafkajs re-authenticates a connection 10 s before its session ends, before its next request; a connection
      // idle past its session's end is closed by the broker at its next request unless renewed first.
      // Sessions of 12 s renewed 10 s before their end: 5 s of publishing renews the connections twice.
      await publishFor(5_000);
      await new Promise((resolve) => setTimeout(resolve, OAUTH_SESSION_MS + 1_000));
      await publishFor(3_000);
      await waitFor('every order read back', () => sent.every((id) => received.has(id)));
    } finally {
      await runner.stop();
      await publisher.close();
    }
    expect(sent.length).toBeGreaterThan(25);
    expect([...received.values()].filter((n) => n > 1)).toEqual([]);
    expect(lines.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual([]);
  }, 90_000);

  it('the CLI over OAUTHBEARER: lists the topics; an identity provider that does not answer is one line naming it', async () => {
    const cliEnv = (extra: NodeJS.ProcessEnv = {}) => ({
      ...oauth(kafka.oidc.client, extra),
      ...registryEnv(),
      KAFKA_BROKERS: kafka.saslSsl,
      SCHEMA_REGISTRY_URL: proxy.url,
    });
    const topic = unique('oauth-cli');
    const bus = createBus({
      brokers: kafka.plaintext,
      registryUrl: proxy.url,
      security: kafkaSecurityFromEnv({}),
      registryAuth: registryAuthFromEnv(registryEnv()),
    });
    await bus.provisionTopics([{ topic, partitions: 1 }]);
    // The two commands at once.
    const [listed, down] = await Promise.all([
      runEai(['bus', 'topics', '--json'], { env: cliEnv(), timeoutMs: 60_000 }),
      runEai(['bus', 'topics'], {
        env: cliEnv({ EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'http://127.0.0.1:24999/token' }),
        timeoutMs: 60_000,
      }),
    ]);
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(listed.stdout).toContain(topic);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^eai: cannot get a token for Kafka at 127\.0\.0\.1:\d+: OAuth token endpoint http:\/\/127\.0\.0\.1:24999\/token did not answer: .*ECONNREFUSED.*: is the identity provider up\? check EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL\n$/,
    );
  });

  it("the registry over OAuth (Confluent's bearer.auth.credentials.source=OAUTHBEARER): a client-credentials token shared by its calls, Confluent Cloud's headers; a refused client in one line", async () => {
    clearOAuthTokens();
    const oauthRegistry = (secret = kafka.oidc.client.secret) => ({
      EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL: kafka.oidc.tokenUrl,
      EAI_REGISTRY_BEARER_AUTH_CLIENT_ID: kafka.oidc.client.id,
      EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET: secret,
      EAI_REGISTRY_BEARER_AUTH_LOGICAL_CLUSTER: 'lsrc-abc12',
      EAI_REGISTRY_BEARER_AUTH_IDENTITY_POOL_ID: 'pool-Xyz9',
      EAI_REGISTRY_CA_FILE: kafka.files.ca,
    });
    const auth = registryAuthFromEnv(oauthRegistry());
    expect(JSON.stringify({ auth })).toBe('{"auth":"OAuth bearer auth, private CA"}');
    const before = kafka.oidc.requests.length;
    const seenBefore = proxy.seenHeaders.length;
    const client = createRegistryClient(proxy.url, { auth });
    const subject = `${unique('oauth-subject')}-value`;
    const schema = {
      type: 'record',
      name: 'OAuthProbe',
      namespace: 'eai.tests',
      fields: [{ name: 'id', type: 'string' }],
    };
    const id = await client.register(subject, schema);
    expect(await client.versions(subject)).toEqual([1]);
    expect(await client.typeById(id)).toBeDefined();
    expect(kafka.oidc.requests.length - before).toBe(1);
    const sent = proxy.seenHeaders.slice(seenBefore);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const headers of sent) {
      expect(headers['target-sr-cluster']).toBe('lsrc-abc12');
      expect(headers['confluent-identity-pool-id']).toBe('pool-Xyz9');
      expect(kafka.oidc.issued(String(headers.authorization).replace(/^Bearer /, ''))).toBe(true);
    }
    // A refused client: the registry is not asked, and the line names the variables.
    clearOAuthTokens();
    const refused = await createRegistryClient(proxy.url, {
      auth: registryAuthFromEnv(oauthRegistry('Qz7-wrong')),
      retries: 0,
    })
      .typeById(id)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(refused).toBeInstanceOf(RegistryRefusedError);
    expect(refused!.message).toBe(
      `schema registry ${proxy.url}: OAuth token endpoint ${kafka.oidc.tokenUrl} refused the client (401 invalid_client: Invalid client credentials): check EAI_REGISTRY_BEARER_AUTH_CLIENT_ID, EAI_REGISTRY_BEARER_AUTH_CLIENT_SECRET`,
    );
    clearOAuthTokens();
  });

  /** What the start of a hub (its bus's first request) says under `env`, as the one line a user reads. */
  async function startFailure(brokers: string, env: NodeJS.ProcessEnv): Promise<KafkaSecurityError> {
    const bus = createBus({
      brokers,
      registryUrl: proxy.url,
      clientId: unique('secured-fail'),
      security: kafkaSecurityFromEnv(env),
      registryAuth: registryAuthFromEnv(registryEnv()),
    });
    const error = await bus.provisionTopics().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaSecurityError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).not.toContain(kafka.users.password);
    return error as KafkaSecurityError;
  }

  it('a wrong password fails the start in one line: SASL authentication failed, naming the variables', async () => {
    for (const mechanism of ['SCRAM-SHA-512', 'PLAIN']) {
      const error = await startFailure(kafka.saslSsl, sasl(mechanism, 'not-the-password'));
      expect(error.message).toMatch(
        new RegExp(
          `^Kafka at 127.0.0.1:\\d+: SASL authentication failed \\(${mechanism}\\): check EAI_KAFKA_SASL_USERNAME and EAI_KAFKA_SASL_PASSWORD`,
        ),
      );
      expect(error.message).not.toContain('not-the-password');
      expect(error.variable).toBe('EAI_KAFKA_SASL_PASSWORD');
    }
  });

  it('OAUTHBEARER: a wrong client secret, a token the broker does not trust and a wrong endpoint each fail in one line', async () => {
    clearOAuthTokens();
    const wrongSecret = await startFailure(
      kafka.saslSsl,
      oauth({ id: kafka.oidc.client.id, secret: 'Qz7-wrong-secret' }),
    );
    expect(wrongSecret.message).toBe(
      `OAuth token endpoint ${kafka.oidc.tokenUrl} refused the client (401 invalid_client: Invalid client credentials): check EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID, EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET`,
    );
    expect(wrongSecret.variable).toBe('EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET');
    expect(wrongSecret.message).not.toContain('Qz7');
    // Signed by a key the broker's JWKS does not hold.
    const untrusted = await startFailure(kafka.saslSsl, oauth(kafka.oidc.rogueClient));
    expect(untrusted.message).toMatch(
      /^Kafka at 127\.0\.0\.1:\d+ refused the OAuth token from EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL \(.*\): the broker does not trust that identity provider's keys/,
    );
    expect(untrusted.variable).toBe('EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL');
    // The broker's own answer (its error challenge, then its reason), not a connection closed later.
    expect(untrusted.message).toContain('(invalid_token)');
    const notAnEndpoint = await startFailure(
      kafka.saslSsl,
      oauth(kafka.oidc.client, {
        EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: kafka.oidc.tokenUrl.replace('/token', '/tokens'),
      }),
    );
    expect(notAnEndpoint.message).toMatch(
      /answered 404: EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL is not a token endpoint/,
    );
    // SASL to the PLAINTEXT listener: said as such, not as a broker that is down.
    const saslToPlain = await kafkaReachable(
      kafka.plaintext,
      kafkaSecurityFromEnv({
        ...oauth(),
        EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        EAI_KAFKA_SSL_CA_FILE: '',
      }),
    ).catch((e: unknown) => e);
    expect(saslToPlain).toBeInstanceOf(KafkaSecurityError);
    expect((saslToPlain as Error).message).toMatch(
      /takes no SASL on that listener \(it looks like PLAINTEXT\), and EAI_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT/,
    );
    // An identity provider that does not answer is an outage (kafkajs retries it), said with the endpoint.
    const down = await kafkaReachable(
      kafka.saslSsl,
      kafkaSecurityFromEnv(
        oauth(kafka.oidc.client, {
          EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'http://127.0.0.1:24999/token',
        }),
      ),
    ).catch((e: unknown) => e);
    expect(down).not.toBeInstanceOf(KafkaSecurityError);
    expect(String((down as Error).message)).toContain(
      'OAuth token endpoint http://127.0.0.1:24999/token did not answer',
    );
  }, 40_000);

  it('an untrusted certificate names EAI_KAFKA_SSL_CA_FILE, whether a wrong CA file or none is set', async () => {
    const wrongCa = await startFailure(kafka.saslSsl, sasl('SCRAM-SHA-512', undefined, kafka.files.otherCa));
    expect(wrongCa.message).toContain('its TLS certificate is not signed by the CA in EAI_KAFKA_SSL_CA_FILE');
    expect(wrongCa.variable).toBe('EAI_KAFKA_SSL_CA_FILE');
    const { EAI_KAFKA_SSL_CA_FILE: _, ...systemCas } = sasl('SCRAM-SHA-512');
    const noCa = await startFailure(kafka.saslSsl, systemCas);
    expect(noCa.message).toMatch(/not signed by a CA the system trusts .*: set EAI_KAFKA_SSL_CA_FILE/);
  });

  it('TLS to a PLAINTEXT port, and PLAINTEXT to a TLS port, name EAI_KAFKA_SECURITY_PROTOCOL', async () => {
    const tlsToPlain = await startFailure(kafka.plaintext, sasl('SCRAM-SHA-512'));
    expect(tlsToPlain.message).toMatch(/dropped the TLS handshake: that listener looks like PLAINTEXT/);
    expect(tlsToPlain.variable).toBe('EAI_KAFKA_SECURITY_PROTOCOL');
    // PLAINTEXT is the default: the bus's own first request then is the explained one (no quick preflight).
    const plainToTls = await kafkaReachable(kafka.saslSsl, kafkaSecurityFromEnv({})).catch((e: unknown) => e);
    expect(plainToTls).toBeInstanceOf(KafkaSecurityError);
    expect((plainToTls as Error).message).toMatch(
      /closed the connection at the first request: that listener looks like TLS .*set EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL/,
    );
    const tlsWithoutSasl = await startFailure(kafka.saslSsl, {
      EAI_KAFKA_SECURITY_PROTOCOL: 'SSL',
      EAI_KAFKA_SSL_CA_FILE: kafka.files.ca,
    });
    expect(tlsWithoutSasl.message).toMatch(
      /closed the connection after the TLS handshake: that listener looks like SASL_SSL/,
    );
  });

  it('a listener that requires a client certificate says so, naming EAI_KAFKA_SSL_CERT_FILE', async () => {
    const error = await startFailure(kafka.mutualTls, {
      EAI_KAFKA_SECURITY_PROTOCOL: 'SSL',
      EAI_KAFKA_SSL_CA_FILE: kafka.files.ca,
    });
    expect(error.message).toMatch(
      /requires a client certificate \(mutual TLS, .*\): set EAI_KAFKA_SSL_CERT_FILE and EAI_KAFKA_SSL_KEY_FILE/,
    );
  });

  it('readiness names the reason: a wrong Kafka password and a registry that refuses the credentials', async () => {
    const security = kafkaSecurityFromEnv(sasl('SCRAM-SHA-512', 'Qz7-bad-pass'));
    const auth = registryAuthFromEnv({
      EAI_REGISTRY_BASIC_AUTH: 'sr-key:Qz7-bad-secret',
      EAI_REGISTRY_CA_FILE: kafka.files.ca,
    });
    const ops = await startOpsServer({
      checks: {
        kafka: () => kafkaReachable(kafka.saslSsl, security),
        schemaRegistry: () => registryAnswers(proxy.url, 2000, auth),
      },
      healthDetails: 'always',
    });
    try {
      const response = await fetch(`${ops.url}/health/ready`);
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain('SASL authentication failed (SCRAM-SHA-512): check EAI_KAFKA_SASL_USERNAME');
      expect(text).toContain('refused the credentials (HTTP 401): check EAI_REGISTRY_BASIC_AUTH');
      expect(text).not.toContain('Qz7-bad');
    } finally {
      await ops.close();
    }
  });

  it('the registry client: a bearer token passes, a wrong or missing credential and an untrusted CA fail in one line', async () => {
    const subject = `${unique('secured-subject')}-value`;
    const schema = {
      type: 'record',
      name: 'Probe',
      namespace: 'eai.tests',
      fields: [{ name: 'id', type: 'string' }],
    };
    const bearer = createRegistryClient(proxy.url, {
      auth: registryAuthFromEnv({
        EAI_REGISTRY_BEARER_TOKEN: registryToken,
        EAI_REGISTRY_CA_FILE: kafka.files.ca,
      }),
    });
    const id = await bearer.register(subject, schema);
    expect(await bearer.versions(subject)).toEqual([1]);
    expect(proxy.seen.at(-1)).toBe(`Bearer ${registryToken}`);

    const refused = async (env: NodeJS.ProcessEnv) => {
      const client = createRegistryClient(proxy.url, { auth: registryAuthFromEnv(env), retries: 0 });
      return client.typeById(id).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    };
    const wrong = await refused({
      EAI_REGISTRY_BASIC_AUTH: 'sr-key:nope',
      EAI_REGISTRY_CA_FILE: kafka.files.ca,
    });
    expect(wrong).toBeInstanceOf(RegistryRefusedError);
    expect(wrong!.message).toBe(
      `schema registry ${proxy.url} refused the credentials (HTTP 401): check EAI_REGISTRY_BASIC_AUTH`,
    );
    const none = await refused({ EAI_REGISTRY_CA_FILE: kafka.files.ca });
    expect(none!.message).toBe(
      `schema registry ${proxy.url} answered HTTP 401: it needs credentials: set EAI_REGISTRY_BASIC_AUTH (<key>:<secret>), EAI_REGISTRY_BEARER_TOKEN or EAI_REGISTRY_BEARER_AUTH_ISSUER_ENDPOINT_URL`,
    );
    const untrusted = await refused({ EAI_REGISTRY_BASIC_AUTH: registrySecret });
    expect(untrusted).toBeInstanceOf(RegistryRefusedError);
    expect(untrusted!.message).toMatch(
      /its TLS certificate is not signed by a CA the system trusts .*: set EAI_REGISTRY_CA_FILE/,
    );
    const wrongCa = await refused({
      EAI_REGISTRY_BASIC_AUTH: registrySecret,
      EAI_REGISTRY_CA_FILE: kafka.files.otherCa,
    });
    expect(wrongCa!.message).toMatch(/not signed by the CA in EAI_REGISTRY_CA_FILE/);
  });
});
