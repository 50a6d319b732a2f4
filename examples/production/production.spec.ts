import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderEnvTable } from '../../scripts/config-docs.ts';

/**
 * The production examples say only what the hub reads: every variable the Kubernetes example sets is one of the
 * README's (rendered from the zod schemas), its probes are the hub's health routes on the port it listens on, and the
 * Dockerfile installs and starts the hub as README "Running in production" does (which
 * tests/production-install.int.spec.ts runs).
 */
const here = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

interface Container {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value?: string }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
}

describe('examples/production', () => {
  const documents = parseAllDocuments(here('kubernetes.yaml')).map((d) => d.toJS());
  const statefulSet = documents.find((d) => d.kind === 'StatefulSet');
  const hub = statefulSet.spec.template.spec.containers[0] as Container;

  it("the Kubernetes example sets only the hub's variables, and its probes hit the health routes on the ops port", () => {
    const known = new Set([...renderEnvTable().matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    // POD_NAME is the downward API's, used in the two after it.
    const unknown = hub.env.map((e) => e.name).filter((name) => name !== 'POD_NAME' && !known.has(name));
    expect(unknown).toEqual([]);
    const port = hub.env.find((e) => e.name === 'EAI_OPS_PORT')?.value;
    expect(hub.ports).toEqual([{ name: 'ops', containerPort: Number(port) }]);
    expect(hub.env.find((e) => e.name === 'EAI_OPS_HOST')?.value).toBe('0.0.0.0');
    expect([hub.livenessProbe.httpGet, hub.readinessProbe.httpGet]).toEqual([
      { path: '/health/live', port: 'ops' },
      { path: '/health/ready', port: 'ops' },
    ]);
    expect(hub.args.slice(0, 3)).toEqual(['up', '--deploy', '/etc/eai/deploy']);
    // The headless service the advertised URLs name is the StatefulSet's.
    expect(hub.env.find((e) => e.name === 'EAI_ADVERTISED_URL')?.value).toBe(
      `http://$(POD_NAME).${statefulSet.spec.serviceName}:${port}`,
    );
  });

  it('the Dockerfile installs the runtime packages only and starts eai up on every interface', () => {
    const dockerfile = here('Dockerfile');
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toMatch(/^ENV EAI_OPS_HOST=0\.0\.0\.0 EAI_OPS_PORT=8080\b/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "cli\/eai\.js"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["up", "--deploy", "\/etc\/eai\/deploy"\]$/m);
    expect(here('Dockerfile.dockerignore').split('\n')).toEqual(
      expect.arrayContaining(['node_modules', '.eai']),
    );
  });
});
