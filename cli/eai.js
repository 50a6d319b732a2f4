#!/usr/bin/env node
// The `eai` command. A plain JS entry that any Node can read, so that on an older one it says which it needs
// (the requirement lives here, not in package.json's `engines`, which made npm warn on every `npx eai` while npm
// itself runs on the machine's Node). `npx eai` runs on the node@24 devDependency; the CLI is TypeScript.
const NEEDED = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < NEEDED) {
  process.stderr.write(
    `eai: needs Node ${NEEDED} or newer, this is Node ${process.versions.node}: run it as \`npx eai\` in the repository after \`npm install\` (which installs Node ${NEEDED} as a devDependency)\n`,
  );
  process.exit(1);
}
const { quietKnownWarnings } = await import('../lib/quiet-warnings.ts');
quietKnownWarnings();
const { main } = await import('./main.ts');
await main(process.argv);
