import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafka } from '../stack/kafka.ts';
import { stopProcess } from '../stack/processes.ts';
import { type OidcProvider, startOidcProvider } from './oidc-provider.ts';
import { type TestCa, testCa } from './tls-certificates.ts';

/**
 * A second Kafka broker of a test's own, launched as the stack launches its own (stack/kafka.ts), with the listeners a
 * company's cluster has: SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; users made at format time) and SSL with
 * client certificates required (mutual TLS), beside a PLAINTEXT one; SASL_SSL also takes OAUTHBEARER tokens of an
 * identity provider of the test's own (tests/oidc-provider.ts), validated against its JWKS as Kafka's
 * OAuthBearerValidatorCallbackHandler does for Keycloak. Its TLS certificate is signed by a CA the test made. Small
 * heap; `stop()` ends it and the provider, and deletes its folder.
 */
export interface SecuredKafka {
  plaintext: string;
  saslSsl: string;
  mutualTls: string;
  ca: TestCa;
  /** The CA's certificate, a client certificate and key it signed, written as PEM files. */
  files: { ca: string; clientCert: string; clientKey: string; otherCa: string };
  users: { name: string; password: string };
  oidc: OidcProvider;
  stop(): Promise<void>;
}

/** How long the broker's OAUTHBEARER sessions last (`connections.max.reauth.ms`), ms. */
export const OAUTH_SESSION_MS = 12_000;

/** Fixed loopback ports under 32768, away from the stack's (19092…) and the OS's ephemeral range. */
export const SECURED_KAFKA_PORTS = {
  plaintext: 24192,
  controller: 24193,
  saslSsl: 24194,
  mutualTls: 24195,
  oidc: 24196,
};

async function assertFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', () =>
      reject(new Error(`port ${port} is taken: the secured test broker needs 24192-24196 free`)),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

export async function startSecuredKafka(): Promise<SecuredKafka> {
  const ports = SECURED_KAFKA_PORTS;
  for (const port of Object.values(ports)) await assertFree(port);
  const home = mkdtempSync(join(tmpdir(), 'eai-secured-kafka-'));
  const ca = testCa('eai secured-kafka test CA');
  const server = ca.server();
  const client = ca.client('eai-hub');
  const users = { name: 'alice', password: 'alice-secret' };
  const files = {
    ca: join(home, 'ca.pem'),
    clientCert: join(home, 'client.pem'),
    clientKey: join(home, 'client.key'),
    otherCa: join(home, 'other-ca.pem'),
  };
  writeFileSync(files.ca, ca.cert);
  writeFileSync(files.clientCert, client.cert);
  writeFileSync(files.clientKey, client.key, { mode: 0o600 });
  writeFileSync(files.otherCa, testCa('some other CA').cert);
  const at = (port: number) => `127.0.0.1:${port}`;
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  // The broker fetches the provider's keys when it configures the listener: the provider runs first.
  const oidc = await startOidcProvider(ports.oidc);
  let pid: number;
  try {
    ({ pid } = await startKafka(
      { broker: ports.plaintext, controller: ports.controller },
      {
        home,
        // Kafka 4 reaches only the OAuth URLs this allows (CVE-2025-27817). A broker for one spec file's few records:
        // the JIT's first tier only and a one-thread collector (C2 compiling for peak speed took most of the start on
        // two shared cores: 40-46 s → 17-25 s at load 17).
        jvmOptions: [
          '-XX:TieredStopAtLevel=1',
          '-XX:+UseSerialGC',
          '-Xms128m',
          '-Xmx256m',
          '-Djava.awt.headless=true',
          `-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${oidc.jwksUrl}`,
        ],
        properties: {
          listeners: `PLAINTEXT://${at(ports.plaintext)},SASL_SSL://${at(ports.saslSsl)},SSL://${at(ports.mutualTls)},CONTROLLER://${at(ports.controller)}`,
          'advertised.listeners': `PLAINTEXT://${at(ports.plaintext)},SASL_SSL://${at(ports.saslSsl)},SSL://${at(ports.mutualTls)}`,
          'listener.security.protocol.map':
            'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:PLAINTEXT',
          'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
          'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config':
            'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
          'listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class':
            'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
          'sasl.oauthbearer.jwks.endpoint.url': oidc.jwksUrl,
          'sasl.oauthbearer.expected.audience': 'kafka',
          'sasl.oauthbearer.expected.issuer': oidc.issuer,
          // OAuth sessions end, as on a cluster that enforces token lifetimes (KIP-368): a client re-authenticates
          // within this time or its connection is closed at its next request.
          'listener.name.sasl_ssl.oauthbearer.connections.max.reauth.ms': String(OAUTH_SESSION_MS),
          'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${users.name}="${users.password}";`,
          'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': scram,
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scram,
          'ssl.keystore.type': 'PEM',
          'ssl.keystore.certificate.chain': `${server.cert.trim()}\n${ca.cert.trim()}`,
          'ssl.keystore.key': server.key.trim(),
          'ssl.truststore.type': 'PEM',
          'ssl.truststore.certificates': ca.cert.trim(),
          'listener.name.ssl.ssl.client.auth': 'required',
        },
        formatArgs: ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
          '--add-scram',
          `${mechanism}=[name=${users.name},password=${users.password}]`,
        ]),
      },
    ));
  } catch (error) {
    // The broker's own reason (a config it refused) is in its log, which goes with the folder.
    const log = readFileSync(join(home, 'kafka.log'), 'utf8').split('\n');
    const reasons = log.filter((line) => line.startsWith('Caused by') || line.includes(' ERROR ')).slice(-3);
    rmSync(home, { recursive: true, force: true });
    await oidc.close();
    throw new Error(`the secured test broker did not start: ${reasons.join(' | ')}`, { cause: error });
  }
  return {
    plaintext: at(ports.plaintext),
    saslSsl: at(ports.saslSsl),
    mutualTls: at(ports.mutualTls),
    ca,
    files,
    users,
    oidc,
    async stop() {
      await stopProcess(pid, 10_000);
      await oidc.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
