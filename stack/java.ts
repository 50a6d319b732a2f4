import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../lib/errors.ts';

/** Major version of a JDK home, read from its `release` file (`JAVA_VERSION="25.0.1"`). */
function majorVersion(javaHome: string): number | undefined {
  const release = join(javaHome, 'release');
  if (!existsSync(release)) return undefined;
  const match = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/**
 * The `java` binary of the newest JDK that is at least `minimum`: `EAI_JAVA_HOME`, then `JAVA_HOME`,
 * then the JDKs under /usr/lib/jvm. Kafka needs 17, the Apicurio registry 21.
 */
export function findJava(minimum: number): string {
  const candidates = [process.env.EAI_JAVA_HOME, process.env.JAVA_HOME].filter((h): h is string => !!h);
  if (existsSync('/usr/lib/jvm')) {
    for (const entry of readdirSync('/usr/lib/jvm')) candidates.push(join('/usr/lib/jvm', entry));
  }
  const usable = candidates
    .map((home) => ({ home, version: majorVersion(home) ?? 0 }))
    .filter((c) => c.version >= minimum && existsSync(join(c.home, 'bin', 'java')))
    .sort((a, b) => b.version - a.version);
  const best = usable[0];
  if (!best) {
    throw new ConfigError(
      `no JDK ${minimum} or newer found (looked at EAI_JAVA_HOME, JAVA_HOME and /usr/lib/jvm); install one or set EAI_JAVA_HOME`,
    );
  }
  return join(best.home, 'bin', 'java');
}
