import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { defaultInstanceName, instanceIdFromEnv } from './instance-env.ts';

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
