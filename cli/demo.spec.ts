import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoBanner, demoLogLevel } from './commands/demo.ts';

describe('eai demo banner', () => {
  it("gives a line that, run in a shell, points the CLI at this demo's hub, token and master data on whatever port it took", () => {
    const banner = demoBanner({
      api: 'http://127.0.0.1:41234',
      token: 'tok-Abc_123',
      brokers: '127.0.0.1:19092',
      registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      simulators: { sap: 'http://127.0.0.1:40001', hubspot: 'http://127.0.0.1:40002' },
    });
    const line = banner.split('\n').find((l) => l.includes('export '));
    expect(line).toBeDefined();
    const command = line!.slice(line!.indexOf('export '));
    const env = execFileSync(
      'bash',
      ['-c', `${command}; printf '%s %s %s' "$EAI_URL" "$EAI_TOKEN" "$EAI_MDM_SCHEMA"`],
      { encoding: 'utf8' },
    );
    // EAI_MDM_SCHEMA: `eai mdm show <goldenId>` reads the demo's master data, not the default schema's.
    expect(env).toBe('http://127.0.0.1:41234 tok-Abc_123 mdm_demo');
    expect(banner).toContain('  sap          http://127.0.0.1:40001');
  });
});

describe('eai demo logs', () => {
  // Before, every order's steps logged at info between the refreshes, several JSON lines a second on the terminal.
  it('logs warnings and errors only, unless EAI_LOG_LEVEL says otherwise', () => {
    expect(demoLogLevel({})).toBe('warn');
    expect(demoLogLevel({ EAI_LOG_LEVEL: 'info' })).toBe('info');
  });
});
