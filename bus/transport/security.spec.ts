import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.ts';
import { parseSaslExtensions } from '../../lib/oauth-token.ts';
import { kafkaSecurityFromEnv } from './security.ts';

const dir = mkdtempSync(join(tmpdir(), 'eai-security-spec-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const jksFile = join(dir, 'truststore.jks');
writeFileSync(jksFile, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
const passwordFile = join(dir, 'password');
writeFileSync(passwordFile, 'from-a-file\n');

const scram = {
  EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  EAI_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  EAI_KAFKA_SASL_USERNAME: 'hub',
  EAI_KAFKA_SASL_PASSWORD: 'p4ss-Secret',
};

describe('EAI_KAFKA_SECURITY_PROTOCOL and its companions', () => {
  it('defaults to PLAINTEXT: kafkajs gets neither ssl nor sasl', () => {
    const security = kafkaSecurityFromEnv({});
    expect(security.protocol).toBe('PLAINTEXT');
    expect(security.kafkajsOptions()).toEqual({});
  });

  it('passes SASL_SSL with SCRAM through to kafkajs, case-insensitively, with the system CAs by default', () => {
    const security = kafkaSecurityFromEnv({
      ...scram,
      EAI_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      EAI_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    });
    expect(security.kafkajsOptions()).toEqual({
      ssl: {},
      sasl: { mechanism: 'scram-sha-512', username: 'hub', password: 'p4ss-Secret' },
    });
  });

  it('reads the password from EAI_KAFKA_SASL_PASSWORD_FILE and the CA from EAI_KAFKA_SSL_CA_FILE', () => {
    const { EAI_KAFKA_SASL_PASSWORD: _, ...rest } = scram;
    const security = kafkaSecurityFromEnv({
      ...rest,
      EAI_KAFKA_SASL_PASSWORD_FILE: passwordFile,
      EAI_KAFKA_SSL_CA_FILE: caFile,
    });
    const options = security.kafkajsOptions();
    expect(options.sasl).toMatchObject({ password: 'from-a-file' });
    expect((options.ssl as { ca: string }).ca).toContain('BEGIN CERTIFICATE');
    expect(security.describe()).toBe('SASL_SSL, SCRAM-SHA-512, private CA');
  });

  it('never shows the password: JSON, util.inspect and object spread give the redacted description', () => {
    const security = kafkaSecurityFromEnv(scram);
    expect(JSON.stringify({ security })).toBe('{"security":"SASL_SSL, SCRAM-SHA-512"}');
    expect(inspect(security, { showHidden: false })).not.toContain('p4ss-Secret');
    expect(JSON.stringify({ ...security })).not.toContain('p4ss-Secret');
  });

  const refused = (env: NodeJS.ProcessEnv) => {
    try {
      kafkaSecurityFromEnv(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain('p4ss-Secret');
      return (error as Error).message;
    }
    throw new Error('accepted');
  };

  it('a mismatch is one line naming the variable', () => {
    expect(refused({ EAI_KAFKA_SECURITY_PROTOCOL: 'TLS' })).toBe(
      'EAI_KAFKA_SECURITY_PROTOCOL: "TLS" is not a protocol: set one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
    );
    expect(refused({ EAI_KAFKA_SASL_MECHANISM: 'PLAIN' })).toBe(
      'EAI_KAFKA_SASL_MECHANISM: set, but EAI_KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL: set EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL (or SASL_PLAINTEXT), or unset EAI_KAFKA_SASL_MECHANISM',
    );
    expect(refused({ ...scram, EAI_KAFKA_SASL_MECHANISM: '' })).toBe(
      'EAI_KAFKA_SASL_MECHANISM: required with EAI_KAFKA_SECURITY_PROTOCOL=SASL_SSL: set one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER',
    );
    expect(refused({ ...scram, EAI_KAFKA_SASL_MECHANISM: 'GSSAPI' })).toMatch(
      /^EAI_KAFKA_SASL_MECHANISM: "GSSAPI" is not supported/,
    );
    expect(refused({ ...scram, EAI_KAFKA_SASL_USERNAME: ' ' })).toBe(
      'EAI_KAFKA_SASL_USERNAME: required with SASL_SSL and SCRAM-SHA-512: set the user',
    );
    expect(refused({ ...scram, EAI_KAFKA_SASL_PASSWORD: undefined })).toMatch(
      /^EAI_KAFKA_SASL_PASSWORD: required with SASL_SSL/,
    );
    expect(refused({ ...scram, EAI_KAFKA_SASL_PASSWORD_FILE: passwordFile })).toBe(
      'EAI_KAFKA_SASL_PASSWORD_FILE: set together with EAI_KAFKA_SASL_PASSWORD: keep one of them',
    );
    expect(
      refused({ ...scram, EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', EAI_KAFKA_SSL_CA_FILE: caFile }),
    ).toMatch(/^EAI_KAFKA_SSL_CA_FILE: set, but EAI_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT uses no TLS/);
    expect(refused({ EAI_KAFKA_SECURITY_PROTOCOL: 'SSL', EAI_KAFKA_SSL_CERT_FILE: caFile })).toMatch(
      /^EAI_KAFKA_SSL_KEY_FILE: required with EAI_KAFKA_SSL_CERT_FILE/,
    );
    expect(
      refused({ EAI_KAFKA_SECURITY_PROTOCOL: 'SSL', EAI_KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }),
    ).toBe(`EAI_KAFKA_SSL_CA_FILE: cannot read ${join(dir, 'missing.pem')}: no such file (ENOENT)`);
    expect(refused({ EAI_KAFKA_SECURITY_PROTOCOL: 'SSL', EAI_KAFKA_SSL_CA_FILE: jksFile })).toMatch(
      /^EAI_KAFKA_SSL_CA_FILE: .*truststore.jks holds no PEM certificate .*keytool/,
    );
  });

  const oauth = {
    EAI_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    EAI_KAFKA_SASL_MECHANISM: 'oauthbearer',
    EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL:
      'https://idp.example.com/realms/acme/protocol/openid-connect/token',
    EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'eai-hub',
    EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: 'p4ss-Secret',
  };

  it('OAUTHBEARER gives kafkajs a token provider, never a user or password, and shows only its name', () => {
    const security = kafkaSecurityFromEnv(oauth);
    const options = security.kafkajsOptions();
    expect(options.ssl).toEqual({});
    expect(options.sasl).toEqual({ mechanism: 'oauthbearer', authenticationProvider: expect.any(Function) });
    expect(JSON.stringify({ security })).toBe('{"security":"SASL_SSL, OAUTHBEARER"}');
    expect(inspect(security)).not.toContain('p4ss-Secret');
  });

  it('OAUTHBEARER settings: each missing or misplaced one is one line naming the variable', () => {
    expect(refused({ ...oauth, EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: undefined })).toMatch(
      /^EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: required with OAUTHBEARER/,
    );
    expect(
      refused({ ...oauth, EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'idp.example.com/token' }),
    ).toBe('EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: "idp.example.com/token" is not a URL');
    expect(
      refused({
        ...oauth,
        EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'https://hub:p4ss-Secret@idp/token',
      }),
    ).toMatch(/^EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: must not hold a user or password/);
    expect(refused({ ...oauth, EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: '' })).toMatch(
      /^EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: required with OAUTHBEARER/,
    );
    expect(refused({ ...oauth, EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: undefined })).toMatch(
      /^EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: required with OAUTHBEARER: set it, or EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE/,
    );
    expect(refused({ ...oauth, EAI_KAFKA_SASL_USERNAME: 'hub' })).toMatch(
      /^EAI_KAFKA_SASL_USERNAME: set, but OAUTHBEARER takes no user or password/,
    );
    expect(refused({ ...scram, EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'eai-hub' })).toBe(
      'EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID: set, but EAI_KAFKA_SASL_MECHANISM=SCRAM-SHA-512: set EAI_KAFKA_SASL_MECHANISM=OAUTHBEARER, or unset EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_ID',
    );
    expect(refused({ EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'https://idp/token' })).toMatch(
      /^EAI_KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: set, but EAI_KAFKA_SECURITY_PROTOCOL=PLAINTEXT uses no SASL/,
    );
    expect(refused({ ...oauth, EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS: 'logicalCluster' })).toBe(
      'EAI_KAFKA_SASL_OAUTHBEARER_EXTENSIONS: "logicalCluster" is not key=value (as key=value,key=value)',
    );
    expect(refused({ ...oauth, EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE: jksFile })).toMatch(
      /^EAI_KAFKA_SASL_OAUTHBEARER_CA_FILE: .*holds no PEM certificate/,
    );
    // The secret from a file, as a mounted secret.
    const fromFile = kafkaSecurityFromEnv({
      ...oauth,
      EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: undefined,
      EAI_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE: passwordFile,
    });
    expect(fromFile.mechanism).toBe('OAUTHBEARER');
  });

  it("SASL extensions read as librdkafka's sasl.oauthbearer.extensions", () => {
    expect(parseSaslExtensions('logicalCluster=lkc-abc12, identityPoolId=pool-Xyz9,')).toEqual({
      logicalCluster: 'lkc-abc12',
      identityPoolId: 'pool-Xyz9',
    });
    expect(() => parseSaslExtensions('auth=x')).toThrow('extension name "auth" is reserved');
    expect(() => parseSaslExtensions('logical-cluster=x')).toThrow('letters only');
    expect(() => parseSaslExtensions('a=b\u0001c')).toThrow('control character');
  });
});
