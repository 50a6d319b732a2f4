#!/usr/bin/env node
// The `eai` command. A plain JS entry that any Node can read, so that on an older one it can still act (the
// requirement lives here, not in package.json's `engines`, which made npm warn on every `npx eai` while npm itself
// runs on the machine's Node). `npx eai` runs on the node@24 devDependency; the CLI is TypeScript. Started by an
// older Node in another way (the file's path, `npm link`, `npx --prefix <repo>` from another folder), it runs itself
// again on the repository's node@24 when `npm install` put one there, and says which Node it needs otherwise.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NEEDED = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < NEEDED) {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local) || process.env.EAI_NODE_REEXEC === '1') {
    process.stderr.write(
      `eai: needs Node ${NEEDED} or newer, this is Node ${process.versions.node}: install Node ${NEEDED} on this machine (a production install, npm ci --omit=dev, runs on it), or in a development clone run it as \`npx eai\` after \`npm install\` (which installs Node ${NEEDED} as a devDependency)\n`,
    );
    process.exit(1);
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, EAI_NODE_REEXEC: '1' },
  });
  // Ctrl-C reaches the child from the terminal itself (the same process group): this process only waits for it.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
} else {
  const { quietKnownWarnings } = await import('../lib/quiet-warnings.ts');
  quietKnownWarnings();
  // A reader that stops early (`eai mdm export --xref | head`) closes the pipe: the rest of the output has nowhere to
  // go, which is no failure of the command. Without a listener the write's EPIPE ended it with Node's stack trace.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`eai: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
  const { main } = await import('./main.ts');
  await main(process.argv);
}
