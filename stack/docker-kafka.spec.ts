import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { chooseKafkaProvider } from './docker-kafka.ts';
import { readStackEnv } from './settings.ts';

describe('where the local broker comes from', () => {
  const all = { jdk: true, maven: true, docker: true };

  it('auto prefers the Maven jars, falls back to Docker, and names the prerequisites when neither is there', () => {
    expect(chooseKafkaProvider('auto', all)).toBe('jars');
    expect(chooseKafkaProvider('auto', { ...all, maven: false })).toBe('docker');
    expect(chooseKafkaProvider('auto', { ...all, jdk: false })).toBe('docker');
    expect(() => chooseKafkaProvider('auto', { jdk: false, maven: true, docker: false })).toThrow(
      ConfigError,
    );
    expect(() => chooseKafkaProvider('auto', { jdk: false, maven: true, docker: false })).toThrow(
      /JDK 17\+ and Maven, or run Docker, or set KAFKA_BROKERS/,
    );
  });

  it('an explicit choice wins, and the setting is validated', () => {
    expect(chooseKafkaProvider('docker', all)).toBe('docker');
    expect(chooseKafkaProvider('jars', { jdk: true, maven: true, docker: false })).toBe('jars');
    expect(readStackEnv({}).EAI_KAFKA_PROVIDER).toBe('auto');
    expect(() => readStackEnv({ EAI_KAFKA_PROVIDER: 'podman' })).toThrow(/EAI_KAFKA_PROVIDER/);
  });
});
