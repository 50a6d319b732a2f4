import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, stackPaths } from './paths.ts';
import { run } from './processes.ts';

/**
 * Third-party servers (Kafka, the schema registry) come from Maven Central through the machine's Maven,
 * into the stack's cache folder, once: a `.complete` marker makes the second start skip the download.
 */
export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
}

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** Copies artifacts and their runtime dependencies (jars) into `cache/<name>/lib`. */
export async function fetchJars(name: string, artifacts: MavenArtifact[]): Promise<string> {
  const dir = ensureDir(stackPaths.cache(name));
  const lib = join(dir, 'lib');
  if (existsSync(join(dir, '.complete'))) return lib;
  const deps = artifacts
    .map(
      (a) =>
        `<dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`,
    )
    .join('');
  writeFileSync(
    join(dir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>local.eai</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging><dependencies>${deps}</dependencies></project>`,
  );
  await run(
    'mvn',
    [
      '-q',
      '-B',
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${lib}`,
      '-DincludeScope=runtime',
    ],
    { cwd: dir },
  );
  writeFileSync(join(dir, '.complete'), new Date().toISOString());
  return lib;
}

/** Unpacks an archive artifact (e.g. a `tar.gz` distribution) into `cache/<name>/dist`. */
export async function fetchArchive(name: string, coordinates: string): Promise<string> {
  const dir = ensureDir(stackPaths.cache(name));
  const dist = join(dir, 'dist');
  if (existsSync(join(dir, '.complete'))) return dist;
  await run(
    'mvn',
    ['-q', '-B', `${DEPENDENCY_PLUGIN}:unpack`, `-Dartifact=${coordinates}`, `-DoutputDirectory=${dist}`],
    {
      cwd: dir,
    },
  );
  writeFileSync(join(dir, '.complete'), new Date().toISOString());
  return dist;
}
