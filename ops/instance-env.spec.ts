import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import {
  defaultAdvertisedUrl,
  defaultInstanceName,
  healthDetailsFromEnv,
  instanceAddressFromEnv,
  instanceIdFromEnv,
} from './instance-env.ts';

describe('EAI_INSTANCE_ID', () => {
  it('is the name as given (a pod name, host:port), none when unset or blank', () => {
    expect(instanceIdFromEnv({ EAI_INSTANCE_ID: 'eai-hub-7f9c4d-x2kq9' })).toBe('eai-hub-7f9c4d-x2kq9');
    expect(instanceIdFromEnv({ EAI_INSTANCE_ID: ' erp-gw.example.com:8080 ' })).toBe(
      'erp-gw.example.com:8080',
    );
    expect(instanceIdFromEnv({})).toBeUndefined();
    expect(instanceIdFromEnv({ EAI_INSTANCE_ID: '  ' })).toBeUndefined();
  });

  it('refuses a name with spaces, slashes or over 100 characters, naming the variable', () => {
    for (const bad of ['hub a', 'group/hub', 'x'.repeat(101)]) {
      expect(() => instanceIdFromEnv({ EAI_INSTANCE_ID: bad })).toThrow(ConfigError);
      expect(() => instanceIdFromEnv({ EAI_INSTANCE_ID: bad })).toThrow(
        'EAI_INSTANCE_ID: letters, digits, ".", "_", ":" and "-" (1-100)',
      );
    }
  });

  it('defaults to <host name>:<port>, as Kafka Connect names a worker', () => {
    expect(defaultInstanceName(8080)).toBe(`${hostname()}:8080`);
  });
});

describe('EAI_OPS_HOST, --host and EAI_ADVERTISED_URL', () => {
  it('listens on loopback unless told otherwise; --host wins over the variable; the URL loses a trailing slash', () => {
    expect(instanceAddressFromEnv({})).toEqual({ host: '127.0.0.1' });
    expect(instanceAddressFromEnv({ EAI_OPS_HOST: '0.0.0.0' })).toEqual({ host: '0.0.0.0' });
    expect(instanceAddressFromEnv({ EAI_OPS_HOST: '0.0.0.0' }, '::')).toEqual({ host: '::' });
    expect(instanceAddressFromEnv({ EAI_OPS_HOST: 'hub-0.hub.eai.svc' })).toEqual({
      host: 'hub-0.hub.eai.svc',
    });
    expect(
      instanceAddressFromEnv({ EAI_OPS_HOST: '0.0.0.0', EAI_ADVERTISED_URL: 'http://hub-0.hub:8080/' }),
    ).toEqual({ host: '0.0.0.0', advertisedUrl: 'http://hub-0.hub:8080' });
    expect(defaultAdvertisedUrl(8080)).toBe(`http://${hostname()}:8080`);
  });

  it('refuses what is no address or no http(s) URL, naming the option or the variable', () => {
    expect(() => instanceAddressFromEnv({ EAI_OPS_HOST: 'two words' })).toThrow(
      'EAI_OPS_HOST: an IP address (0.0.0.0 for every interface) or a host name, got "two words"',
    );
    expect(() => instanceAddressFromEnv({}, '-0.0.0.0')).toThrow(/^--host: an IP address/);
    for (const bad of ['hub-0:8080', 'ftp://hub-0/', 'http://']) {
      expect(() => instanceAddressFromEnv({ EAI_ADVERTISED_URL: bad })).toThrow(ConfigError);
      expect(() => instanceAddressFromEnv({ EAI_ADVERTISED_URL: bad })).toThrow(
        /^EAI_ADVERTISED_URL: an http\(s\) URL/,
      );
    }
  });

  it('EAI_HEALTH_DETAILS: readiness detail to token holders unless always, anything else refused naming it', () => {
    expect(healthDetailsFromEnv({})).toBe('when-authorized');
    expect(healthDetailsFromEnv({ EAI_HEALTH_DETAILS: ' Always ' })).toBe('always');
    expect(() => healthDetailsFromEnv({ EAI_HEALTH_DETAILS: 'yes' })).toThrow(
      'EAI_HEALTH_DETAILS: when-authorized or always, got "yes"',
    );
  });
});
