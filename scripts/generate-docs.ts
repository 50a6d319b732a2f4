import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReadme } from './config-docs.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readme, renderReadme(readFileSync(readme, 'utf8')));
process.stdout.write(`updated ${readme}\n`);
