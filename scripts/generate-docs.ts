import { fileURLToPath } from 'node:url';
import { docFiles } from './config-docs.ts';
import { updateDoc } from './update-doc.ts';

for (const file of docFiles()) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  process.stdout.write(updateDoc(path, file) ? `updated ${file}\n` : `${file}: up to date\n`);
}
