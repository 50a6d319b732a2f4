// Test process setup (vitest setupFiles): the same warning filter the CLI installs at its entry point.
import { quietKnownWarnings } from '../lib/quiet-warnings.ts';

quietKnownWarnings();

// The suite's own readers (tests/read-to-end.ts, tests/raw-consumer.ts) are plain kafkajs on purpose, an independent
// reader of what the hub wrote, and kafkajs reads GZIP only: a developer's EAI_KAFKA_COMPRESSION=lz4 made every spec
// that reads through them fail. The specs of compression set it themselves (bus/transport/compression.spec.ts).
delete process.env.EAI_KAFKA_COMPRESSION;
