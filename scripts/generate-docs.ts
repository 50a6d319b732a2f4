import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { docFiles, renderDoc } from './config-docs.ts';

for (const file of docFiles()) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  writeFileSync(path, renderDoc(file, readFileSync(path, 'utf8')));
  process.stdout.write(`updated ${file}\n`);
}
